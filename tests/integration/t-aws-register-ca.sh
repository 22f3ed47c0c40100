# aws register-ca against iot-local: registered once with a verification
# certificate from our CA, checked with Debian's aws CLI; a second run
# registers nothing and leaves aws.json alone; an INACTIVE CA is made
# ACTIVE again; a JITP template is stored and updated in place.
. "$OP_TEST_LIB"

# jget FILE KEY...: a member of a JSON file (numbers index arrays)
jget() {
	/usr/bin/python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
for k in sys.argv[2:]:
    d = d[int(k)] if isinstance(d, list) else d[k]
print(d)' "$@"
}

start_iot_local
optiga-perso ca init ca --subject "/O=optiga-perso tests/CN=AWS Test CA" \
    >/dev/null || fail "ca init"
caid=$(openssl x509 -in ca/cacert.pem -outform DER | sha256sum | cut -c1-64)

# first run: registered
optiga-perso aws register-ca ca --auto-registration \
    --endpoint-url "$IOT_URL" >out1 || fail "register-ca: $(cat out1)"
grep -q "^CA $caid: registered$" out1 || fail "first run said: $(cat out1)"
[ "$(iot_aws iot list-ca-certificates --query 'length(certificates)' \
    --output text)" = 1 ] || fail "not exactly one CA registered"
iot_aws iot describe-ca-certificate --certificate-id "$caid" --output text \
    --query 'certificateDescription.[status, autoRegistrationStatus]' \
    >desc.txt
[ "$(cat desc.txt)" = "$(printf 'ACTIVE\tENABLE')" ] ||
    fail "describe-ca-certificate says: $(cat desc.txt)"
[ "$(jget ca/aws.json registrations 0 certificateId)" = "$caid" ] ||
    fail "aws.json: $(cat ca/aws.json)"
[ "$(jget ca/aws.json registrations 0 account)" = 123456789012 ] ||
    fail "aws.json has no account"
pass "CA $caid registered ACTIVE, auto-registration ENABLE, recorded"

# second run: nothing new, nothing written
cp ca/aws.json aws.json.1
sleep 0.2	# iot-local logs a request after answering it
n_before=$(wc -l <"$IOT_LOG")
optiga-perso --json aws register-ca ca --auto-registration \
    --endpoint-url "$IOT_URL" >out2 || fail "second run failed"
sleep 0.2
sed -n "$((n_before + 1)),\$p" "$IOT_LOG" | grep ' who=[^ ]*/iot ' >run2.log
[ "$(jget out2 action)" = reused ] || fail "second run: $(cat out2)"
[ "$(iot_aws iot list-ca-certificates --query 'length(certificates)' \
    --output text)" = 1 ] || fail "second run registered another CA"
cmp -s ca/aws.json aws.json.1 || fail "aws.json rewritten"
! grep -Eq 'op=(RegisterCA|UpdateCA|GetRegistrationCode)' run2.log ||
    fail "second run changed something: $(cat run2.log)"
[ "$(grep -c ' op=' run2.log)" -eq 1 ] || fail "$(cat run2.log)"
pass "second run is a no-op (one DescribeCACertificate)"

# found by its ID even without aws.json; an INACTIVE CA is activated
rm ca/aws.json
iot_aws iot update-ca-certificate --certificate-id "$caid" \
    --new-status INACTIVE
optiga-perso aws register-ca ca --endpoint-url "$IOT_URL" >out3 ||
    fail "third run failed"
grep -q "^CA $caid: updated, set ACTIVE$" out3 || fail "$(cat out3)"
[ "$(iot_aws iot describe-ca-certificate --certificate-id "$caid" \
    --query certificateDescription.status --output text)" = ACTIVE ] ||
    fail "CA not ACTIVE again"
[ "$(iot_aws iot list-ca-certificates --query 'length(certificates)' \
    --output text)" = 1 ] || fail "third run registered another CA"
[ -s ca/aws.json ] || fail "aws.json not written again"
pass "reused by certificate ID without aws.json, INACTIVE -> ACTIVE"

# JITP: a template and role are stored, and a changed template replaces
# the stored one in place
cat >tmpl.json <<'TEMPLATE'
{"Parameters": {"AWS::IoT::Certificate::CommonName": {"Type": "String"}},
 "Resources": {"thing": {"Type": "AWS::IoT::Thing",
  "Properties": {"ThingName": {"Ref": "AWS::IoT::Certificate::CommonName"}}}}}
TEMPLATE
role=arn:aws:iam::123456789012:role/JITPRole
optiga-perso aws register-ca ca --jitp-template tmpl.json --jitp-role "$role" \
    --endpoint-url "$IOT_URL" >out4 || fail "JITP: $(cat out4)"
grep -q "JITP template updated" out4 || fail "JITP run said: $(cat out4)"
iot_aws iot describe-ca-certificate --certificate-id "$caid" \
    --query registrationConfig >rc.json
[ "$(jget rc.json roleArn)" = "$role" ] || fail "role: $(cat rc.json)"
jget rc.json templateBody >tb.json
[ "$(jget tb.json Resources thing Type)" = AWS::IoT::Thing ] ||
    fail "template: $(cat rc.json)"
optiga-perso --json aws register-ca ca --jitp-template tmpl.json \
    --jitp-role "$role" --endpoint-url "$IOT_URL" >out5
[ "$(jget out5 action)" = reused ] || fail "JITP rerun: $(cat out5)"
pass "JITP template and role stored; rerun reuses"

optiga-perso aws describe-ca ca --endpoint-url "$IOT_URL" >out6
grep -Eq "status +ACTIVE" out6 && grep -Eq "JITP template +yes" out6 ||
    fail "describe-ca: $(cat out6)"
pass "describe-ca"
