"""The operations, with the state rules of the fact sheet section 4.

Each handler takes (ctx, params) where params uses the model's member
names (already validated against the input shape) and returns the output
dict (model member names; checked against the output shape afterwards).
Handlers run under the store lock; ctx.changed is set by those that
modify the state so that the server saves it.
"""

import base64
import json
import re
import secrets
import time
import uuid

from . import certs
from .errors import ApiError, invalid, not_found

PAGE_DEFAULT = 25
MAX_POLICIES_PER_TARGET = 10
MAX_CAS_PER_SUBJECT = 10
MAX_UNTYPED_ATTRIBUTES = 3
POLICY_MAX_CHARS = 2048


class Context:
	def __init__(self, store):
		self.store = store
		self.data = store.data
		self.account = store.data["account"]
		self.region = store.data["region"]
		self.changed = False

	def arn(self, kind, name):
		return "arn:aws:iot:%s:%s:%s/%s" % (self.region, self.account,
		    kind, name)

	def cert_arn_id(self, arn):
		"""The certificate id if arn is a certificate ARN of this
		account and region, else None."""
		m = re.fullmatch(r"arn:aws:iot:([a-z0-9-]+):([0-9]{12}):"
		    r"cert/([0-9a-f]{64})", arn)
		if not m or m.group(1) != self.region or \
		    m.group(2) != self.account:
			return None
		return m.group(3)


def _now():
	# AWS answers epoch seconds with millisecond precision
	return round(time.time(), 3)


# pagination

def _encode_marker(obj):
	return base64.b64encode(json.dumps(obj, separators=(",", ":"))
	    .encode()).decode()


def _decode_marker(text, name):
	try:
		return json.loads(base64.b64decode(text, validate=True))
	except (ValueError, TypeError):
		raise invalid("The %s '%s' is not one this endpoint handed "
		    "out" % (name, text))


def _page_sorted(items, key, params, limit_name="pageSize",
    token_name="marker"):
	"""Page through items ordered by key(item) (creation date, then
	id), descending unless ascendingOrder.  The marker is the key of
	the last item handed out, so deletions between pages do not make
	the client repeat or skip items."""
	asc = bool(params.get("ascendingOrder"))
	ordered = sorted(items, key=key, reverse=not asc)
	if params.get(token_name) is not None:
		last = _decode_marker(params[token_name], token_name)
		if not (isinstance(last, list) and len(last) == 2 and
		    isinstance(last[0], (int, float)) and
		    isinstance(last[1], str)):
			raise invalid("The %s '%s' is not one this endpoint "
			    "handed out" % (token_name, params[token_name]))
		ordered = [i for i in ordered if (list(key(i)) > last
		    if asc else list(key(i)) < last)]
	n = params.get(limit_name) or PAGE_DEFAULT
	page = ordered[:n]
	more = _encode_marker(list(key(page[-1]))) if len(ordered) > n \
	    else None
	return page, more


def _page_offset(items, params, limit_name, token_name):
	"""Page a list kept in insertion order by offset."""
	start = 0
	if params.get(token_name) is not None:
		start = _decode_marker(params[token_name], token_name)
		if not isinstance(start, int) or isinstance(start, bool) or \
		    start < 0:
			raise invalid("The %s '%s' is not one this endpoint "
			    "handed out" % (token_name, params[token_name]))
	n = params.get(limit_name) or PAGE_DEFAULT
	page = items[start:start + n]
	more = _encode_marker(start + n) if len(items) > start + n else None
	return page, more


def _with(out, name, value):
	if value is not None:
		out[name] = value
	return out


# registration code and endpoint

def get_registration_code(ctx, p):
	return {"registrationCode": ctx.data["registrationCode"]}


_ENDPOINTS = {
	"iot:Data": "%s.iot.%s.amazonaws.com",
	"iot:Data-ATS": "%s-ats.iot.%s.amazonaws.com",
	"iot:CredentialProvider": "%s.credentials.iot.%s.amazonaws.com",
	"iot:Jobs": "%s.jobs.iot.%s.amazonaws.com",
}


def describe_endpoint(ctx, p):
	# omitted endpointType means the legacy iot:Data endpoint
	etype = p.get("endpointType", "iot:Data")
	if etype not in _ENDPOINTS:
		raise invalid("Endpoint type '%s' is not valid; use one of "
		    "%s" % (etype, ", ".join(_ENDPOINTS)))
	return {"endpointAddress": _ENDPOINTS[etype] %
	    (ctx.data["endpointPrefix"], ctx.region)}


