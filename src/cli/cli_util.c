/*
 * Small helpers shared by the chip subcommands: object names, hex, files
 * and error hints.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chip/chip.h"
#include "cli/cli.h"
#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"

int
cli_parse_oid(struct cli *cli, const char *s, uint16_t *oid)
{
	int rc;

	if ((rc = chip_oid_parse(s, oid)) != 0)
		return cli_usage_error(cli, "%s", op_errmsg());

	return 0;
}

bool
cli_parse_number(const char *s, unsigned long min, unsigned long max,
    unsigned long *v)
{
	char *end;

	/* strtoul alone takes blanks, a sign and "-1" as ULONG_MAX */
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*v = strtoul(s, &end, 10);

	return *end == '\0' && errno == 0 && *v >= min && *v <= max;
}

const char *
cli_oid_str(uint16_t oid, char *buf, size_t cap)
{
	const char *alias = chip_oid_alias(oid);

	if (alias != NULL)
		snprintf(buf, cap, "0x%04X (%s)", oid, alias);
	else
		snprintf(buf, cap, "0x%04X", oid);

	return buf;
}

void
cli_print_hex(const uint8_t *buf, size_t len)
{
	char h[3];

	for (size_t i = 0; i < len; i++) {
		op_hex_encode(buf + i, 1, h);
		fputs(h, stdout);
	}
	fputc('\n', stdout);
}

json_t *
cli_json_hex(const uint8_t *buf, size_t len)
{
	char *h;
	json_t *j;

	if ((h = malloc(2 * len + 1)) == NULL)
		return json_null();
	op_hex_encode(buf, len, h);
	j = json_string(h);
	free(h);

	return j;
}

json_t *
cli_json_oid(uint16_t oid)
{
	char s[8];

	snprintf(s, sizeof(s), "0x%04X", oid);

	return json_string(s);
}

int
cli_write_file(const char *path, const void *buf, size_t len, mode_t mode)
{
	return op_file_write_atomic(path, buf, len, mode);
}

int
cli_err_hint(int rc, const char *fmt, ...)
{
	char old[1024];
	char hint[512];
	va_list ap;

	snprintf(old, sizeof(old), "%s", op_errmsg());
	va_start(ap, fmt);
	vsnprintf(hint, sizeof(hint), fmt, ap);
	va_end(ap);

	return op_err(rc, "%s (%s)", old, hint);
}

int
cli_help_requested(int argc, char **argv, const char *help)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			fputs(help, stdout);
			return 1;
		}
	}

	return 0;
}

int
cli_as_usage(int rc)
{
	char msg[1024];

	snprintf(msg, sizeof(msg), "%s", op_errmsg());

	return op_err(OP_RC(OP_LAYER_USAGE, OP_RC_CODE(rc)), "%s", msg);
}
