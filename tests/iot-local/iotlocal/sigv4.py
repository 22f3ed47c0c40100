"""Server-side verification of AWS Signature Version 4 (header form).

Written from the algorithm (docs/fact sheet section 5), deliberately
without botocore's signer, so that a client and this endpoint do not
share a mistake.  The canonical request is rebuilt from the request as
it arrived on the wire.
"""

import datetime
import hashlib
import hmac
import re

from .errors import ApiError

ALGORITHM = "AWS4-HMAC-SHA256"
# Both names are seen in the wild: Debian's aws 2.9.19 signs as
# execute-api (its model's signingName), botocore 1.43 as iot.
SERVICES = ("iot", "execute-api")
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()

_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    b"0123456789-_.~")


def uri_encode(data, keep_slash=False):
	"""Percent-encode every byte outside A-Za-z0-9-_.~ (and '/' when
	asked), upper-case hex, as SigV4 requires."""
	if isinstance(data, str):
		data = data.encode("utf-8")
	out = []
	for b in data:
		if b in _UNRESERVED or (keep_slash and b == 0x2F):
			out.append(chr(b))
		else:
			out.append("%%%02X" % b)
	return "".join(out)


def uri_decode(text):
	"""Percent-decode to bytes; '+' stays '+' (SigV4 never uses it for
	a space)."""
	out = bytearray()
	raw = text.encode("utf-8")
	i = 0
	while i < len(raw):
		c = raw[i]
		if c == 0x25 and i + 2 < len(raw) and re.fullmatch(
		    rb"[0-9A-Fa-f]{2}", raw[i + 1:i + 3]):
			out.append(int(raw[i + 1:i + 3], 16))
			i += 3
		else:
			out.append(c)
			i += 1
	return bytes(out)


def canonical_uri(raw_path):
	"""Remove dot segments, collapse empty ones, then encode the
	(already encoded) wire path once more, keeping '/'."""
	if not raw_path:
		return "/"
	segs = []
	for seg in raw_path.split("/"):
		if seg in ("", "."):
			continue
		if seg == "..":
			if segs:
				segs.pop()
			continue
		segs.append(seg)
	path = "/" + "/".join(segs)
	if raw_path.endswith("/") and path != "/":
		path += "/"
	return uri_encode(path, keep_slash=True)


def canonical_query(raw_query):
	items = []
	for part in raw_query.split("&") if raw_query else []:
		if part == "":
			continue
		name, _, value = part.partition("=")
		items.append((uri_encode(uri_decode(name)),
		    uri_encode(uri_decode(value))))
	items.sort()
	return "&".join("%s=%s" % kv for kv in items)


def canonical_header_value(values):
	return ",".join(re.sub(r"[ \t]+", " ", v.strip()) for v in values)


def signing_key(secret, date, region, service):
	def h(key, msg):
		return hmac.new(key, msg.encode("utf-8"),
		    hashlib.sha256).digest()

	k = h(("AWS4" + secret).encode("utf-8"), date)
	k = h(k, region)
	k = h(k, service)
	return h(k, "aws4_request")


def parse_authorization(value):
	"""Split 'AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
	Signature=...' (with or without spaces after the commas)."""
	alg, _, rest = value.strip().partition(" ")
	if alg != ALGORITHM:
		raise ApiError("IncompleteSignatureException",
		    "Unsupported authorization algorithm '%s'; expected %s"
		    % (alg, ALGORITHM))
	fields = {}
	for part in rest.split(","):
		k, eq, v = part.strip().partition("=")
		if eq:
			fields[k] = v
	missing = [k for k in ("Credential", "SignedHeaders", "Signature")
	    if k not in fields]
	if missing:
		raise ApiError("IncompleteSignatureException",
		    "Authorization header requires %s parameter%s. "
		    "Authorization=%s" % (", ".join("'%s'" % m
		    for m in missing), "" if len(missing) == 1 else "s",
		    ALGORITHM + " ..."))
	return fields


