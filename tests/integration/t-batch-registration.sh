#!/bin/bash
# personalize --registration jitp|none against iot-local, checked with
# Debian's aws CLI: jitp registers the CA once with a provisioning
# template (auto-registration on, the role, the policy created) and makes
# no per-device call; none makes no AWS call at all and exports the
# manifest as a bulk-registration input file plus its template.
# bus: any
. "$OP_TEST_LIB"

start_iot_local
optiga-perso ca init ca --subject "/C=DE/O=Test/CN=Test Root CA" >/dev/null
cp "$OP_SOURCE_DIR/examples/config.json" config.json
cfg() {
	/usr/bin/python3 -c 'import json, sys
print(json.load(open("config.json"))["aws_iot_config"][sys.argv[1]])' "$1"
}
thing=$(cfg thing)
policy=$(cfg policy)
role="arn:aws:iam::123456789012:role/JITPRole"

devs=()
for i in 1 2 3; do
	start_sim trust-m3 "chip$i"
	devs+=("$SIM_DEVICE")
done
unset OPTIGA_DEVICE
list=$(IFS=,; echo "${devs[*]}")

expect_fail 2 optiga-perso personalize --config config.json --ca ca \
    --devices "$list" --registration jitp --endpoint-url "$IOT_URL"
grep -q "needs --jitp-role" "$T/err" || fail "$(cat "$T/err")"
expect_fail 2 optiga-perso personalize --config config.json --ca ca \
    --devices "$list" --registration bulk --endpoint-url "$IOT_URL"
grep -q "use api .*, jitp .* or none" "$T/err" || fail "$(cat "$T/err")"
pass "jitp without a role and an unknown mode are usage errors (exit 2)"

optiga-perso personalize --config config.json --ca ca --out po \
    --devices "$list" --jobs 3 --registration jitp --jitp-role "$role" \
    --endpoint-url "$IOT_URL" >run1.txt 2>run1.err ||
	{ cat run1.txt run1.err >&2; fail "personalize --registration jitp"; }
[ "$(grep -c ' ok ' run1.txt)" -eq 3 ] || fail "$(cat run1.txt)"

caid=$(openssl x509 -in ca/cacert.pem -outform DER | sha256sum | cut -c1-64)
iot_aws iot describe-ca-certificate --certificate-id "$caid" >ca.json
/usr/bin/python3 - ca.json "$role" "$thing" "$policy" <<'EOF' ||
import json, sys
d = json.load(open(sys.argv[1]))
desc, reg = d["certificateDescription"], d["registrationConfig"]
assert desc["status"] == "ACTIVE", desc
assert desc["autoRegistrationStatus"] == "ENABLE", desc
assert reg["roleArn"] == sys.argv[2], reg
t = json.loads(reg["templateBody"])
res = t["Resources"]
assert res["certificate"]["Type"] == "AWS::IoT::Certificate", res
assert res["certificate"]["Properties"]["CertificateId"] == \
    {"Ref": "AWS::IoT::Certificate::Id"}, res
assert res["certificate"]["Properties"]["Status"] == "ACTIVE", res
assert res["thing"]["Properties"]["ThingName"] == sys.argv[3], res
assert res["policy"]["Properties"]["PolicyName"] == sys.argv[4], res
assert "AWS::IoT::Certificate::Id" in t["Parameters"], t
EOF
	fail "the CA's registration: $(cat ca.json)"
sleep 0.2	# iot-local logs a request after answering it
n=$(iot_aws iot list-certificates --query 'length(certificates)' \
    --output text)
[ "$n" = "0" ] || fail "$n device certificates registered; JITP wants none"
! grep -q "op=RegisterCertificate " "$IOT_LOG" ||
	fail "a RegisterCertificate call was made"
[ "$(grep -c 'op=RegisterCACertificate status=200' "$IOT_LOG")" -eq 1 ] ||
	fail "CA not registered exactly once: $(grep RegisterCA "$IOT_LOG")"
iot_aws iot get-policy --policy-name "$policy" >/dev/null ||
	fail "the template's policy $policy does not exist"
[ "$(grep -c '"aws_registration":"jitp"' po/records.jsonl)" -ge 3 ] ||
	fail "records do not say jitp"
pass "jitp: CA ACTIVE, auto-registration, role, template; policy made;" \
    "no device call"

# none: no AWS call, the manifest exported for bulk registration
before=$(wc -l <"$IOT_LOG")
optiga-perso personalize --config config.json --ca ca --out pn \
    --devices "$list" --registration none >run2.txt 2>run2.err ||
	{ cat run2.txt run2.err >&2; fail "personalize --registration none"; }
sleep 0.2
[ "$(wc -l <"$IOT_LOG")" -eq "$before" ] || fail "none made AWS calls"
[ -s pn/bulk-input.jsonl ] && [ -s pn/bulk-template.json ] ||
	fail "no bulk files: $(ls pn)"
/usr/bin/python3 - pn/bulk-input.jsonl pn/bulk-template.json ca/cacert.pem \
    "$thing" <<'EOF' || fail "bulk files wrong"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) == 3, len(lines)
t = json.load(open(sys.argv[2]))
params = set(t["Parameters"])
ca = open(sys.argv[3]).read()
serials = set()
for i, l in enumerate(lines):
    assert set(l) == params, (set(l), params)
    assert l["CACertificatePem"] == ca
    assert l["ThingName"] == sys.argv[4]
    assert len(l["SerialNumber"]) == 54
    serials.add(l["SerialNumber"])
    open("bulk%d.pem" % i, "w").write(l["CertificatePem"])
assert len(serials) == 3
cert = t["Resources"]["certificate"]["Properties"]
assert cert["CertificatePem"] == {"Ref": "CertificatePem"}, cert
assert cert["CACertificatePem"] == {"Ref": "CACertificatePem"}, cert
EOF
for i in 0 1 2; do
	openssl verify -CAfile ca/cacert.pem "bulk$i.pem" >/dev/null ||
		fail "bulk line $i: the certificate does not verify"
done
pass "none: no AWS call; bulk-input.jsonl (3 chips, certificates" \
    "verify) and template"

# a per-chip thing under jitp: the template names the thing after the
# certificate's common name, which carries the same ${uid} pattern
optiga-perso ca init ca2 --subject "/C=DE/O=Test/CN=Second CA" >/dev/null
/usr/bin/python3 - <<'PY'
import json
c = json.load(open("config.json"))
c["csr_config"]["certificate_info"]["common_name"] = "dev-${uid}"
c["aws_iot_config"]["thing"] = "dev-${uid}"
json.dump(c, open("uid.json", "w"))
PY
start_sim trust-m3 chip9
optiga-perso -d "$SIM_DEVICE" personalize --config uid.json --ca ca2 \
    --out po2 --registration jitp --jitp-role "$role" \
    --endpoint-url "$IOT_URL" >run9.txt 2>&1 ||
	fail "jitp with \${uid}: $(cat run9.txt)"
caid2=$(openssl x509 -in ca2/cacert.pem -outform DER | sha256sum |
	cut -c1-64)
iot_aws iot describe-ca-certificate --certificate-id "$caid2" >ca2.json
/usr/bin/python3 - ca2.json <<'PY' || fail "template: $(cat ca2.json)"
import json, sys
t = json.loads(json.load(open(sys.argv[1]))
    ["registrationConfig"]["templateBody"])
cn = "AWS::IoT::Certificate::CommonName"
assert t["Resources"]["thing"]["Properties"]["ThingName"] == {"Ref": cn}, t
assert cn in t["Parameters"], t
PY
pass "jitp with \${uid}: the thing is named after the certificate's CN"
