/*
 * AWS error codes to our status codes, and the hints that go with them.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "aws/aws_int.h"
#include "util/err.h"

struct code_map {
	const char *code;
	int op_code;
};

/* Modeled errors of the IoT operations, and the unmodeled ones that the
 * AWS front end sends for authentication (always 403 or 400). */
static const struct code_map codes[] = {
	{ "InvalidSignatureException", OP_E_AUTH },
	{ "SignatureDoesNotMatch", OP_E_AUTH },
	{ "IncompleteSignatureException", OP_E_AUTH },
	{ "UnrecognizedClientException", OP_E_AUTH },
	{ "InvalidClientTokenId", OP_E_AUTH },
	{ "ExpiredTokenException", OP_E_AUTH },
	{ "ExpiredToken", OP_E_AUTH },
	{ "MissingAuthenticationTokenException", OP_E_AUTH },
	{ "AccessDeniedException", OP_E_PERM },
	{ "AccessDenied", OP_E_PERM },
	{ "UnauthorizedException", OP_E_PERM },
	{ "ResourceNotFoundException", OP_E_NOTFOUND },
	{ "ResourceAlreadyExistsException", OP_E_EXISTS },
	{ "CertificateConflictException", OP_E_EXISTS },
	{ "DeleteConflictException", OP_E_EXISTS },
	{ "VersionConflictException", OP_E_EXISTS },
	{ "CertificateStateException", OP_E_STATE },
	{ "LimitExceededException", OP_E_RANGE },
	{ "ThrottlingException", OP_E_THROTTLED },
	{ "Throttling", OP_E_THROTTLED },
	{ "TooManyRequestsException", OP_E_THROTTLED },
	{ "RequestLimitExceeded", OP_E_THROTTLED },
	{ "InternalFailureException", OP_E_SERVER },
	{ "ServiceUnavailableException", OP_E_SERVER },
};

static int
code_of(const struct aws_error *e)
{
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(codes[i].code, e->code) == 0)
			return codes[i].op_code;
	if (e->status == 429)
		return OP_E_THROTTLED;
	if (e->status >= 500)
		return OP_E_SERVER;
	if (e->status == 401 || e->status == 403)
		return OP_E_PERM;
	if (e->status == 404)
		return OP_E_NOTFOUND;

	return OP_E_INVAL;
}

bool
aws_error_retryable(const struct aws_error *e)
{
	int code = code_of(e);

	return code == OP_E_THROTTLED || code == OP_E_SERVER ||
	    e->status == 502 || e->status == 503 || e->status == 504;
}

static void
hint(const struct aws_client *c, const char *op, char *out, size_t len)
{
	const struct aws_config *cfg = c->cfg;
	const struct aws_error *e = &c->err;
	const char *src = cfg->creds_source ? cfg->creds_source : "?";

	out[0] = '\0';
	if (strcmp(e->code, "InvalidSignatureException") == 0 ||
	    strcmp(e->code, "SignatureDoesNotMatch") == 0) {
		if (strcasestr(e->message, "expired") != NULL ||
		    strcasestr(e->message, "time") != NULL)
			snprintf(out, len, "this machine's clock is off by "
			    "more than AWS allows (5 minutes); set the time, "
			    "e.g. with NTP");
		else
			snprintf(out, len, "the secret access key does not "
			    "belong to access key %s (from %s); check "
			    "AWS_SECRET_ACCESS_KEY or aws_secret_access_key",
			    cfg->access_key_id, src);
	} else if (strcmp(e->code, "UnrecognizedClientException") == 0 ||
	    strcmp(e->code, "InvalidClientTokenId") == 0) {
		snprintf(out, len, "AWS does not know access key %s (from %s)"
		    "%s in region %s", cfg->access_key_id, src,
		    cfg->session_token ? " or its session token" : "",
		    cfg->region);
	} else if (strcmp(e->code, "ExpiredTokenException") == 0 ||
	    strcmp(e->code, "ExpiredToken") == 0) {
		snprintf(out, len, "the session token (from %s) has expired; "
		    "get fresh temporary credentials and export them again",
		    src);
	} else if (strcmp(e->code, "AccessDeniedException") == 0 ||
	    strcmp(e->code, "UnauthorizedException") == 0 ||
	    strcmp(e->code, "AccessDenied") == 0) {
		snprintf(out, len, "the IAM identity of access key %s may "
		    "not call iot:%s; allow it in the identity's IAM policy",
		    cfg->access_key_id, op);
	} else if (strcmp(e->code, "MissingAuthenticationTokenException") ==
	    0) {
		snprintf(out, len, "the request was not signed or the path "
		    "is wrong; check the endpoint URL %s", cfg->endpoint_url);
	} else if (strcmp(e->code, "RegistrationCodeValidationException") ==
	    0) {
		snprintf(out, len, "the verification certificate's CN must be "
		    "the registration code of this account and region");
	} else if (code_of(e) == OP_E_THROTTLED || code_of(e) == OP_E_SERVER) {
		snprintf(out, len, "gave up after %u attempts; try again "
		    "later or raise AWS_MAX_ATTEMPTS", c->attempts);
	}
}

int
aws_error_status(struct aws_client *c, const char *op)
{
	const struct aws_error *e = &c->err;
	char h[320];
	char rid[128] = "";

	hint(c, op, h, sizeof(h));
	if (e->request_id[0] != '\0')
		snprintf(rid, sizeof(rid), " [request %s]", e->request_id);

	return op_err(OP_RC(OP_LAYER_AWS, code_of(e)),
	    "%s failed: %s (HTTP %ld): %s%s%s%s", op, e->code, e->status,
	    e->message[0] ? e->message : "no message", rid,
	    h[0] ? "; hint: " : "", h);
}
