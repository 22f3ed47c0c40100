/*
 * HOST[:PORT] as the user types it.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls/tls.h"
#include "util/err.h"

#define USAGE_ERR OP_RC(OP_LAYER_USAGE, OP_E_INVAL)

static int
parse_port(const char *s, const char *text, uint16_t *port)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		goto fail;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v == 0 || v > 65535)
		goto fail;
	*port = (uint16_t)v;

	return 0;
fail:
	return op_err(USAGE_ERR, "endpoint '%s': port '%s' is not a number "
	    "from 1 to 65535", text, s);
}

int
tls_endpoint_parse(const char *s, struct tls_endpoint *ep)
{
	const char *host = s;
	const char *port = NULL;
	const char *colon;
	size_t hlen;
	uint8_t addr[16];

	memset(ep, 0, sizeof(*ep));
	ep->port = TLS_PORT_MQTT;

	/* "[v6]" or "[v6]:port" */
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			return op_err(USAGE_ERR, "endpoint '%s': write an IPv6 "
			    "address as [ADDR] or [ADDR]:PORT", s);
		host = s + 1;
		hlen = (size_t)(close - host);
		if (close[1] == ':')
			port = close + 2;
	} else if ((colon = strchr(s, ':')) != NULL) {
		if (strchr(colon + 1, ':') != NULL)
			return op_err(USAGE_ERR, "endpoint '%s': write an IPv6 "
			    "address as [ADDR] or [ADDR]:PORT", s);
		hlen = (size_t)(colon - s);
		port = colon + 1;
	} else {
		hlen = strlen(s);
	}

	if (hlen == 0 || hlen >= sizeof(ep->host))
		return op_err(USAGE_ERR, "endpoint '%s': give a host name or "
		    "address, such as broker.example.com:8883", s);
	memcpy(ep->host, host, hlen);
	ep->host[hlen] = '\0';
	if (strspn(ep->host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRST"
	    "UVWXYZ0123456789.-_:") != hlen)
		return op_err(USAGE_ERR, "endpoint '%s': '%s' is not a host "
		    "name or address", s, ep->host);
	if (port != NULL && parse_port(port, s, &ep->port) != 0)
		return op_err_last();

	ep->is_ip = inet_pton(AF_INET, ep->host, addr) == 1 ||
	    inet_pton(AF_INET6, ep->host, addr) == 1;
	if (s[0] == '[' && inet_pton(AF_INET6, ep->host, addr) != 1)
		return op_err(USAGE_ERR, "endpoint '%s': '%s' is not an IPv6 "
		    "address", s, ep->host);

	return 0;
}