# CA certificates

def _ca(ctx, cid):
	ca = ctx.data["caCertificates"].get(cid.lower())
	if ca is None:
		raise not_found("The CA certificate %s does not exist in "
		    "this account" % cid)
	return ca


def register_ca_certificate(ctx, p):
	mode = p.get("certificateMode", "DEFAULT")
	ca = certs.parse_pem(p["caCertificate"], "CA certificate")
	certs.require_usable(ca, "CA certificate")
	if not ca.is_ca:
		raise ApiError("CertificateValidationException",
		    "The CA certificate does not have the basicConstraints "
		    "extension as true")

	ver = p.get("verificationCertificate")
	if mode == "DEFAULT":
		if not ver:
			raise invalid("verificationCertificate is required "
			    "when certificateMode is DEFAULT")
		v = certs.parse_pem(ver, "verification certificate")
		code = ctx.data["registrationCode"]
		if v.common_name != code:
			raise ApiError("RegistrationCodeValidationException",
			    "The verification certificate's common name "
			    "'%s' is not this account's registration code "
			    "(get it with GetRegistrationCode)" %
			    (v.common_name or ""))
		if not v.signed_by(ca):
			raise ApiError("CertificateValidationException",
			    "The verification certificate is not signed by "
			    "the CA certificate being registered (issuer %s, "
			    "CA subject %s)" % (certs.name_text(v.issuer),
			    certs.name_text(ca.subject)))
		certs.require_usable(v, "verification certificate")
	elif ver:
		raise invalid("verificationCertificate must be empty when "
		    "certificateMode is SNI_ONLY")

	cas = ctx.data["caCertificates"]
	if ca.id in cas:
		raise ApiError("ResourceAlreadyExistsException",
		    "The CA certificate is already registered",
		    resourceId=ca.id, resourceArn=cas[ca.id]["certificateArn"])
	same = [c for c in cas.values() if c["subject"] ==
	    certs.name_text(ca.subject)]
	if len(same) >= MAX_CAS_PER_SUBJECT:
		raise ApiError("LimitExceededException",
		    "At most %d CA certificates with the same subject may "
		    "be registered" % MAX_CAS_PER_SUBJECT)

	now = _now()
	cas[ca.id] = {
		"certificateArn": ctx.arn("cacert", ca.id),
		"certificateId": ca.id,
		"status": "ACTIVE" if p.get("setAsActive") else "INACTIVE",
		"certificatePem": ca.pem,
		"ownedBy": ctx.account,
		"creationDate": now,
		"lastModifiedDate": now,
		"autoRegistrationStatus": "ENABLE" if
		    p.get("allowAutoRegistration") else "DISABLE",
		"customerVersion": 1,
		"generationId": str(uuid.uuid4()),
		"validity": {"notBefore": ca.not_before,
		    "notAfter": ca.not_after},
		"certificateMode": mode,
		"subject": certs.name_text(ca.subject),
		"registrationConfig": p.get("registrationConfig"),
		"tags": p.get("tags", []),
	}
	ctx.changed = True
	return {"certificateArn": cas[ca.id]["certificateArn"],
	    "certificateId": ca.id}


_CA_DESC = ("certificateArn", "certificateId", "status", "certificatePem",
    "ownedBy", "creationDate", "autoRegistrationStatus", "lastModifiedDate",
    "customerVersion", "generationId", "validity", "certificateMode")


def describe_ca_certificate(ctx, p):
	ca = _ca(ctx, p["certificateId"])
	out = {"certificateDescription": {k: ca[k] for k in _CA_DESC}}
	return _with(out, "registrationConfig", ca.get("registrationConfig"))


def update_ca_certificate(ctx, p):
	ca = _ca(ctx, p["certificateId"])
	if p.get("newStatus"):
		ca["status"] = p["newStatus"]
	if p.get("newAutoRegistrationStatus"):
		ca["autoRegistrationStatus"] = p["newAutoRegistrationStatus"]
	if p.get("registrationConfig") is not None:
		ca["registrationConfig"] = p["registrationConfig"]
	# fact sheet 9: "removes auto registration" is read as dropping
	# the stored registrationConfig
	if p.get("removeAutoRegistration"):
		ca["registrationConfig"] = None
	ca["lastModifiedDate"] = _now()
	ca["customerVersion"] += 1
	ca["generationId"] = str(uuid.uuid4())
	ctx.changed = True
	return {}


