/*
 * optiga-perso command line: shared state and helpers for the
 * subcommands.  The CLI only parses and prints; the work is done by
 * library calls that tests can make too.
 */
#ifndef OP_CLI_CLI_H
#define OP_CLI_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

struct chip;

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

/* Subcommands, one file each (cmd_<name>.c). */
int cmd_info(struct cli *cli, int argc, char **argv);
int cmd_read(struct cli *cli, int argc, char **argv);
int cmd_write(struct cli *cli, int argc, char **argv);
int cmd_keygen(struct cli *cli, int argc, char **argv);
int cmd_sign(struct cli *cli, int argc, char **argv);
int cmd_random(struct cli *cli, int argc, char **argv);
int cmd_devices(struct cli *cli, int argc, char **argv);
int cmd_ca(struct cli *cli, int argc, char **argv);

#endif
