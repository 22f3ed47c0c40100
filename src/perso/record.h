/*
 * The per-chip record: a JSON-lines file, one line per step outcome.
 *
 * Each line names the chip (UID), the step and its outcome, a timestamp
 * and whatever the step produced (slots, serial, fingerprint, AWS
 * certificate ID and ARN, thing).  Appends are atomic lines under a lock,
 * fsync'd, so a crash loses at most the line being written and concurrent
 * writers never interleave.  Folding a chip's lines in order gives the
 * state a resumed run starts from.
 */
#ifndef OP_PERSO_RECORD_H
#define OP_PERSO_RECORD_H

#include <jansson.h>

/*
 * Append one line: the fields of obj plus "at" (UTC, ISO 8601), "uid" and
 * "step".  obj is consumed (it may be NULL).
 */
int record_append(const char *path, const char *uid, const char *step,
    json_t *obj);

/*
 * Fold every line of uid, in order, into one object: later values win,
 * and "steps" maps each step to its last outcome ("ok", "failed", ...).
 * A missing file gives an empty object.  Lines that do not parse are
 * skipped with a warning (a torn last line after a crash).
 */
int record_load(const char *path, const char *uid, json_t **state);

/* The last outcome of step in a folded state, or NULL. */
const char *record_step_outcome(json_t *state, const char *step);

#endif
