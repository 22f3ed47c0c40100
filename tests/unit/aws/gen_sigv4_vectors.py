#!/usr/bin/python3
"""Generate sigv4_vectors.h: botocore's view of the requests we send.

For every case, two things come from botocore (Debian's python3-botocore,
run with /usr/bin/python3):

1. the wire request botocore's own IoT client serializes for the same
   operation and parameters (method, percent-encoded path, query, body
   content), captured in a before-send hook, so the C client's request
   building is checked against the service model's serializer;
2. the Authorization header that botocore.auth.SigV4Auth computes, at a
   fixed time, over the request exactly as the C client sends it (its
   compact JSON body, its headers), so the C signer is checked against
   botocore's byte for byte.

Usage: gen_sigv4_vectors.py [OUT]   (stdout when OUT is not given)
The ctest "unit.aws_sigv4_vectors_fresh" re-runs this and compares the
output with the committed header.
"""
import datetime
import json
import sys

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.credentials import Credentials

AK = "AKIDEXAMPLE"
SK = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = ("IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJHMEUCIQ"
         "Dexample+token/with=chars")
TS = "20150830T123600Z"
EPOCH = 1440938160
LOCAL = "http://127.0.0.1:8443"

CERT_ID = "3a5b" * 16
CA_ID = "c0ffee00" * 8
CERT_ARN = "arn:aws:iot:us-east-1:123456789012:cert/" + CERT_ID
PEM = ("-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2e+/x==\n"
       "-----END CERTIFICATE-----\n")
CA_PEM = ("-----BEGIN CERTIFICATE-----\nMIIBxTCCAWugAwIBAgIUCA/+==\n"
          "-----END CERTIFICATE-----\n")
VER_PEM = ("-----BEGIN CERTIFICATE-----\nMIIBqDCCAU6gAwIBAgIUVER==\n"
           "-----END CERTIFICATE-----\n")
TEMPLATE = json.dumps({"Parameters": {"AWS::IoT::Certificate::CommonName":
                                      {"Type": "String"}},
                       "Resources": {"thing": {"Type": "AWS::IoT::Thing"}}})
ROLE = "arn:aws:iam::123456789012:role/JITPRole"
POLICY_DOC = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "iot:Connect",
     "Resource": "arn:aws:iot:us-east-1:123456789012:client/${iot:ClientId}"}
]})
POLICY = "p+1=,.@-x"
THING = "my:thing_1-a"