def delete_ca_certificate(ctx, p):
	ca = _ca(ctx, p["certificateId"])
	if ca["status"] == "ACTIVE":
		raise ApiError("CertificateStateException",
		    "The CA certificate %s is ACTIVE; set it INACTIVE before "
		    "deleting it" % ca["certificateId"])
	# XXX: AWS's behaviour when device certificates still name this
	# CA is not documented (fact sheet 9); they are kept, with their
	# caCertificateId, as the least surprising choice.
	del ctx.data["caCertificates"][ca["certificateId"]]
	ctx.changed = True
	return {}


def _ca_key(ca):
	return (ca["creationDate"], ca["certificateId"])


def list_ca_certificates(ctx, p):
	cas = list(ctx.data["caCertificates"].values())
	if p.get("templateName"):
		cas = [c for c in cas if (c.get("registrationConfig") or
		    {}).get("templateName") == p["templateName"]]
	page, more = _page_sorted(cas, _ca_key, p)
	out = {"certificates": [{k: c[k] for k in ("certificateArn",
	    "certificateId", "status", "creationDate")} for c in page]}
	return _with(out, "nextMarker", more)


# device certificates

_SETTABLE = ("ACTIVE", "INACTIVE", "REVOKED", "REGISTER_INACTIVE")


def _cert(ctx, cid):
	c = ctx.data["certificates"].get(cid.lower())
	if c is None:
		raise not_found("The certificate %s does not exist in this "
		    "account" % cid)
	return c


def _initial_status(p):
	status = p.get("status")
	if status is None:
		# the deprecated query flag, used only without status
		status = "ACTIVE" if p.get("setAsActive") else "INACTIVE"
	if status not in _SETTABLE:
		# XXX: inferred; PENDING_TRANSFER and PENDING_ACTIVATION are
		# states AWS IoT sets itself, not ones a caller may ask for
		raise invalid("status %s cannot be set by a caller; use one "
		    "of %s" % (status, ", ".join(_SETTABLE)))
	return status


def _store_cert(ctx, cert, status, ca_id, mode):
	certs_ = ctx.data["certificates"]
	if cert.id in certs_:
		raise ApiError("ResourceAlreadyExistsException",
		    "The certificate is already registered",
		    resourceId=cert.id,
		    resourceArn=certs_[cert.id]["certificateArn"])
	now = _now()
	c = {
		"certificateArn": ctx.arn("cert", cert.id),
		"certificateId": cert.id,
		"status": status,
		"certificatePem": cert.pem,
		"ownedBy": ctx.account,
		"creationDate": now,
		"lastModifiedDate": now,
		"customerVersion": 1,
		"transferData": {},
		"generationId": str(uuid.uuid4()),
		"validity": {"notBefore": cert.not_before,
		    "notAfter": cert.not_after},
		"certificateMode": mode,
	}
	if ca_id:
		c["caCertificateId"] = ca_id
	certs_[cert.id] = c
	ctx.changed = True
	return {"certificateArn": c["certificateArn"],
	    "certificateId": cert.id}


def _find_issuer(ctx, dev, ca_pem):
	cas = ctx.data["caCertificates"]
	if ca_pem is not None:
		ca = certs.parse_pem(ca_pem, "CA certificate")
		if ca.id not in cas:
			raise ApiError("CertificateValidationException",
			    "The CA certificate %s is not registered in this "
			    "account; register it with RegisterCACertificate "
			    "first" % ca.id)
		found = [(cas[ca.id], ca)]
	else:
		issuer = certs.name_text(dev.issuer)
		same = [c for c in cas.values() if c["subject"] == issuer]
		if len(same) > 1:
			raise ApiError("CertificateConflictException",
			    "%d registered CA certificates have the subject "
			    "%s; pass caCertificatePem to choose one" %
			    (len(same), issuer))
		if not same:
			raise ApiError("CertificateValidationException",
			    "No registered CA certificate has the subject "
			    "%s that issued this certificate" % issuer)
		found = [(same[0], certs.parse_pem(same[0]["certificatePem"],
		    "CA certificate"))]
	rec, ca = found[0]
	if not dev.signed_by(ca):
		raise ApiError("CertificateValidationException",
		    "The certificate is not signed by the CA certificate %s"
		    % rec["certificateId"])
	return rec