class Verifier:
	def __init__(self, access_key, secret_key, region, session_token=None,
	    max_skew=900, clock=None, services=SERVICES):
		self.access_key = access_key
		self.secret_key = secret_key
		self.region = region
		self.session_token = session_token
		self.max_skew = max_skew
		self.services = services
		self.clock = clock or (lambda: datetime.datetime.now(
		    datetime.timezone.utc))

	def verify(self, method, raw_path, raw_query, headers, body):
		"""headers: list of (name, value) as received.  Returns a
		dict describing the credential on success; raises ApiError
		(403) otherwise.  On a signature mismatch the exception
		carries the canonical request for the log."""
		hdrs = {}
		for k, v in headers:
			hdrs.setdefault(k.lower(), []).append(v)
		auth = hdrs.get("authorization")
		if not auth:
			raise ApiError("MissingAuthenticationTokenException",
			    "Missing Authentication Token")
		f = parse_authorization(auth[0])

		scope = f["Credential"].split("/")
		if len(scope) != 5:
			raise ApiError("IncompleteSignatureException",
			    "Credential '%s' must have the form "
			    "KEYID/YYYYMMDD/REGION/SERVICE/aws4_request"
			    % _redact_credential(f["Credential"]))
		akid, sdate, sregion, sservice, term = scope

		# the key is checked before the signature, as AWS does: an
		# unknown key cannot have a secret to compare with
		if not hmac.compare_digest(akid.encode(),
		    self.access_key.encode()):
			raise ApiError("UnrecognizedClientException",
			    "The security token included in the request is "
			    "invalid.")

		token = hdrs.get("x-amz-security-token")
		if self.session_token is not None:
			if not token or not hmac.compare_digest(
			    token[0].encode(), self.session_token.encode()):
				raise ApiError("UnrecognizedClientException",
				    "The security token included in the "
				    "request is invalid.")
		elif token:
			raise ApiError("UnrecognizedClientException",
			    "The security token included in the request is "
			    "invalid.")

		amzdate = hdrs.get("x-amz-date")
		if not amzdate:
			raise ApiError("IncompleteSignatureException",
			    "Authorization header requires existence of "
			    "either a 'X-Amz-Date' or a 'Date' header.")
		amzdate = amzdate[0].strip()
		try:
			when = datetime.datetime.strptime(amzdate,
			    "%Y%m%dT%H%M%SZ").replace(
			    tzinfo=datetime.timezone.utc)
		except ValueError:
			raise ApiError("IncompleteSignatureException",
			    "X-Amz-Date '%s' is not of the form "
			    "YYYYMMDDTHHMMSSZ" % amzdate)

		if term != "aws4_request":
			raise ApiError("InvalidSignatureException",
			    "Credential should be scoped with a valid "
			    "terminator: 'aws4_request', not '%s'." % term)
		if sdate != amzdate[:8]:
			raise ApiError("InvalidSignatureException",
			    "Date in Credential scope does not match "
			    "YYYYMMDD from ISO-8601 version of date from HTTP: "
			    "'%s' != '%s', from '%s'." % (sdate, amzdate[:8],
			    amzdate))
		if sregion != self.region:
			raise ApiError("InvalidSignatureException",
			    "Credential should be scoped to a valid region, "
			    "not '%s'. This endpoint serves '%s'." % (sregion,
			    self.region))
		if sservice not in self.services:
			raise ApiError("InvalidSignatureException",
			    "Credential should be scoped to correct service: "
			    "%s, not '%s'." % (" or ".join("'%s'" % x
			    for x in self.services), sservice))

		now = self.clock()
		skew = (when - now).total_seconds()
		if abs(skew) > self.max_skew:
			fmt = "%Y%m%dT%H%M%SZ"
			lim = datetime.timedelta(seconds=self.max_skew)
			nows = now.strftime(fmt)
			mins = self.max_skew // 60
			if skew < 0:
				msg = "Signature expired: %s is now earlier " \
				    "than %s (%s - %d min.)" % (amzdate,
				    (now - lim).strftime(fmt), nows, mins)
			else:
				msg = "Signature not yet current: %s is " \
				    "still later than %s (%s + %d min.)" % (
				    amzdate, (now + lim).strftime(fmt), nows,
				    mins)
			raise ApiError("InvalidSignatureException", msg)

		signed = f["SignedHeaders"].split(";")
		if signed != sorted(signed) or len(set(signed)) != len(signed) \
		    or any(s != s.lower() or not s for s in signed):
			raise ApiError("InvalidSignatureException",
			    "SignedHeaders '%s' must be lower-case names, "
			    "sorted, without repeats" % f["SignedHeaders"])
		for need in ("host", "x-amz-date"):
			if need not in signed:
				raise ApiError("InvalidSignatureException",
				    "'%s' must be a signed header; "
				    "SignedHeaders=%s" % (need,
				    f["SignedHeaders"]))
		if token and "x-amz-security-token" not in signed:
			raise ApiError("InvalidSignatureException",
			    "'x-amz-security-token' is present but not among "
			    "the signed headers")
		absent = [s for s in signed if s not in hdrs]
		if absent:
			raise ApiError("InvalidSignatureException",
			    "Signed header%s not present in the request: %s"
			    % ("" if len(absent) == 1 else "s",
			    ", ".join(absent)))

		creq = "\n".join([
			method.upper(),
			canonical_uri(raw_path),
			canonical_query(raw_query),
			"".join("%s:%s\n" % (s, canonical_header_value(
			    hdrs[s])) for s in signed),
			";".join(signed),
			hashlib.sha256(body).hexdigest(),
		])
		sts = "\n".join([ALGORITHM, amzdate,
		    "/".join([sdate, sregion, sservice, term]),
		    hashlib.sha256(creq.encode("utf-8")).hexdigest()])
		key = signing_key(self.secret_key, sdate, sregion, sservice)
		want = hmac.new(key, sts.encode("utf-8"),
		    hashlib.sha256).hexdigest()
		if not hmac.compare_digest(want.encode(),
		    f["Signature"].encode()):
			e = ApiError("InvalidSignatureException",
			    "The request signature we calculated does not "
			    "match the signature you provided. Check your AWS "
			    "Secret Access Key and signing method. Consult "
			    "the service documentation for details.")
			e.canonical_request = _redact_token(creq)
			e.string_to_sign = sts
			raise e
		return {"accessKeyId": akid, "service": sservice,
		    "date": amzdate}


def _redact_credential(cred):
	return cred.split("/", 1)[-1]


def _redact_token(creq):
	return re.sub(r"(?m)^(x-amz-security-token:).*$", r"\1<redacted>",
	    creq)
