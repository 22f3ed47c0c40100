/*
 * devices: list I2C adapters and FT260 bridges, and whether a chip
 * answers behind each.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "bus/scan.h"
#include "cli/cli.h"
#include "util/err.h"

#define MAX_FOUND 64

static void
usage(void)
{
	printf(
	    "usage: optiga-perso devices\n"
	    "\n"
	    "List the I2C adapters (/dev/i2c-N) and FTDI FT260 USB bridges of\n"
	    "this machine, probe each for an OPTIGA at address 0x30 (by\n"
	    "reading its I2C_STATE register, which changes nothing), and\n"
	    "print the --device URI that names it.\n"
	    "\n"
	    "Example:\n"
	    "  $ optiga-perso devices\n"
	    "  i2c:/dev/i2c-1       bcm2835 (i2c@7e804000)  chip found\n"
	    "  optiga-perso -d i2c:/dev/i2c-1 info\n");
}

static json_t *
to_json(const struct bus_found *f, int n)
{
	json_t *arr = json_array();

	for (int i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:s,s:s,s:b,s:b,s:s}",
		    "device", f[i].uri, "description", f[i].desc, "opened",
		    f[i].opened, "chip", f[i].chip, "note", f[i].note));

	return json_pack("{s:o}", "devices", arr);
}

int
cmd_devices(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static struct bus_found found[MAX_FOUND];
	int n = 0;
	int ch;
	int chips = 0;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (ch == 'h') {
			usage();
			return 0;
		}
		return cli_usage_error(cli, "unknown option");
	}
	if (optind != argc)
		return cli_usage_error(cli, "devices takes no arguments");

	bus_scan(found, MAX_FOUND, &n);

	if (cli->json) {
		cli_print_json(to_json(found, n));
		return 0;
	}
	if (n == 0) {
		cli_say(cli, "No I2C adapter and no FT260 bridge found.\n"
		    "On a Raspberry Pi, enable I2C (raspi-config, or "
		    "dtparam=i2c_arm=on) and load i2c-dev; for the USB board, "
		    "check the cable (lsusb shows 0403:6030).\n");
		return 0;
	}
	for (int i = 0; i < n; i++) {
		const struct bus_found *f = &found[i];

		cli_say(cli, "%-24s %-36s %s\n", f->uri, f->desc,
		    f->chip ? "chip found" : f->opened ? "no chip" :
		    "cannot open");
		if (!f->chip && f->note[0])
			cli_say(cli, "%24s   %s\n", "", f->note);
		chips += f->chip;
	}
	for (int i = 0; i < n; i++)
		if (found[i].chip)
			cli_say(cli, "\nUse it with: %s -d %s info\n",
			    cli->prog, found[i].uri);
	if (chips == 0)
		cli_say(cli, "\nNo chip answered.\n");

	return 0;
}