def register_certificate(ctx, p):
	dev = certs.parse_pem(p["certificatePem"], "certificate")
	certs.require_usable(dev, "certificate")
	status = _initial_status(p)
	ca = _find_issuer(ctx, dev, p.get("caCertificatePem"))
	if ca["status"] != "ACTIVE":
		# XXX: inferred (fact sheet 9): AWS is believed to refuse
		# certificates under an INACTIVE CA with this exception
		raise ApiError("CertificateStateException",
		    "The CA certificate %s is INACTIVE" %
		    ca["certificateId"])
	return _store_cert(ctx, dev, status, ca["certificateId"],
	    ca["certificateMode"])


def register_certificate_without_ca(ctx, p):
	dev = certs.parse_pem(p["certificatePem"], "certificate")
	certs.require_usable(dev, "certificate")
	return _store_cert(ctx, dev, _initial_status(p), None, "SNI_ONLY")


_CERT_DESC = ("certificateArn", "certificateId", "caCertificateId", "status",
    "certificatePem", "ownedBy", "creationDate", "lastModifiedDate",
    "customerVersion", "transferData", "generationId", "validity",
    "certificateMode")


def describe_certificate(ctx, p):
	c = _cert(ctx, p["certificateId"])
	return {"certificateDescription": {k: c[k] for k in _CERT_DESC
	    if k in c}}


def update_certificate(ctx, p):
	c = _cert(ctx, p["certificateId"])
	if c["status"] == "PENDING_TRANSFER":
		raise ApiError("CertificateStateException",
		    "The certificate %s is PENDING_TRANSFER and cannot be "
		    "updated" % c["certificateId"])
	if p["newStatus"] not in _SETTABLE:
		# XXX: inferred, see _initial_status
		raise invalid("newStatus %s cannot be set by a caller; use "
		    "one of %s" % (p["newStatus"], ", ".join(_SETTABLE)))
	if c["status"] != p["newStatus"]:
		c["status"] = p["newStatus"]
		c["lastModifiedDate"] = _now()
		c["customerVersion"] += 1
		c["generationId"] = str(uuid.uuid4())
		ctx.changed = True
	return {}


def _things_of(ctx, arn):
	return [t for t, ps in ctx.data["thingPrincipals"].items()
	    if arn in ps]


def _policies_of(ctx, target):
	return sorted(n for n, ts in ctx.data["policyTargets"].items()
	    if target in ts)


def delete_certificate(ctx, p):
	c = _cert(ctx, p["certificateId"])
	if c["status"] == "ACTIVE":
		raise ApiError("CertificateStateException",
		    "Certificate %s is ACTIVE; deactivate it (UpdateCertificate"
		    " newStatus INACTIVE) before deleting it" %
		    c["certificateId"])
	arn = c["certificateArn"]
	things = _things_of(ctx, arn)
	if things:
		raise ApiError("DeleteConflictException",
		    "Certificate %s is attached to thing%s %s; detach it "
		    "first" % (c["certificateId"], "" if len(things) == 1
		    else "s", ", ".join(things)))
	pols = _policies_of(ctx, arn)
	if pols and not p.get("forceDelete"):
		raise ApiError("DeleteConflictException",
		    "Certificate %s has polic%s %s attached; detach %s or "
		    "use forceDelete" % (c["certificateId"], "y" if
		    len(pols) == 1 else "ies", ", ".join(pols), "it" if
		    len(pols) == 1 else "them"))
	for name in pols:
		ctx.data["policyTargets"][name].remove(arn)
	del ctx.data["certificates"][c["certificateId"]]
	ctx.changed = True
	return {}


def _cert_key(c):
	return (c["creationDate"], c["certificateId"])


def _cert_item(c):
	return {k: c[k] for k in ("certificateArn", "certificateId", "status",
	    "certificateMode", "creationDate")}


def list_certificates(ctx, p):
	page, more = _page_sorted(list(ctx.data["certificates"].values()),
	    _cert_key, p)
	return _with({"certificates": [_cert_item(c) for c in page]},
	    "nextMarker", more)