# name, botocore operation, botocore params, C args (a0..a3, b0, b1),
# options.  For list operations the C client sends pageSize/maxResults
# 250; "page2" cases compare its second request, made with the marker
# that the fake transport's first reply ("reply1") hands back.
CASES = [
    ("get-registration-code", "get_registration_code", {}, [], {}),
    ("get-registration-code-execute-api", "get_registration_code", {}, [],
     {"service": "execute-api"}),
    ("get-registration-code-aws-host", "get_registration_code", {}, [],
     {"endpoint": "https://iot.eu-central-1.amazonaws.com",
      "region": "eu-central-1"}),
    ("register-ca-jitp", "register_ca_certificate",
     {"caCertificate": CA_PEM, "verificationCertificate": VER_PEM,
      "setAsActive": True, "allowAutoRegistration": True,
      "registrationConfig": {"templateBody": TEMPLATE, "roleArn": ROLE}},
     [CA_PEM, VER_PEM, TEMPLATE, ROLE, 1, 1], {}),
    ("register-ca-plain", "register_ca_certificate",
     {"caCertificate": CA_PEM, "verificationCertificate": VER_PEM,
      "setAsActive": True, "allowAutoRegistration": False},
     [CA_PEM, VER_PEM, None, None, 1, 0], {}),
    ("update-ca", "update_ca_certificate",
     {"certificateId": CA_ID, "newStatus": "ACTIVE",
      "newAutoRegistrationStatus": "ENABLE"},
     [CA_ID, "ACTIVE", "ENABLE"], {}),
    ("describe-ca-session-token", "describe_ca_certificate",
     {"certificateId": CA_ID}, [CA_ID], {"token": TOKEN}),
    ("list-ca-marker", "list_ca_certificates",
     {"pageSize": 250, "marker": "AAA+/b=="}, [],
     {"page2": {"certificates": [], "nextMarker": "AAA+/b=="}}),
    ("register-cert", "register_certificate",
     {"certificatePem": PEM, "caCertificatePem": CA_PEM,
      "status": "ACTIVE"}, [PEM, CA_PEM, "ACTIVE"], {}),
    ("describe-cert", "describe_certificate", {"certificateId": CERT_ID},
     [CERT_ID], {}),
    ("update-cert", "update_certificate",
     {"certificateId": CERT_ID, "newStatus": "ACTIVE"},
     [CERT_ID, "ACTIVE"], {}),
    ("create-thing-colon", "create_thing", {"thingName": THING}, [THING],
     {}),
    ("describe-thing-colon", "describe_thing", {"thingName": THING},
     [THING], {}),
    ("attach-thing-principal", "attach_thing_principal",
     {"thingName": THING, "principal": CERT_ARN}, [THING, CERT_ARN], {}),
    ("list-thing-principals", "list_thing_principals",
     {"thingName": THING, "maxResults": 250}, [THING], {}),
    ("create-policy-special", "create_policy",
     {"policyName": POLICY, "policyDocument": POLICY_DOC},
     [POLICY, POLICY_DOC], {}),
    ("get-policy-special", "get_policy", {"policyName": POLICY}, [POLICY],
     {}),
    ("attach-policy", "attach_policy",
     {"policyName": POLICY, "target": CERT_ARN}, [POLICY, CERT_ARN], {}),
    ("list-attached-policies-arn", "list_attached_policies",
     {"target": CERT_ARN, "pageSize": 250}, [CERT_ARN], {}),
    ("list-attached-policies-arn-token", "list_attached_policies",
     {"target": CERT_ARN, "pageSize": 250}, [CERT_ARN],
     {"token": TOKEN, "service": "execute-api"}),
    ("describe-endpoint-ats", "describe_endpoint",
     {"endpointType": "iot:Data-ATS"}, ["iot:Data-ATS"], {}),
]


class Captured(Exception):
    pass


class _Raw:
    def stream(self, **kw):
        yield b"{}"


def botocore_wire(op, params, endpoint, region):
    """The request botocore's own IoT client puts on the wire."""
    sess = botocore.session.get_session()
    sess.set_credentials(AK, SK)
    client = sess.create_client("iot", region_name=region,
                                endpoint_url=endpoint)
    seen = {}

    def before_send(request, **kw):
        seen["req"] = request
        return AWSResponse(request.url, 200, {}, _Raw())

    client.meta.events.register("before-send.iot", before_send)
    getattr(client, op)(**params)
    req = seen["req"]
    url = req.url[len(endpoint):]
    path, _, query = url.partition("?")
    body = req.body or b""
    if hasattr(body, "read"):
        body = body.read()
    principal = req.headers.get("x-amzn-principal")
    if isinstance(principal, bytes):
        principal = principal.decode()
    return req.method, path, query, body, principal


def c_body(wire_body):
    """The body as the C client writes it: jansson, compact, in order."""
    if not wire_body:
        return None
    obj = json.loads(wire_body)
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def sign(method, endpoint, path, query, body, principal, region, service,
         token):
    url = endpoint + path + ("?" + query if query else "")
    headers = {}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if principal is not None:
        headers["x-amzn-principal"] = principal
    req = AWSRequest(method=method, url=url, headers=headers,
                     data=body.encode() if body is not None else b"")
    signer = SigV4Auth(Credentials(AK, SK, token), service, region)
    req.context["timestamp"] = TS
    signer._modify_request_before_signing(req)
    creq = signer.canonical_request(req)
    sts = signer.string_to_sign(req, creq)
    signer._inject_signature_to_request(req, signer.signature(sts, req))
    return creq, req.headers["Authorization"]


