/*
 * Many chips at once: the personalization flow (perso_run) for a list of
 * devices, on a pool of threads, one device per thread at a time.
 *
 * Each device is independent: its own chip connection (the provider keeps
 * one per device URI), its own lines in the shared record (appended under
 * a lock), its own certificate from the shared CA (serials and index.txt
 * under the CA's lock).  One device's failure never stops the others; the
 * result of each is kept for the summary.
 */
#ifndef OP_PERSO_BATCH_H
#define OP_PERSO_BATCH_H

#include <stddef.h>

#include <jansson.h>

#include "perso/perso.h"

/* Most devices one batch takes, and most threads. */
#define PERSO_BATCH_MAX_DEVICES	4096
#define PERSO_BATCH_MAX_JOBS	64

struct perso_batch_opts {
	/* every field but device, progress and progress_arg */
	const struct perso_opts *base;
	const char *const *devices;
	size_t n_devices;
	unsigned jobs;			/* 0: one per device, up to 8 */

	/*
	 * Progress of device number idx; called from the worker threads,
	 * one call at a time (the runner serialises them).  step is NULL
	 * for "started" and "finished" events, which carry what.
	 */
	void (*progress)(void *arg, size_t idx, const char *step,
	    const char *what);
	void *progress_arg;
};

struct perso_batch_item {
	const char *device;		/* borrowed from the options */
	int rc;				/* 0: personalized */
	char *error;			/* the failure's message, or NULL */
	double seconds;			/* wall time of this device */
	json_t *summary;		/* perso_run's summary (owned) */
};

struct perso_batch_result {
	struct perso_batch_item *items;	/* in the order of the devices */
	size_t n;
	size_t n_ok;
	double seconds;			/* wall time of the batch */
};

/*
 * Run the flow for every device.  Returns 0 when every device was
 * personalized, else the status of the first failed device in the order
 * given (its message set with the device named), or a status of its own
 * when the batch could not start (*res is then NULL).
 */
int perso_batch_run(const struct perso_batch_opts *opts,
    struct perso_batch_result **res);
void perso_batch_free(struct perso_batch_result **res);

/*
 * Device URIs from a list "a,b,c" or a file (one per line, '#' starts a
 * comment, blank lines ignored); duplicates are refused, since two
 * threads on one chip would fight over it.  *devs is a NULL-terminated
 * array whose strings live in the same allocation; free(*devs).
 */
int perso_batch_parse_list(const char *list, char ***devs, size_t *n);
int perso_batch_read_file(const char *path, char ***devs, size_t *n);

/* --- production options (opts.c) --------------------------------------- */

/* "api", "jitp" or "none"; a usage error otherwise. */
int perso_registration_parse(const char *s, enum perso_registration *out);

/*
 * Check the combination of options before any chip is touched (a JITP
 * role, a pkcs11: URI, --no-aws against --registration) and make
 * --registration none imply no_aws.
 */
int perso_opts_check(struct perso_opts *o);

/*
 * --registration none: export the manifest of o's record for bulk
 * registration (perso_manifest_export_bulk) into o's out directory,
 * with the CA, thing and policy of o's config.  *where is that
 * directory.
 */
int perso_bulk_export_for(const struct perso_opts *o, size_t *count,
    const char **where);

/*
 * The manifest: the last "personalized" line of every chip in the
 * record file, one JSON object per chip, in the order of first
 * appearance.
 */
int perso_manifest_load(const char *record_path, json_t **chips);

/*
 * The manifest in the form AWS IoT bulk registration takes
 * (StartThingRegistrationTask): a JSON-lines input file with one line of
 * template parameters per chip and the provisioning template that uses
 * them.  Each chip's certificate is read from <chips_dir>/<UID>/cert.pem
 * and must have the fingerprint the manifest records.
 */
struct perso_bulk_opts {
	const char *record_path;	/* the manifest */
	const char *chips_dir;		/* holds <UID>/cert.pem */
	const char *ca_dir;		/* its cacert.pem, in each line */
	const char *out_dir;		/* gets bulk-input.jsonl and
					 * bulk-template.json */
	const char *thing;		/* ThingName when the chip has
					 * none recorded; NULL: UID */
	const char *policy;		/* the template attaches it;
					 * NULL: none */
};

/* *count: the chips exported. */
int perso_manifest_export_bulk(const struct perso_bulk_opts *opts,
    size_t *count);

#endif