def list_certificates_by_ca(ctx, p):
	# an unknown CA is not an error in the model (no
	# ResourceNotFoundException listed): it simply has no certificates
	ca_id = p["caCertificateId"].lower()
	mine = [c for c in ctx.data["certificates"].values()
	    if c.get("caCertificateId") == ca_id]
	page, more = _page_sorted(mine, _cert_key, p)
	return _with({"certificates": [_cert_item(c) for c in page]},
	    "nextMarker", more)


# things

def _thing(ctx, name):
	t = ctx.data["things"].get(name)
	if t is None:
		raise not_found("Thing %s cannot be found." % name)
	return t


def create_thing(ctx, p):
	name = p["thingName"]
	if p.get("thingTypeName"):
		raise not_found("Thing type %s does not exist in this account"
		    " (iot-local has no thing types)" % p["thingTypeName"])
	if p.get("billingGroupName"):
		raise not_found("Billing group %s does not exist in this "
		    "account (iot-local has no billing groups)" %
		    p["billingGroupName"])
	attrs = (p.get("attributePayload") or {}).get("attributes") or {}
	if len(attrs) > MAX_UNTYPED_ATTRIBUTES:
		raise invalid("A thing without a thing type can have at most "
		    "%d attributes, not %d" % (MAX_UNTYPED_ATTRIBUTES,
		    len(attrs)))
	things = ctx.data["things"]
	t = things.get(name)
	if t is not None:
		if t["attributes"] != attrs:
			raise ApiError("ResourceAlreadyExistsException",
			    "Thing %s already exists in account with "
			    "different attributes" % name,
			    resourceId=t["thingId"], resourceArn=t["thingArn"])
	else:
		t = {
			"thingName": name,
			"thingId": str(uuid.uuid4()),
			"thingArn": ctx.arn("thing", name),
			"attributes": attrs,
			"version": 1,
			"creationDate": _now(),
		}
		things[name] = t
		ctx.changed = True
	return {"thingName": name, "thingArn": t["thingArn"],
	    "thingId": t["thingId"]}


def describe_thing(ctx, p):
	t = _thing(ctx, p["thingName"])
	return {"defaultClientId": t["thingName"], "thingName": t["thingName"],
	    "thingId": t["thingId"], "thingArn": t["thingArn"],
	    "attributes": t["attributes"], "version": t["version"]}


def delete_thing(ctx, p):
	name = p["thingName"]
	t = ctx.data["things"].get(name)
	if t is None:
		return {}	# AWS answers success for an unknown thing
	if p.get("expectedVersion") is not None and \
	    p["expectedVersion"] != t["version"]:
		raise ApiError("VersionConflictException",
		    "The version for thing %s does not match the expected "
		    "version %d (it is %d)" % (name, p["expectedVersion"],
		    t["version"]))
	if ctx.data["thingPrincipals"].get(name):
		# XXX: believed, not measured (fact sheet 9)
		raise invalid("Cannot delete thing %s which has principals "
		    "attached; detach them first" % name)
	del ctx.data["things"][name]
	ctx.data["thingPrincipals"].pop(name, None)
	ctx.changed = True
	return {}


def _check_principal(ctx, principal):
	"""A principal is a certificate ARN of this account (which must
	exist) or an Amazon Cognito identity id (taken on trust)."""
	cid = ctx.cert_arn_id(principal)
	if cid is not None:
		_cert(ctx, cid)
		return
	if re.fullmatch(r"[a-z]{2}(-[a-z]+)+-[0-9]:[0-9a-f-]{36}",
	    principal):
		return
	if principal.startswith("arn:aws:iot:") and ":cert/" in principal:
		raise not_found("The certificate %s does not belong to "
		    "account %s in %s" % (principal, ctx.account, ctx.region))
	raise invalid("Principal '%s' is neither a certificate ARN "
	    "(arn:aws:iot:%s:%s:cert/<id>) nor a Cognito identity id" %
	    (principal, ctx.region, ctx.account))


def attach_thing_principal(ctx, p):
	_thing(ctx, p["thingName"])
	_check_principal(ctx, p["principal"])
	ps = ctx.data["thingPrincipals"].setdefault(p["thingName"], [])
	if p["principal"] not in ps:
		ps.append(p["principal"])
		ctx.changed = True
	return {}


