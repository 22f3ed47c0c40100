#!/bin/bash
# personalize with AWS IoT (the local endpoint): then the real AWS CLI
# shows the CA ACTIVE with auto-registration, the device certificate
# ACTIVE under the CA, the thing with the certificate, the policy on the
# certificate.  A second run registers nothing new; a wrong secret key
# ends with the signature error and exit code 5.
# bus: any
. "$OP_TEST_LIB"

start_sim trust-m3
start_iot_local
optiga-perso ca init ca --subject "/C=DE/O=Test/CN=Test Root CA" >/dev/null
cp "$OP_SOURCE_DIR/examples/config.json" config.json

optiga-perso personalize --config config.json --ca ca --out po \
    --endpoint-url "$IOT_URL" >run1.txt ||
	fail "personalize failed: $(cat run1.txt)"

caid=$(openssl x509 -in ca/cacert.pem -outform DER | sha256sum | cut -c1-64)
cert=$(ls po/*/cert.pem)
id=$(openssl x509 -in "$cert" -outform DER | sha256sum | cut -c1-64)
arn="arn:aws:iot:us-east-1:123456789012:cert/$id"

iot_aws iot describe-ca-certificate --certificate-id "$caid" \
    --query 'certificateDescription.[status,autoRegistrationStatus]' \
    --output text >ca.txt
[ "$(cat ca.txt)" = "$(printf 'ACTIVE\tENABLE')" ] ||
	fail "CA is not ACTIVE with auto-registration: $(cat ca.txt)"
iot_aws iot describe-certificate --certificate-id "$id" \
    --query 'certificateDescription.[status,caCertificateId]' \
    --output text >dev.txt
[ "$(cat dev.txt)" = "$(printf 'ACTIVE\t%s' "$caid")" ] ||
	fail "device certificate not ACTIVE under the CA: $(cat dev.txt)"
iot_aws iot list-thing-principals --thing-name sensor-0001 \
    --query 'principals' --output text >principals.txt
grep -qx "$arn" principals.txt ||
	fail "the thing does not list $arn: $(cat principals.txt)"
iot_aws iot list-attached-policies --target "$arn" \
    --query 'policies[].policyName' --output text >policies.txt
grep -qx "sensor-policy" policies.txt ||
	fail "the certificate has no sensor-policy: $(cat policies.txt)"
grep -q "\"aws_cert_arn\":\"$arn\"" po/records.jsonl ||
	fail "the record lacks the certificate ARN"
pass "CA, certificate, thing and policy registered and attached"

# a second run registers nothing new: no create or register request
writes() {
	grep -Ec ' op=(Register|Create|Attach|Update|Delete)[A-Za-z]* status=2' \
	    "$IOT_LOG" || true
}
before=$(writes)
[ "$before" -ge 6 ] || fail "the log shows only $before writes by run 1"
optiga-perso personalize --config config.json --ca ca --out po \
    --endpoint-url "$IOT_URL" >run2.txt ||
	fail "second run failed: $(cat run2.txt)"
[ "$(writes)" -eq "$before" ] ||
	fail "second run wrote to AWS: $((before)) -> $(writes) requests"
grep -q "already personalized" run2.txt ||
	fail "second run did not say the work was done: $(cat run2.txt)"
[ "$(iot_aws iot list-ca-certificates --query 'length(certificates)')" \
    -eq 1 ] || fail "more than one CA registered"
[ "$(iot_aws iot list-certificates --query 'length(certificates)')" \
    -eq 1 ] || fail "more than one certificate registered"
pass "second run registers nothing new"

# a wrong secret key: the signature error, named, exit 5
AWS_SECRET_ACCESS_KEY="wrong/secret/key/000000000000000000000000" \
    expect_fail 5 optiga-perso personalize --config config.json --ca ca \
    --out po --endpoint-url "$IOT_URL"
grep -q "InvalidSignatureException" "$T/err" ||
	fail "no signature error named: $(cat "$T/err")"
! grep -q "wrong/secret" "$T/err" "$T/out" || fail "the secret was printed"
pass "wrong secret key: InvalidSignatureException, exit 5"
