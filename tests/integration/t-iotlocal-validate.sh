# iot-local checks every request against the IoT model that ships with
# Debian's aws CLI: patterns, enums, ranges and lengths the CLI does not
# check itself come back as InvalidRequestException; unknown routes as
# 404; policy documents are parsed.
. "$OP_TEST_LIB"
. "$OP_SOURCE_DIR/tests/iot-local/test-certs.sh"

start_iot_local

expect_aws_error 254 InvalidRequestException \
    iot_aws iot create-thing --thing-name 'bad name!'
grep -q "at 'thingName' failed to satisfy constraint: Member must satisfy regular expression pattern" \
    "$T/err" || fail "message: $(cat "$T/err")"
pass "thing name against its pattern"

expect_aws_error 254 InvalidRequestException \
    iot_aws iot create-thing --thing-name "$(printf 'a%.0s' $(seq 129))"
grep -q "length less than or equal to 128" "$T/err" || fail "$(cat "$T/err")"
pass "thing name length"

expect_aws_error 254 InvalidRequestException \
    iot_aws iot update-certificate --new-status BOGUS \
    --certificate-id "$(printf 'a%.0s' $(seq 64))"
grep -q "enum value set" "$T/err" || fail "$(cat "$T/err")"
pass "status enum"

expect_aws_error 254 InvalidRequestException \
    iot_aws iot describe-certificate \
    --certificate-id "$(printf 'XYZ%.0s' $(seq 21))a"
pass "certificate id pattern"

expect_aws_error 254 InvalidRequestException \
    iot_aws iot list-certificates --no-paginate --page-size 1000
grep -q "value less than or equal to 250" "$T/err" || fail "$(cat "$T/err")"
pass "page size range"

expect_aws_error 254 InvalidRequestException \
    iot_aws iot describe-endpoint --endpoint-type iot:Bogus
pass "endpoint type"

expect_aws_error 254 ResourceNotFoundException \
    iot_aws iot describe-thing --thing-name nothing-here
pass "unknown thing is 404"

expect_aws_error 254 MalformedPolicyException \
    iot_aws iot create-policy --policy-name p1 --policy-document '{"Statement": '
expect_aws_error 254 MalformedPolicyException \
    iot_aws iot create-policy --policy-name p1 \
    --policy-document '{"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Action": "iot:Connect", "Resource": "*"}]}'
pass "malformed policy documents refused"

# an attach to a certificate that does not exist
iot_aws iot create-thing --thing-name t1 >/dev/null
expect_aws_error 254 ResourceNotFoundException \
    iot_aws iot attach-thing-principal --thing-name t1 \
    --principal "arn:aws:iot:us-east-1:123456789012:cert/$(printf 'b%.0s' $(seq 64))"
pass "principal must exist"

# a path no operation has: 404 UnknownOperationException, after auth
curl -sS -D hdr -o body --aws-sigv4 "aws:amz:us-east-1:iot" \
    --user "$IOT_ACCESS_KEY:$IOT_SECRET_KEY" "$IOT_URL/no-such-thing"
grep -q '^HTTP/1.1 404' hdr || fail "$(cat hdr)"
grep -qi '^x-amzn-ErrorType: UnknownOperationException:' hdr ||
    fail "$(cat hdr)"
pass "unknown route is 404 UnknownOperationException"

# the CA registration needs a verification certificate in DEFAULT mode
mk_ca ca
expect_aws_error 254 InvalidRequestException \
    iot_aws iot register-ca-certificate --ca-certificate file://ca.pem
# and rejects one in SNI_ONLY mode
code=$(iot_aws iot get-registration-code --query registrationCode \
    --output text)
mk_leaf ver "$code" ca
expect_aws_error 254 InvalidRequestException \
    iot_aws iot register-ca-certificate --ca-certificate file://ca.pem \
    --verification-certificate file://ver.pem --certificate-mode SNI_ONLY
[ "$(iot_aws iot register-ca-certificate --ca-certificate file://ca.pem \
    --certificate-mode SNI_ONLY --query certificateId --output text)" = \
    "$(cert_id ca.pem)" ] || fail "SNI_ONLY registration"
pass "verification certificate required in DEFAULT, refused in SNI_ONLY"

# nothing the endpoint answered broke its own output check
! grep -q "status=500" "$IOT_LOG" || fail "iot-local answered 500"