def detach_thing_principal(ctx, p):
	_thing(ctx, p["thingName"])
	ps = ctx.data["thingPrincipals"].get(p["thingName"], [])
	if p["principal"] in ps:
		ps.remove(p["principal"])
		ctx.changed = True
	return {}


def list_thing_principals(ctx, p):
	_thing(ctx, p["thingName"])
	ps = ctx.data["thingPrincipals"].get(p["thingName"], [])
	page, more = _page_offset(ps, p, "maxResults", "nextToken")
	return _with({"principals": page}, "nextToken", more)


# policies

_STATEMENT_KEYS = {"Sid", "Effect", "Action", "NotAction", "Resource",
    "NotResource", "Condition"}


def _malformed(msg):
	return ApiError("MalformedPolicyException", msg)


def _check_policy(text):
	if len(re.sub(r"\s", "", text)) > POLICY_MAX_CHARS:
		# XXX: the size limit is documented, the error code for it
		# is not; MalformedPolicyException is our choice
		raise _malformed("The policy document exceeds %d characters "
		    "(whitespace excluded)" % POLICY_MAX_CHARS)
	try:
		doc = json.loads(text)
	except ValueError as e:
		raise _malformed("The policy document is not valid JSON: %s"
		    % e)
	if not isinstance(doc, dict):
		raise _malformed("The policy document must be a JSON object")
	extra = set(doc) - {"Version", "Statement", "Id"}
	if extra:
		raise _malformed("Unknown policy element%s: %s" % ("" if
		    len(extra) == 1 else "s", ", ".join(sorted(extra))))
	if "Version" in doc and doc["Version"] not in ("2012-10-17",
	    "2008-10-17"):
		raise _malformed("Policy Version '%s' is not valid; use "
		    "2012-10-17" % doc["Version"])
	st = doc.get("Statement")
	if isinstance(st, dict):
		st = [st]
	if not isinstance(st, list) or not st:
		raise _malformed("The policy document needs a Statement: an "
		    "object or a non-empty list of objects")
	for i, s in enumerate(st, 1):
		if not isinstance(s, dict):
			raise _malformed("Statement %d is not an object" % i)
		extra = set(s) - _STATEMENT_KEYS
		if extra:
			raise _malformed("Statement %d has unknown element%s: "
			    "%s" % (i, "" if len(extra) == 1 else "s",
			    ", ".join(sorted(extra))))
		if s.get("Effect") not in ("Allow", "Deny"):
			raise _malformed("Statement %d: Effect must be Allow "
			    "or Deny" % i)
		for a, b in (("Action", "NotAction"),
		    ("Resource", "NotResource")):
			if (a in s) == (b in s):
				raise _malformed("Statement %d needs exactly "
				    "one of %s and %s" % (i, a, b))
			v = s.get(a, s.get(b))
			vals = [v] if isinstance(v, str) else v
			if not isinstance(vals, list) or not vals or \
			    not all(isinstance(x, str) and x for x in vals):
				raise _malformed("Statement %d: %s must be a "
				    "string or a non-empty list of strings" %
				    (i, a if a in s else b))
			if a == "Action":
				for x in vals:
					if x != "*" and not re.fullmatch(
					    r"[a-zA-Z0-9-]+:[A-Za-z0-9*?]+",
					    x):
						raise _malformed("Statement "
						    "%d: action '%s' is not "
						    "of the form service:"
						    "Action" % (i, x))
		if "Condition" in s and not isinstance(s["Condition"], dict):
			raise _malformed("Statement %d: Condition must be an "
			    "object" % i)


def _policy(ctx, name):
	pol = ctx.data["policies"].get(name)
	if pol is None:
		raise not_found("Policy %s does not exist in this account" %
		    name)
	return pol


def create_policy(ctx, p):
	name = p["policyName"]
	pols = ctx.data["policies"]
	if name in pols:
		raise ApiError("ResourceAlreadyExistsException",
		    "Policy %s already exists" % name, resourceId=name,
		    resourceArn=pols[name]["policyArn"])
	_check_policy(p["policyDocument"])
	now = _now()
	pols[name] = {
		"policyName": name,
		"policyArn": ctx.arn("policy", name),
		"policyDocument": p["policyDocument"],
		"defaultVersionId": "1",
		"creationDate": now,
		"lastModifiedDate": now,
		"generationId": secrets.token_hex(32),
		"tags": p.get("tags", []),
	}
	ctx.data["policyTargets"].setdefault(name, [])
	ctx.changed = True
	return {"policyName": name, "policyArn": pols[name]["policyArn"],
	    "policyDocument": p["policyDocument"], "policyVersionId": "1"}


