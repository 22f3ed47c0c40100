"""iot-local --self-test: check the SigV4 verifier against the published
test-suite values (fact sheet 5.1 and 5.3) and the model plumbing,
without a network or a client."""

import datetime
import hashlib

from . import sigv4
from .errors import ApiError
from .ops import HANDLERS

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
AKID = "AKIDEXAMPLE"
WHEN = datetime.datetime(2015, 8, 30, 12, 36, 0,
    tzinfo=datetime.timezone.utc)

# (name, method, target, headers, body, signed headers, signature)
VECTORS = (
	("get-vanilla", "GET", "/", [], b"", "host;x-amz-date",
	    "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
	("get-vanilla-query-order-key-case", "GET",
	    "/?Param2=value2&Param1=value1", [], b"", "host;x-amz-date",
	    "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
	("get-vanilla-with-session-token", "GET", "/",
	    [("X-Amz-Security-Token", "6e86291e8372ff2a2260956d9b8aae1d763fbf"
	    "315fa00fa31553b73ebf194267")], b"",
	    "host;x-amz-date;x-amz-security-token",
	    "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8"),
	("post-x-www-form-urlencoded", "POST", "/",
	    [("Content-Type", "application/x-www-form-urlencoded")],
	    b"Param1=value1", "content-type;host;x-amz-date",
	    "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"),
)


def _check(cond, what, failures):
	print("%s: %s" % ("ok" if cond else "FAIL", what))
	if not cond:
		failures.append(what)


def _verify(vec, signature, token=None):
	name, method, target, extra, body, signed, _ = vec
	headers = [("Host", "example.amazonaws.com"),
	    ("X-Amz-Date", "20150830T123600Z")] + extra
	headers.append(("Authorization", "AWS4-HMAC-SHA256 Credential="
	    "%s/20150830/us-east-1/service/aws4_request, SignedHeaders=%s, "
	    "Signature=%s" % (AKID, signed, signature)))
	v = sigv4.Verifier(AKID, SECRET, "us-east-1", session_token=token,
	    clock=lambda: WHEN, services=("service",))
	path, _, query = target.partition("?")
	try:
		v.verify(method, path, query, headers, body)
		return None
	except ApiError as e:
		return e.code


def run(model):
	failures = []
	key = sigv4.signing_key(SECRET, "20150830", "us-east-1", "iam")
	_check(key.hex() == "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5"
	    "e86da6ed3c154a4b9", "signing key check value", failures)
	_check(sigv4.canonical_uri("/attached-policies/arn%3Aaws%3Aiot%3A"
	    "us-east-1%3A1%3Acert%2Fab") == "/attached-policies/arn%253Aaws"
	    "%253Aiot%253Aus-east-1%253A1%253Acert%252Fab",
	    "path is encoded a second time", failures)
	_check(sigv4.canonical_query("marker=AAA%2b%2Fb%3D%3D&pageSize=5&"
	    "endpointType=iot:Data-ATS&a") == "a=&endpointType=iot%3AData-ATS&"
	    "marker=AAA%2B%2Fb%3D%3D&pageSize=5",
	    "query decoded, re-encoded and sorted", failures)
	for vec in VECTORS:
		token = dict(vec[3]).get("X-Amz-Security-Token")
		_check(_verify(vec, vec[6], token) is None,
		    "suite vector %s verifies" % vec[0], failures)
		bad = vec[6][:-1] + ("0" if vec[6][-1] != "0" else "1")
		_check(_verify(vec, bad, token) ==
		    "InvalidSignatureException",
		    "suite vector %s with one digit changed is refused" %
		    vec[0], failures)
	late = sigv4.Verifier(AKID, SECRET, "us-east-1", clock=lambda:
	    WHEN + datetime.timedelta(minutes=16), services=("service",))
	try:
		late.verify("GET", "/", "", [("Host", "example.amazonaws.com"),
		    ("X-Amz-Date", "20150830T123600Z"), ("Authorization",
		    "AWS4-HMAC-SHA256 Credential=%s/20150830/us-east-1/"
		    "service/aws4_request, SignedHeaders=host;x-amz-date, "
		    "Signature=%s" % (AKID, VECTORS[0][6]))], b"")
		code = None
	except ApiError as e:
		code = e.code
	_check(code == "InvalidSignatureException",
	    "a signature 16 minutes old is refused", failures)

	for op in HANDLERS:
		_check(op in model.ops, "model has operation %s" % op,
		    failures)
	for n, s in model.shapes.items():
		if "pattern" in s:
			try:
				model._regex(s["pattern"])
			except Exception as e:	# noqa: a report, not a crash
				_check(False, "pattern of %s compiles: %s" %
				    (n, e), failures)
	_check(model.route("POST", "/attached-policies/arn%3Aaws%3Aiot%3Au"
	    "s-east-1%3A123456789012%3Acert%2F" + "a" * 64, {})[0] ==
	    "ListAttachedPolicies", "route with an encoded ARN label",
	    failures)
	_check(model.route("GET", "/things/t1/principals", {})[0] ==
	    "ListThingPrincipals", "route prefers the longer template",
	    failures)
	_check(hashlib.sha256(b"").hexdigest() == sigv4.EMPTY_SHA256,
	    "empty payload hash", failures)
	print("%d failure%s" % (len(failures), "" if len(failures) == 1
	    else "s"))
	return 1 if failures else 0
