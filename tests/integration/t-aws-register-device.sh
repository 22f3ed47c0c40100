# aws register-device against iot-local: certificate (ACTIVE, under our
# CA), thing with ':' in its name, policy with '+=' in its name from a
# template, both attachments; checked with Debian's aws CLI.  A second
# run reuses everything; a policy whose document differs is reported,
# not replaced.
. "$OP_TEST_LIB"

start_iot_local
optiga-perso ca init ca --subject "/O=optiga-perso tests/CN=AWS Test CA" \
    >/dev/null || fail "ca init"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout dev.key -out dev.csr -subj /CN=dev-0001 2>/dev/null ||
    fail "openssl req"
optiga-perso ca sign ca dev.csr -o dev.pem >/dev/null || fail "ca sign"
caid=$(openssl x509 -in ca/cacert.pem -outform DER | sha256sum | cut -c1-64)
id=$(openssl x509 -in dev.pem -outform DER | sha256sum | cut -c1-64)
arn="arn:aws:iot:us-east-1:123456789012:cert/$id"
thing="dev:0001"
policy="dev+policy=1"
cat >policy.json <<'POLICY'
{"Version": "2012-10-17", "Statement": [
 {"Effect": "Allow", "Action": "iot:Connect",
  "Resource": "arn:${partition}:iot:${region}:${account}:client/${thing}"},
 {"Effect": "Allow", "Action": "iot:Publish",
  "Resource": "arn:aws:iot:${region}:${account}:topic/d/${iot:ClientId}"}]}
POLICY

# without the CA registered, AWS refuses the certificate
expect_fail 5 optiga-perso aws register-device dev.pem --ca ca \
    --endpoint-url "$IOT_URL"
grep -q "RegisterCertificate failed: CertificateValidationException" \
    "$T/err" || fail "$(cat "$T/err")"
pass "certificate of an unregistered CA refused (exit 5)"

optiga-perso -q aws register-ca ca --endpoint-url "$IOT_URL" ||
    fail "register-ca"
optiga-perso aws register-device dev.pem --ca ca --thing "$thing" \
    --policy "$policy" --policy-file policy.json \
    --endpoint-url "$IOT_URL" >out1 || fail "register-device: $(cat out1)"
grep -q "^certificate $id: registered, ACTIVE$" out1 &&
    grep -q "^thing $thing: created; certificate attached$" out1 &&
    grep -q "^policy $policy: created; attached to the certificate$" out1 ||
    fail "first run said: $(cat out1)"

iot_aws iot describe-certificate --certificate-id "$id" --output text \
    --query 'certificateDescription.[status, caCertificateId]' >desc.txt
[ "$(cat desc.txt)" = "$(printf 'ACTIVE\t%s' "$caid")" ] ||
    fail "describe-certificate says: $(cat desc.txt)"
iot_aws iot list-thing-principals --thing-name "$thing" --output text \
    --query 'principals' >principals.txt
[ "$(cat principals.txt)" = "$arn" ] || fail "principals: $(cat principals.txt)"
iot_aws iot list-attached-policies --target "$arn" --output text \
    --query 'policies[].policyName' >policies.txt
[ "$(cat policies.txt)" = "$policy" ] || fail "policies: $(cat policies.txt)"
iot_aws iot get-policy --policy-name "$policy" --query policyDocument \
    --output text >doc.json
grep -q '"arn:aws:iot:us-east-1:123456789012:client/dev:0001"' doc.json &&
    grep -q 'topic/d/${iot:ClientId}' doc.json ||
    fail "policy document: $(cat doc.json)"
pass "certificate ACTIVE under CA, thing, policy, attachments"

# second run: everything reused, nothing created
# (iot-local has no ListThings/ListPolicies: count successful creates in
# its request log instead)
count() {
	sleep 0.2	# iot-local logs a request after answering it
	local certs things policies

	certs=$(iot_aws iot list-certificates \
	    --query 'length(certificates)' --output text)
	things=$(grep -c 'op=CreateThing status=200' "$IOT_LOG")
	policies=$(grep -c 'op=CreatePolicy status=200' "$IOT_LOG")
	echo "$certs $things $policies"
}
[ "$(count)" = "1 1 1" ] || fail "after the first run: $(count)"
optiga-perso --json aws register-device dev.pem --ca ca --thing "$thing" \
    --policy "$policy" --policy-file policy.json \
    --endpoint-url "$IOT_URL" >out2 || fail "second run"
/usr/bin/python3 - out2 <<'PY' || fail "second run: $(cat out2)"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["certificate"] == "reused", d
assert d["thing"]["action"] == "reused", d
assert d["thing"]["principal"] == "already attached", d
assert d["policy"]["action"] == "reused", d
assert d["policy"]["attachment"] == "already attached", d
PY
[ "$(count)" = "1 1 1" ] || fail "after the second run: $(count)"
pass "second run reuses everything"

# an INACTIVE certificate is made ACTIVE again
iot_aws iot update-certificate --certificate-id "$id" --new-status INACTIVE
optiga-perso aws register-device dev.pem --ca ca \
    --endpoint-url "$IOT_URL" >out3 || fail "third run"
grep -q "^certificate $id: set ACTIVE$" out3 || fail "$(cat out3)"
[ "$(iot_aws iot describe-certificate --certificate-id "$id" \
    --query certificateDescription.status --output text)" = ACTIVE ] ||
    fail "not ACTIVE again"
pass "INACTIVE certificate set ACTIVE"

# the same policy name with another document: reported, not replaced
sed 's/iot:Connect/iot:*/' policy.json >other.json
expect_fail 5 optiga-perso aws register-device dev.pem --ca ca \
    --thing "$thing" --policy "$policy" --policy-file other.json \
    --endpoint-url "$IOT_URL"
grep -q "policy '$policy' exists in AWS IoT with a different document" \
    "$T/err" || fail "$(cat "$T/err")"
# (to a file: under pipefail, 'aws | grep -q' fails when grep stops
# reading first and the CLI gets a broken pipe)
iot_aws iot get-policy --policy-name "$policy" --query policyDocument \
    --output text >policy-now.txt
grep -q '"iot:Connect"' policy-now.txt || fail "policy was replaced"
pass "different policy document reported (exit 5), not replaced"

# a template placeholder we do not know is a usage error
echo '{"Resource": "${nosuch}"}' >bad.json
expect_fail 2 optiga-perso aws register-device dev.pem --ca ca \
    --policy p2 --policy-file bad.json --endpoint-url "$IOT_URL"
grep -q 'unknown placeholder ${nosuch}' "$T/err" || fail "$(cat "$T/err")"
pass "unknown placeholder refused"