def get_policy(ctx, p):
	pol = _policy(ctx, p["policyName"])
	return {k: pol[k] for k in ("policyName", "policyArn",
	    "policyDocument", "defaultVersionId", "creationDate",
	    "lastModifiedDate", "generationId")}


def delete_policy(ctx, p):
	pol = _policy(ctx, p["policyName"])
	targets = ctx.data["policyTargets"].get(pol["policyName"], [])
	if targets:
		raise ApiError("DeleteConflictException",
		    "Policy %s is attached to %d target%s; detach it first"
		    % (pol["policyName"], len(targets), "" if
		    len(targets) == 1 else "s"))
	del ctx.data["policies"][pol["policyName"]]
	ctx.data["policyTargets"].pop(pol["policyName"], None)
	ctx.changed = True
	return {}


def _check_target(ctx, target):
	"""Certificate ARN (must exist), thing-group ARN (none exist
	here) or Cognito identity id."""
	if target.startswith("arn:aws:iot:") and ":thinggroup/" in target:
		raise not_found("Thing group %s does not exist (iot-local "
		    "has no thing groups)" % target)
	_check_principal(ctx, target)


def attach_policy(ctx, p):
	pol = _policy(ctx, p["policyName"])
	target = p["target"]
	_check_target(ctx, target)
	targets = ctx.data["policyTargets"].setdefault(pol["policyName"], [])
	if target in targets:
		return {}
	if len(_policies_of(ctx, target)) >= MAX_POLICIES_PER_TARGET:
		raise ApiError("LimitExceededException",
		    "At most %d policies can be attached to %s" %
		    (MAX_POLICIES_PER_TARGET, target))
	targets.append(target)
	ctx.changed = True
	return {}


def detach_policy(ctx, p):
	# ResourceNotFoundException is not among DetachPolicy's modeled
	# errors: detaching what is not attached is a no-op
	targets = ctx.data["policyTargets"].get(p["policyName"], [])
	if p["target"] in targets:
		targets.remove(p["target"])
		ctx.changed = True
	return {}


def list_attached_policies(ctx, p):
	target = p["target"]
	_check_target(ctx, target)
	names = _policies_of(ctx, target)
	page, more = _page_offset(names, p, "pageSize", "marker")
	pols = ctx.data["policies"]
	out = {"policies": [{"policyName": n, "policyArn":
	    pols[n]["policyArn"]} for n in page]}
	return _with(out, "nextMarker", more)


def list_targets_for_policy(ctx, p):
	pol = _policy(ctx, p["policyName"])
	targets = ctx.data["policyTargets"].get(pol["policyName"], [])
	page, more = _page_offset(targets, p, "pageSize", "marker")
	return _with({"targets": page}, "nextMarker", more)


HANDLERS = {
	"GetRegistrationCode": get_registration_code,
	"DescribeEndpoint": describe_endpoint,
	"RegisterCACertificate": register_ca_certificate,
	"DescribeCACertificate": describe_ca_certificate,
	"UpdateCACertificate": update_ca_certificate,
	"DeleteCACertificate": delete_ca_certificate,
	"ListCACertificates": list_ca_certificates,
	"RegisterCertificate": register_certificate,
	"RegisterCertificateWithoutCA": register_certificate_without_ca,
	"DescribeCertificate": describe_certificate,
	"UpdateCertificate": update_certificate,
	"DeleteCertificate": delete_certificate,
	"ListCertificates": list_certificates,
	"ListCertificatesByCA": list_certificates_by_ca,
	"CreateThing": create_thing,
	"DescribeThing": describe_thing,
	"DeleteThing": delete_thing,
	"AttachThingPrincipal": attach_thing_principal,
	"DetachThingPrincipal": detach_thing_principal,
	"ListThingPrincipals": list_thing_principals,
	"CreatePolicy": create_policy,
	"GetPolicy": get_policy,
	"DeletePolicy": delete_policy,
	"AttachPolicy": attach_policy,
	"DetachPolicy": detach_policy,
	"ListAttachedPolicies": list_attached_policies,
	"ListTargetsForPolicy": list_targets_for_policy,
}
