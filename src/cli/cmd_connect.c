/*
 * optiga-perso connect: prove the identity by using it, TLS with the
 * chip-held key and MQTT to a broker.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chip/chip.h"
#include "cli/cli.h"
#include "perso/perso.h"
#include "tls/tls.h"
#include "util/err.h"

static const char connect_help[] =
"usage: optiga-perso connect --endpoint HOST[:PORT] [--slot KEYOID]\n"
"           [--cert-slot OID] [--ca-file FILE] [--client-id ID]\n"
"           [--topic TOPIC --message TEXT] [--timeout MS]\n"
"           [--tls-max 1.2|1.3]\n"
"\n"
"Connect to an MQTT broker as the chip: TLS 1.2 or 1.3 with client\n"
"authentication by the key in the chip (it never leaves it) and the\n"
"certificate read from the chip, then MQTT 3.1.1 CONNECT, an optional\n"
"PUBLISH at QoS 1 (acknowledged by the broker), and DISCONNECT.  Before\n"
"connecting, the chip signs a challenge to show the certificate is its\n"
"key's.  Reports the protocol, cipher, the server's certificate and\n"
"the time each phase took.\n"
"\n"
"  -e, --endpoint HOST[:PORT]  the broker; port 8883 by default; on 443\n"
"                     ALPN x-amzn-mqtt-ca is offered, as AWS IoT expects\n"
"  -s, --slot OID     the key slot (default 0xE0F1, key1)\n"
"  -c, --cert-slot OID  its certificate (default: the key's pair,\n"
"                     0xE0F1 -> 0xE0E1 ...)\n"
"  -C, --ca-file FILE CAs that may issue the server's certificate\n"
"                     (default: the system's trusted CAs)\n"
"  -i, --client-id ID MQTT client ID (default: the certificate's CN)\n"
"  -t, --topic TOPIC  publish TEXT to TOPIC (needs --message)\n"
"  -m, --message TEXT\n"
"  -T, --timeout MS   per phase (default 10000)\n"
"      --tls-max V    the newest TLS version to offer: 1.2 or 1.3\n"
"                     (default); RSA keys always use 1.2\n"
"\n"
"Examples:\n"
"  optiga-perso connect --endpoint abc123-ats.iot.eu-central-1."
"amazonaws.com\n"
"  optiga-perso connect --endpoint localhost:8883 --ca-file ca.pem \\\n"
"      --topic sensors/1 --message hello\n";

struct connect_args {
	struct perso_connect_opts o;
	const char *slot;
	const char *cert_slot;
};

static int
connect_parse(struct cli *cli, int argc, char **argv, struct connect_args *a)
{
	static const struct option opts[] = {
		{ "endpoint", required_argument, NULL, 'e' },
		{ "slot", required_argument, NULL, 's' },
		{ "cert-slot", required_argument, NULL, 'c' },
		{ "ca-file", required_argument, NULL, 'C' },
		{ "client-id", required_argument, NULL, 'i' },
		{ "topic", required_argument, NULL, 't' },
		{ "message", required_argument, NULL, 'm' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "tls-max", required_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned long v;
	int ch;
	int rc;

	while ((ch = getopt_long(argc, argv, "e:s:c:C:i:t:m:T:h", opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'e': a->o.endpoint = optarg; break;
		case 's': a->slot = optarg; break;
		case 'c': a->cert_slot = optarg; break;
		case 'C': a->o.ca_file = optarg; break;
		case 'i': a->o.client_id = optarg; break;
		case 't': a->o.topic = optarg; break;
		case 'm': a->o.message = optarg; break;
		case 'T':
			if (!cli_parse_number(optarg, 100, 600000, &v))
				return cli_usage_error(cli, "--timeout '%s': "
				    "give milliseconds from 100 to 600000",
				    optarg);
			a->o.timeout_ms = (unsigned)v;
			break;
		case 'V':
			if (strcmp(optarg, "1.2") == 0)
				a->o.tls_max = TLS1_2_VERSION;
			else if (strcmp(optarg, "1.3") != 0)
				return cli_usage_error(cli, "--tls-max '%s': "
				    "give 1.2 or 1.3", optarg);
			break;
		default:
			return cli_usage_error(cli, "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error(cli, "unexpected '%s'", argv[optind]);
	if (a->o.endpoint == NULL)
		return cli_usage_error(cli, "give --endpoint HOST[:PORT]");
	if ((a->o.topic == NULL) != (a->o.message == NULL))
		return cli_usage_error(cli, "--topic and --message go "
		    "together");
	if ((rc = cli_parse_oid(cli, a->slot ? a->slot : "0xE0F1",
	    &a->o.key_slot)) != 0)
		return rc;
	if (a->cert_slot != NULL && (rc = cli_parse_oid(cli, a->cert_slot,
	    &a->o.cert_slot)) != 0)
		return rc;
	if (cli->device == NULL || cli->device[0] == '\0')
		return cli_usage_error(cli, "no device: give -d URI or set "
		    "OPTIGA_DEVICE");
	a->o.device = cli->device;

	return 0;
}

static json_t *
report_json(const struct connect_args *a, const struct tls_report *r)
{
	json_t *ms = json_object();

	for (int p = 0; p < TLS_PHASE_N; p++)
		if (r->timed[p])
			json_object_set_new(ms, tls_phase_name(
			    (enum tls_phase)p), json_real(r->ms[p]));

	return json_pack("{s:b,s:s,s:s,s:o,s:o,s:s,s:s,s:s,s:s,s:s,s:s,s:s,"
	    "s:b,s:o}", "ok", 1, "endpoint", a->o.endpoint, "peer", r->peer,
	    "key_slot", cli_json_oid(a->o.key_slot),
	    "cert_slot", cli_json_oid(a->o.cert_slot),
	    "protocol", r->protocol, "cipher", r->cipher, "group", r->group,
	    "alpn", r->alpn, "server_subject", r->server_subject,
	    "server_issuer", r->server_issuer, "client_id", r->client_id,
	    "published", r->published, "ms", ms);
}

static void
report_text(struct cli *cli, const struct connect_args *a,
    const struct tls_report *r)
{
	char ks[32], cs[32];

	cli_say(cli, "connected to %s (%s)\n", a->o.endpoint, r->peer);
	cli_say(cli, "  %-10s %s, %s%s%s\n", "tls", r->protocol, r->cipher,
	    r->group[0] ? ", group " : "", r->group);
	if (r->alpn[0] != '\0')
		cli_say(cli, "  %-10s %s\n", "alpn", r->alpn);
	cli_say(cli, "  %-10s %s\n", "server", r->server_subject);
	cli_say(cli, "  %-10s issued by %s; verified\n", "", r->server_issuer);
	cli_say(cli, "  %-10s %s\n", "client", r->client_subject);
	cli_say(cli, "  %-10s key %s, certificate %s\n", "",
	    cli_oid_str(a->o.key_slot, ks, sizeof(ks)),
	    cli_oid_str(a->o.cert_slot, cs, sizeof(cs)));
	cli_say(cli, "  %-10s CONNACK accepted, client ID %s\n", "mqtt",
	    r->client_id);
	if (r->published)
		cli_say(cli, "  %-10s %zu bytes to %s, PUBACK received\n",
		    "published", strlen(a->o.message), a->o.topic);
	cli_say(cli, "time (ms):");
	for (int p = 0; p < TLS_PHASE_N; p++)
		if (r->timed[p])
			cli_say(cli, " %s %.1f", tls_phase_name(
			    (enum tls_phase)p), r->ms[p]);
	cli_say(cli, "\n");
}

/* On failure, the phases that worked, for -v. */
static void
report_partial(struct cli *cli, const struct tls_report *r)
{
	char line[256] = "";
	size_t n = 0;

	for (int p = 0; p < TLS_PHASE_N && n < sizeof(line); p++)
		if (r->timed[p])
			n += (size_t)snprintf(line + n, sizeof(line) - n,
			    " %s %.1f ms", tls_phase_name((enum tls_phase)p),
			    r->ms[p]);
	if (n > 0)
		cli_progress(cli, "connect: done before the failure:%s", line);
}

int
cmd_connect(struct cli *cli, int argc, char **argv)
{
	struct cli_providers prov = { NULL, NULL };
	struct connect_args a;
	struct tls_report rep;
	int rc;

	memset(&a, 0, sizeof(a));
	memset(&rep, 0, sizeof(rep));
	if (cli_help_requested(argc, argv, connect_help))
		return 0;
	if ((rc = connect_parse(cli, argc, argv, &a)) != 0)
		return rc;
	if (a.o.cert_slot == 0)
		a.o.cert_slot = perso_cert_slot_for(a.o.key_slot);

	if ((rc = cli_providers_load(&prov)) != 0)
		return rc;
	if ((rc = perso_connect(&a.o, &rep)) != 0) {
		report_partial(cli, &rep);
		goto out;
	}
	if (cli->json)
		cli_print_json(report_json(&a, &rep));
	else
		report_text(cli, &a, &rep);

	rc = 0;
out:
	cli_providers_unload(&prov);

	return rc;
}
