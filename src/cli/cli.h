/*
 * optiga-perso command line: shared state and helpers for the
 * subcommands.  The CLI only parses and prints; the work is done by
 * library calls that tests can make too.
 */
#ifndef OP_CLI_CLI_H
#define OP_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <jansson.h>

struct chip;
struct perso_opts;

struct cli {
	const char *device;	/* -d/--device or OPTIGA_DEVICE */
	int verbose;		/* -v count */
	bool quiet;		/* -q */
	bool json;		/* --json */
	const char *prog;	/* "optiga-perso" */
	const char *cmd;	/* subcommand name */
};

struct cli_command {
	const char *name;
	const char *summary;	/* one line for the command list */
	int (*run)(struct cli *cli, int argc, char **argv);
};

/* Open the chip named by --device; errors name the device. */
int cli_open_chip(struct cli *cli, struct chip **chip);

/* A usage error: sets the message and returns OP_LAYER_USAGE status. */
int cli_usage_error(struct cli *cli, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Human output goes to stdout unless --quiet or --json. */
void cli_say(struct cli *cli, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Progress on stderr, only when stderr is a terminal or -v is given. */
void cli_progress(struct cli *cli, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Print a JSON document on stdout (for --json) and free it. */
void cli_print_json(json_t *doc);

/* personalize with --devices or --devices-file (cmd_personalize_batch.c) */
int cli_personalize_batch(struct cli *cli, const struct perso_opts *o,
    const char *list, const char *file, unsigned jobs);

/* Shared by the chip subcommands (cli_util.c). */
/* An object from "0xE0F1", "E0F1" or an alias ("key1"). */
int cli_parse_oid(struct cli *cli, const char *s, uint16_t *oid);
/* "0xE0F1 (key1)" or "0xF1D0", for messages; buf of 32 bytes. */
const char *cli_oid_str(uint16_t oid, char *buf, size_t cap);
/* Hex of buf as one line on stdout. */
void cli_print_hex(const uint8_t *buf, size_t len);
/* A JSON string holding the hex of buf. */
json_t *cli_json_hex(const uint8_t *buf, size_t len);
/* "0xE0F1" as a JSON string. */
json_t *cli_json_oid(uint16_t oid);
/*
 * A decimal number from min to max, digits only (no sign, no blanks):
 * true and *v, or false; the caller says which option was wrong.
 */
bool cli_parse_number(const char *s, unsigned long min, unsigned long max,
    unsigned long *v);
/* Write path atomically with mode; errors name the file. */
int cli_write_file(const char *path, const void *buf, size_t len,
    mode_t mode);
/* Append " (hint)" to the current error message; returns rc. */
int cli_err_hint(int rc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The same failure as a usage error (a bad input file): exit code 2. */
int cli_as_usage(int rc);
/*
 * Options common to chip subcommands: returns 1 when --help was given
 * (help printed), 0 to go on.  help is the command's whole help text.
 */
int cli_help_requested(int argc, char **argv, const char *help);

/* The optiga and default OpenSSL providers (cli_prov.c). */
struct ossl_provider_st;
struct cli_providers {
	struct ossl_provider_st *deflt;
	struct ossl_provider_st *optiga;
};
int cli_providers_load(struct cli_providers *p);
void cli_providers_unload(struct cli_providers *p);

/* Subcommands, one file each (cmd_<name>.c). */
int cmd_info(struct cli *cli, int argc, char **argv);
int cmd_read(struct cli *cli, int argc, char **argv);
int cmd_write(struct cli *cli, int argc, char **argv);
int cmd_keygen(struct cli *cli, int argc, char **argv);
int cmd_sign(struct cli *cli, int argc, char **argv);
int cmd_random(struct cli *cli, int argc, char **argv);
int cmd_devices(struct cli *cli, int argc, char **argv);
int cmd_personalize(struct cli *cli, int argc, char **argv);
int cmd_csr(struct cli *cli, int argc, char **argv);
int cmd_cert(struct cli *cli, int argc, char **argv);
int cmd_ca(struct cli *cli, int argc, char **argv);
int cmd_aws(struct cli *cli, int argc, char **argv);
int cmd_pair(struct cli *cli, int argc, char **argv);
int cmd_connect(struct cli *cli, int argc, char **argv);
int cmd_lock(struct cli *cli, int argc, char **argv);
/* Say what is irreversible; without yes, ask on the terminal (cmd_lock.c). */
int cli_confirm_irreversible(struct cli *cli, bool yes, const char *what);

#endif
