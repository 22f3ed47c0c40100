# iot-local checks SigV4 on its own: wrong secret, unknown key, missing
# signature, wrong region, expired date and session tokens are refused
# the way AWS refuses them; both signing names (execute-api from
# Debian's aws 2.9, iot from aws v1 and curl) are accepted.
. "$OP_TEST_LIB"
. "$OP_SOURCE_DIR/tests/iot-local/test-certs.sh"

start_iot_local

# Debian's CLI signs as execute-api
iot_aws iot get-registration-code >/dev/null
grep -q "op=GetRegistrationCode status=200 who=$IOT_ACCESS_KEY/execute-api" \
    "$IOT_LOG" || fail "no execute-api signed request in the log"
pass "/usr/bin/aws (service execute-api) accepted"

# wrong secret: the signature does not match
AWS_SECRET_ACCESS_KEY="${IOT_SECRET_KEY}x" expect_aws_error 254 \
    InvalidSignatureException iot_aws iot list-certificates
grep -q "signature we calculated does not match" "$T/err" ||
    fail "message: $(cat "$T/err")"
pass "wrong secret key refused (254, InvalidSignatureException)"

AWS_ACCESS_KEY_ID=AKIAOTHERKEY00000000 expect_aws_error 254 \
    UnrecognizedClientException iot_aws iot list-certificates
pass "unknown access key refused (UnrecognizedClientException)"

expect_aws_error 254 MissingAuthenticationTokenException \
    iot_aws iot list-certificates --no-sign-request
pass "unsigned request refused (MissingAuthenticationTokenException)"

AWS_DEFAULT_REGION=eu-west-1 expect_aws_error 254 \
    InvalidSignatureException iot_aws iot list-certificates
grep -q "scoped to a valid region" "$T/err" || fail "$(cat "$T/err")"
pass "credential scope of another region refused"

AWS_SESSION_TOKEN=some-token expect_aws_error 254 \
    UnrecognizedClientException iot_aws iot list-certificates
pass "session token refused when none is configured"

# curl 7.88's own signer for a simple GET is a third, independent client
curl -sS -o curl.out -w '%{http_code}' --aws-sigv4 "aws:amz:us-east-1:iot" \
    --user "$IOT_ACCESS_KEY:$IOT_SECRET_KEY" \
    "$IOT_URL/registrationcode" >curl.code
[ "$(cat curl.code)" = 200 ] || fail "curl got $(cat curl.code): $(cat curl.out)"
grep -q '"registrationCode"' curl.out || fail "curl body $(cat curl.out)"
grep -q "who=$IOT_ACCESS_KEY/iot " "$IOT_LOG" ||
    fail "no iot-signed request in the log"
pass "curl --aws-sigv4 (service iot) accepted"

curl -sS -D curl.hdr -o curl.out --aws-sigv4 "aws:amz:us-east-1:iot" \
    --user "$IOT_ACCESS_KEY:wrong" "$IOT_URL/registrationcode"
grep -q '^HTTP/1.1 403' curl.hdr || fail "$(cat curl.hdr)"
grep -qi '^x-amzn-ErrorType: InvalidSignatureException:' curl.hdr ||
    fail "$(cat curl.hdr)"
grep -qi '^x-amzn-RequestId: ' curl.hdr || fail "no request id"
grep -q '"message"' curl.out || fail "no message in $(cat curl.out)"
pass "wrong signature answered 403 in rest-json error form"

# a request dated 2015 is refused before its signature is looked at
curl -sS -o curl.out -H "X-Amz-Date: 20150830T123600Z" \
    -H "Authorization: AWS4-HMAC-SHA256 Credential=$IOT_ACCESS_KEY/20150830/us-east-1/iot/aws4_request, SignedHeaders=host;x-amz-date, Signature=$(printf '0%.0s' $(seq 64))" \
    "$IOT_URL/registrationcode"
grep -q "Signature expired" curl.out || fail "$(cat curl.out)"
pass "expired date refused"

# the pip-installed aws v1 (if any) signs as iot
v1=$(type -ap aws | grep -v -x -e /usr/bin/aws -e /bin/aws | head -n 1 || true)
if [ -n "$v1" ] && "$v1" --version 2>&1 | grep -q '^aws-cli/1\.'; then
	n=$(grep -c "who=$IOT_ACCESS_KEY/iot " "$IOT_LOG")
	"$v1" --endpoint-url "$IOT_URL" iot list-certificates >/dev/null
	[ "$(grep -c "who=$IOT_ACCESS_KEY/iot " "$IOT_LOG")" -gt "$n" ] ||
	    fail "aws v1 request not logged as signed with iot"
	AWS_SECRET_ACCESS_KEY=wrong expect_aws_error 255 \
	    InvalidSignatureException "$v1" --endpoint-url "$IOT_URL" \
	    iot list-certificates
	pass "aws v1 at $v1 (service iot) accepted; wrong secret refused"
else
	echo "note: no pip-installed aws v1 on PATH; iot signing checked" \
	    "with curl only"
fi

# temporary credentials: the configured token must come, and match
stop_iot_local
start_iot_local tok --session-token "FwoGZXIvYXdzEXAMPLETOKEN/+="
AWS_SESSION_TOKEN="FwoGZXIvYXdzEXAMPLETOKEN/+=" iot_aws iot \
    get-registration-code >/dev/null
AWS_SESSION_TOKEN=other expect_aws_error 254 \
    UnrecognizedClientException iot_aws iot get-registration-code
expect_aws_error 254 UnrecognizedClientException \
    iot_aws iot get-registration-code
pass "session token: right one accepted, wrong or missing refused"

! grep -q -e "$IOT_SECRET_KEY" -e EXAMPLETOKEN "$T"/*.log ||
    fail "a secret reached the log"
pass "no secret in the logs"
