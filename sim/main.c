/*
 * optiga-sim: an OPTIGA Trust emulator that answers the IFX I2C protocol
 * byte for byte on a virtual I2C bus (a Unix socket).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/err.h"
#include "util/log.h"

#include "capture.h"
#include "dev.h"
#include "lock.h"
#include "server.h"

#define EXIT_USAGE	2

static volatile sig_atomic_t stop_requested;
static const char *capture_path;

/* The chip side's half of the shielded connection (sim/prl.h). */
static const struct sim_prl_chip prl_chip = {
	.secret = sim_chip_binding_secret,
	.protect = sim_chip_set_protection,
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: optiga-sim --state FILE --socket PATH [options]\n"
	    "\n"
	    "Emulate an OPTIGA Trust M or Trust X on a virtual I2C bus: a\n"
	    "Unix socket that speaks the protocol of docs/virtual-bus.md.\n"
	    "Point the host at it with -d sim:PATH (or OPTIGA_DEVICE).\n"
	    "The chip's objects and keys live in the state FILE, created\n"
	    "factory-fresh when it does not exist; one simulator per FILE.\n"
	    "\n"
	    "Options:\n"
	    "  --state FILE        the chip's persistent state (required)\n"
	    "  --socket PATH       where to listen (required); removed on\n"
	    "                      exit (SIGTERM, SIGINT)\n"
	    "  --product NAME      trust-m3 (default), trust-m1 or trust-x;\n"
	    "                      fixed when FILE is created\n"
	    "  --address ADDR      7-bit I2C address, 0x30 by default\n"
	    "  --realtime          take as long as the real chip: bus time\n"
	    "                      at the current SCL clock, and BUSY for\n"
	    "                      each command's execution time\n"
	    "  --clock-khz N       SCL clock until the host sets one\n"
	    "                      (default 400; only --realtime uses it)\n"
	    "  --nack-busy         with --realtime, also NACK the address\n"
	    "                      while busy (at most 100 ms), as a real\n"
	    "                      chip does; exercises the host's retries\n"
	    "  --faults SPEC       inject faults, reproducibly: comma-\n"
	    "                      separated corrupt=RATE, drop=RATE,\n"
	    "                      truncate=RATE, nack=RATE:LEN,\n"
	    "                      reset-during=CMD[:N], powercut=CMD[:N]\n"
	    "                      [:old|new|stay], kill=CMD[:N], seed=N\n"
	    "                      (docs/faults.md)\n"
	    "  --capture FILE      write every virtual bus request and\n"
	    "                      response to FILE (format: sim/capture.h)\n"
	    "  -v, --verbose       log to stderr; repeat for more (-vvv\n"
	    "                      traces every frame and APDU)\n"
	    "  -h, --help          this help\n"
	    "      --version       print the version\n"
	    "\n"
	    "Example:\n"
	    "  optiga-sim --state chip.state --socket /tmp/chip.sock &\n"
	    "  optiga-perso -d sim:/tmp/chip.sock info\n"
	    "\n"
	    "See docs/optiga-sim.md for what is modelled and what is not.\n");
}

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int
parse_uint(const char *s, unsigned long min, unsigned long max,
    unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || *s == '-' ||
	    *v < min || *v > max)
		return -1;

	return 0;
}

enum {
	OPT_STATE = 256,
	OPT_SOCKET,
	OPT_PRODUCT,
	OPT_ADDRESS,
	OPT_REALTIME,
	OPT_CLOCK,
	OPT_NACK_BUSY,
	OPT_CAPTURE,
	OPT_FAULTS,
	OPT_VERSION
};

