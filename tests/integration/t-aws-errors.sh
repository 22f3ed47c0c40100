# Failures of the aws commands: each names the operation and AWS's error,
# adds a hint where one helps, and ends with the documented exit code
# (5 = AWS IoT refused or unreachable, 2 = usage or AWS settings).
# Throttling and 5xx are retried a bounded number of times.
. "$OP_TEST_LIB"

start_iot_local
optiga-perso ca init ca --subject "/O=optiga-perso tests/CN=Err CA" \
    >/dev/null || fail "ca init"

# a wrong secret key
AWS_SECRET_ACCESS_KEY=wrong-secret expect_fail 5 \
    optiga-perso aws register-ca ca --endpoint-url "$IOT_URL"
grep -q "DescribeCACertificate failed: InvalidSignatureException (HTTP 403)" \
    "$T/err" || fail "$(cat "$T/err")"
grep -q "hint: the secret access key does not belong to access key \
$IOT_ACCESS_KEY (from environment)" "$T/err" || fail "$(cat "$T/err")"
! grep -q "wrong-secret" "$T/err" || fail "the secret was printed"
pass "wrong secret: exit 5, InvalidSignatureException and a hint"

# an access key AWS does not know
AWS_ACCESS_KEY_ID=AKIANOSUCHKEY0000000 expect_fail 5 \
    optiga-perso aws endpoint --endpoint-url "$IOT_URL"
grep -q "DescribeEndpoint failed: UnrecognizedClientException" "$T/err" ||
    fail "$(cat "$T/err")"
grep -q "hint: AWS does not know access key AKIANOSUCHKEY0000000" \
    "$T/err" || fail "$(cat "$T/err")"
pass "unknown access key: exit 5, UnrecognizedClientException and a hint"

# settings and usage problems: exit 2, nothing sent
n=$(wc -l <"$IOT_LOG")
(unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
expect_fail 2 optiga-perso aws endpoint --endpoint-url "$IOT_URL")
grep -q "no AWS credentials found" "$T/err" || fail "$(cat "$T/err")"
expect_fail 2 optiga-perso aws endpoint --endpoint-url http://192.0.2.1:80
grep -q "only https:// may be used" "$T/err" || fail "$(cat "$T/err")"
expect_fail 2 optiga-perso aws register-device ca/cacert.pem
grep -q "needs --ca DIR" "$T/err" || fail "$(cat "$T/err")"
expect_fail 2 optiga-perso aws frobnicate
sleep 0.2
[ "$(wc -l <"$IOT_LOG")" -eq "$n" ] || fail "a request was sent"
pass "no credentials, plain http to another host, usage: exit 2"

# nobody listening: retried, then exit 5
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
AWS_MAX_ATTEMPTS=2 expect_fail 5 \
    optiga-perso aws endpoint --endpoint-url "http://127.0.0.1:$port"
grep -q "DescribeEndpoint: cannot reach http://127.0.0.1:$port" "$T/err" ||
    fail "$(cat "$T/err")"
pass "unreachable endpoint: exit 5"
stop_iot_local

# 500s: retried AWS_MAX_ATTEMPTS times, no more
start_iot_local flaky --fail-rate 1
AWS_MAX_ATTEMPTS=3 expect_fail 5 \
    optiga-perso aws endpoint --endpoint-url "$IOT_URL"
grep -q "InternalFailureException (HTTP 500)" "$T/err" &&
    grep -q "gave up after 3 attempts" "$T/err" || fail "$(cat "$T/err")"
sleep 0.2
[ "$(grep -c 'status=500' "$IOT_LOG")" -eq 3 ] ||
    fail "$(grep -c 'status=500' "$IOT_LOG") attempts, expected 3"
pass "InternalFailureException retried 3 times, then exit 5"
stop_iot_local

# throttling: backed off and retried until it passes
start_iot_local thr --throttle DescribeEndpoint=1
for i in 1 2 3; do
	AWS_MAX_ATTEMPTS=10 optiga-perso aws endpoint \
	    --endpoint-url "$IOT_URL" >"ep$i" || fail "throttled call $i"
done
sleep 0.2
grep -q 'op=DescribeEndpoint status=400 code=ThrottlingException' \
    "$IOT_LOG" || fail "never throttled: $(cat "$IOT_LOG")"
[ "$(grep -c 'op=DescribeEndpoint status=200' "$IOT_LOG")" -eq 3 ] ||
    fail "not every call succeeded"
pass "ThrottlingException retried with backoff ($(grep -c \
    ThrottlingException "$IOT_LOG") throttled answers)"