def cstr(s):
    if s is None:
        return "NULL"
    out = []
    for ch in s.encode():
        c = chr(ch)
        if c == "\\":
            out.append("\\\\")
        elif c == '"':
            out.append('\\"')
        elif c == "\n":
            out.append("\\n")
        elif c == "?":
            out.append("\\?")	# no trigraphs
        elif 32 <= ch < 127:
            out.append(c)
        else:
            out.append("\\%03o" % ch)
    parts, line = [], ""
    for piece in out:
        if len(line) + len(piece) > 52:
            parts.append(line)
            line = ""
        line += piece
        if piece == "\\n":
            parts.append(line)
            line = ""
    if line or not parts:
        parts.append(line)
    return "\n\t    ".join('"%s"' % p for p in parts)


def main():
    assert datetime.datetime.strptime(TS, "%Y%m%dT%H%M%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp() == EPOCH
    rows = []
    for name, op, params, args, opt in CASES:
        endpoint = opt.get("endpoint", LOCAL)
        region = opt.get("region", "us-east-1")
        service = opt.get("service", "iot")
        token = opt.get("token")
        method, path, query, wbody, principal = botocore_wire(
            op, params, endpoint, region)
        body = c_body(wbody)
        creq, authz = sign(method, endpoint, path, query, body, principal,
                           region, service, token)
        strs = [a for a in args if not isinstance(a, int)]
        flags = [a for a in args if isinstance(a, int)]
        strs += [None] * (4 - len(strs))
        flags += [0] * (2 - len(flags))
        page2 = opt.get("page2")
        rows.append((name, op, endpoint, region, service, token, strs,
                     flags, json.dumps(page2) if page2 else None, method,
                     path, query, principal, body, creq, authz))

    o = []
    o.append("/* Generated by gen_sigv4_vectors.py with botocore %s; do not"
             % botocore.__version__)
    o.append(" * edit.  Key %s with the AWS example secret, time %s. */"
             % (AK, TS))
    o.append("#define SIGV4_VEC_EPOCH %d" % EPOCH)
    o.append("#define SIGV4_VEC_AK %s" % cstr(AK))
    o.append("#define SIGV4_VEC_SK %s" % cstr(SK))
    o.append("")
    o.append("static const struct sigv4_vec sigv4_vecs[] = {")
    for r in rows:
        (name, op, endpoint, region, service, token, strs, flags, page2,
         method, path, query, principal, body, creq, authz) = r
        o.append("\t{")
        o.append("\t    .name = %s," % cstr(name))
        o.append("\t    .op = %s," % cstr(op))
        o.append("\t    .endpoint = %s," % cstr(endpoint))
        o.append("\t    .region = %s," % cstr(region))
        o.append("\t    .service = %s," % cstr(service))
        o.append("\t    .token = %s," % cstr(token))
        for i, s in enumerate(strs):
            o.append("\t    .a[%d] = %s," % (i, cstr(s)))
        o.append("\t    .b = { %d, %d }," % tuple(flags))
        line = "\t    .page1_reply = %s," % cstr(page2)
        if len(line.expandtabs(8)) > 80:
            line = "\t    .page1_reply =\n\t    %s," % cstr(page2)
        o.append(line)
        o.append("\t    .method = %s," % cstr(method))
        o.append("\t    .path = %s," % cstr(path))
        o.append("\t    .query = %s," % cstr(query))
        o.append("\t    .principal = %s," % cstr(principal))
        o.append("\t    .body = %s," % cstr(body))
        o.append("\t    .creq = %s," % cstr(creq))
        o.append("\t    .authz = %s," % cstr(authz))
        o.append("\t},")
    o.append("};")
    text = "\n".join(o) + "\n"
    if len(sys.argv) > 1:
        with open(sys.argv[1], "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