static int
parse_args(int argc, char **argv, struct sim_opts *o, const char **state,
    const char **sock, int *verbose, struct sim_fault *faults)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, OPT_STATE },
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "product", required_argument, NULL, OPT_PRODUCT },
		{ "address", required_argument, NULL, OPT_ADDRESS },
		{ "realtime", no_argument, NULL, OPT_REALTIME },
		{ "clock-khz", required_argument, NULL, OPT_CLOCK },
		{ "nack-busy", no_argument, NULL, OPT_NACK_BUSY },
		{ "capture", required_argument, NULL, OPT_CAPTURE },
		{ "faults", required_argument, NULL, OPT_FAULTS },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	unsigned long v;
	int ch;

	while ((ch = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_STATE:
			*state = optarg;
			break;
		case OPT_SOCKET:
			*sock = optarg;
			break;
		case OPT_PRODUCT:
			if (sim_product_parse(optarg, &o->product) != 0)
				return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
				    "--product %s: expected trust-m3, "
				    "trust-m1 or trust-x", optarg);
			break;
		case OPT_ADDRESS:
			if (parse_uint(optarg, 0x08, 0x77, &v) != 0)
				return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
				    "--address %s: expected a 7-bit address "
				    "0x08..0x77, such as 0x30", optarg);
			o->addr = (uint8_t)v;
			break;
		case OPT_REALTIME:
			o->realtime = true;
			break;
		case OPT_CLOCK:
			if (parse_uint(optarg, 1, 3400, &v) != 0)
				return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
				    "--clock-khz %s: expected kHz 1..3400, "
				    "such as 100 or 400", optarg);
			o->clock_khz = (unsigned)v;
			break;
		case OPT_NACK_BUSY:
			o->nack_busy = true;
			break;
		case OPT_CAPTURE:
			capture_path = optarg;
			break;
		case OPT_FAULTS:
			if (sim_fault_parse(optarg, faults) != 0)
				return op_err_last();
			break;
		case 'v':
			(*verbose)++;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case OPT_VERSION:
			printf("optiga-sim %s\n", OP_VERSION);
			exit(0);
		default:
			return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
			    "see 'optiga-sim --help'");
		}
	}

	if (optind < argc)
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL), "unexpected "
		    "argument '%s'", argv[optind]);
	if (*state == NULL || *sock == NULL)
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL), "both "
		    "--state FILE and --socket PATH are required (see "
		    "'optiga-sim --help')");
	if (o->nack_busy && !o->realtime)
		OP_WARN("optiga-sim", "--nack-busy does nothing without "
		    "--realtime");

	return 0;
}

static int
setup_signals(sigset_t *waitmask)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) != 0 ||
	    sigaction(SIGINT, &sa, NULL) != 0)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_IO), "sigaction: %s",
		    strerror(errno));
	signal(SIGPIPE, SIG_IGN);

	/* Blocked except inside ppoll, so no stop request is missed. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	if (sigprocmask(SIG_BLOCK, &block, waitmask) != 0)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_IO), "sigprocmask: %s",
		    strerror(errno));
	sigdelset(waitmask, SIGTERM);
	sigdelset(waitmask, SIGINT);

	return 0;
}

int
main(int argc, char **argv)
{
	static struct sim_fault faults;
	struct sim_opts opts;
	struct sim_chip *chip = NULL;
	struct sim_dev *dev = NULL;
	const char *state = NULL, *sock = NULL;
	sigset_t waitmask;
	int verbose = 0;
	int lock_fd = -1, listen_fd = -1;
	int r, code = 1;

	op_log_init_env();
	sim_opts_default(&opts);
	if ((r = parse_args(argc, argv, &opts, &state, &sock,
	    &verbose, &faults)) != 0) {
		code = EXIT_USAGE;
		goto fail;
	}
	if (verbose > 0)
		op_log_set_level(OP_LOG_WARN + verbose);

	if ((r = setup_signals(&waitmask)) != 0 ||
	    (r = sim_lock_state(state, &lock_fd)) != 0)
		goto fail;

	if ((r = sim_chip_load(state, opts.product, &chip)) != 0) {
		r = op_errctx(r, "cannot load the chip from %s", state);
		goto fail;
	}
	if ((dev = calloc(1, sizeof(*dev))) == NULL) {
		r = op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");
		goto fail;
	}
	sim_dev_init(dev, &opts, chip);
	dev->prl.chip_ops = &prl_chip;
	if (capture_path != NULL && (r = sim_capture_open(capture_path)) != 0)
		goto fail;
	if (sim_fault_any(&faults)) {
		dev->fault = &faults;
		OP_INFO("optiga-sim", "fault plan active (seed %llu)",
		    (unsigned long long)faults.seed);
	}

	if ((r = sim_server_listen(sock, &listen_fd)) != 0)
		goto fail;
	OP_INFO("optiga-sim", "%s at 0x%02x on %s (state %s)%s",
	    sim_product_name(opts.product), opts.addr, sock, state,
	    opts.realtime ? ", real time" : "");

	r = sim_server_run(dev, listen_fd, &waitmask, &stop_requested);
	unlink(sock);
	if (r != 0)
		goto fail;
	OP_INFO("optiga-sim", "stopped");

	code = 0;
fail:
	if (code != 0)
		fprintf(stderr, "optiga-sim: %s\n", op_errmsg()[0] ?
		    op_errmsg() : "failed");
	sim_capture_close();
	if (listen_fd >= 0)
		close(listen_fd);
	free(dev);
	if (chip != NULL)
		sim_chip_free(&chip);
	if (lock_fd >= 0)
		close(lock_fd);

	return code;
}
