#!/bin/bash
# Config mistakes are reported with the field and what is allowed, before
# the chip is touched; P-384 and RSA-2048 configs personalize too.
# bus: any
. "$OP_TEST_LIB"

start_sim trust-m3
optiga-perso ca init ca --subject "/CN=Test CA" >/dev/null
optiga-perso read --meta 0xE0F1 >meta-before.txt

sed 's/"secp256r1"/"secp999"/' "$OP_SOURCE_DIR/examples/config.json" \
    >bad.json
expect_fail 2 optiga-perso personalize --config bad.json --ca ca --no-aws
grep -q "csr_config.key_info.parameters.curve" "$T/err" ||
	fail "message does not name the field: $(cat "$T/err")"
grep -q "secp999" "$T/err" || fail "message does not quote the value"
for c in secp256r1 secp384r1; do
	grep -q "$c" "$T/err" || fail "message does not list $c"
done
expect_fail 2 optiga-perso csr --config bad.json -o x.csr
optiga-perso read --meta 0xE0F1 >meta-after.txt
cmp meta-before.txt meta-after.txt || fail "the chip was touched"
[ ! -e po ] && [ ! -e optiga-perso-out ] || fail "files were made"
pass "secp999 refused naming the field and the allowed curves"

# P-384 with SHA-384 in 0xE0F2
python3 - "$OP_SOURCE_DIR/examples/config.json" p384.json <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
k = c["csr_config"]["key_info"]["parameters"]
k["curve"] = "secp384r1"; k["slot"] = "0xE0F2"
c["csr_config"]["signature_info"]["parameters"]["hash_alg"] = "sha384"
json.dump(c, open(sys.argv[2], "w"))
PY
optiga-perso personalize --config p384.json --ca ca --no-aws --out po \
    >p384.txt || fail "P-384 personalize failed: $(cat p384.txt)"
openssl verify -CAfile ca/cacert.pem po/*/cert.pem >/dev/null ||
	fail "P-384 certificate does not verify"
optiga-perso cert read --slot 0xE0E2 | openssl x509 -noout -text |
	grep -q "NIST CURVE: P-384" || fail "0xE0E2 does not hold a P-384 cert"
openssl req -in po/*/csr.pem -noout -text |
	grep -q "ecdsa-with-SHA384" || fail "P-384 CSR not signed with SHA-384"
pass "P-384 key in 0xE0F2, certificate in 0xE0E2"

# RSA-2048 in 0xE0FC names its certificate slot
python3 - "$OP_SOURCE_DIR/examples/config.json" rsa.json <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["csr_config"]["key_info"] = {"algorithm_id": "rsa",
    "parameters": {"key_size": 2048, "slot": "0xE0FC"}}
c["csr_config"]["signature_info"] = {"algorithm_id": "rsa",
    "parameters": {"hash_alg": "sha256"}}
c["certificate_slot"] = "0xE0E3"
json.dump(c, open(sys.argv[2], "w"))
PY
optiga-perso personalize --config rsa.json --ca ca --no-aws --out rsa-out \
    >rsa.txt || fail "RSA personalize failed: $(cat rsa.txt)"
openssl verify -CAfile ca/cacert.pem rsa-out/*/cert.pem >/dev/null ||
	fail "RSA certificate does not verify"
optiga-perso cert read --slot 0xE0E3 | openssl x509 -noout -text |
	grep -q "Public-Key: (2048 bit)" || fail "0xE0E3 lacks the RSA cert"
pass "RSA-2048 key in 0xE0FC, certificate in 0xE0E3"

# per-chip names: ${uid} in the subject and the thing name
python3 - "$OP_SOURCE_DIR/examples/config.json" uid.json long.json <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["csr_config"]["certificate_info"]["common_name"] = "sensor-${uid}"
c["csr_config"]["key_info"]["parameters"]["slot"] = "0xE0F3"
c["aws_iot_config"]["thing"] = "sensor-${uid}"
json.dump(c, open(sys.argv[2], "w"))
c["csr_config"]["certificate_info"]["common_name"] = "x" * 11 + "${uid}"
json.dump(c, open(sys.argv[3], "w"))
PY
expect_fail 2 optiga-perso personalize --config long.json --ca ca --no-aws
grep -q 'common_name: is 65 characters long with ${uid}' "$T/err" ||
	fail "a CN too long once expanded is not explained: $(cat "$T/err")"
start_iot_local
optiga-perso personalize --config uid.json --ca ca --out uid-out \
    --endpoint-url "$IOT_URL" >uid.txt ||
	fail "personalize with \${uid} failed: $(cat uid.txt)"
uid=$(ls uid-out | grep -v records)
openssl req -in "uid-out/$uid/csr.pem" -noout -subject |
	grep -q "CN = sensor-$uid" || fail "the CN is not sensor-<UID>"
iot_aws iot describe-thing --thing-name "sensor-$uid" >/dev/null ||
	fail "no thing sensor-$uid in AWS IoT"
pass "\${uid} gives each chip its own CN and thing name"
