# iot-local's own self-test (published SigV4 vectors), then the load-test
# knobs: --throttle answers ThrottlingException beyond a rate, and
# --fail-rate answers 500 InternalFailureException, which the CLI
# retries.
. "$OP_TEST_LIB"

/usr/bin/python3 "$OP_SOURCE_DIR/tests/iot-local/iot-local" --self-test \
    >selftest.out || { cat selftest.out >&2; fail "self-test"; }
grep -q "^0 failures" selftest.out || fail "$(tail -n 3 selftest.out)"
pass "self-test: $(grep -c '^ok' selftest.out) checks"

start_iot_local thr --throttle ListCertificates=0.01
iot_aws iot list-certificates >/dev/null
expect_fail 254 iot_aws iot list-certificates
grep -q "(ThrottlingException)" "$T/err" || fail "$(cat "$T/err")"
iot_aws iot get-registration-code >/dev/null
pass "ListCertificates throttled at 0.01/s; other operations not"
stop_iot_local

start_iot_local flaky --fail-rate 1
expect_fail 254 iot_aws iot list-certificates
grep -q "(InternalFailureException)" "$T/err" || fail "$(cat "$T/err")"
[ "$(grep -c "status=500" "$IOT_LOG")" -eq 1 ] || fail "retried at 1 attempt"
AWS_MAX_ATTEMPTS=3 expect_fail 254 iot_aws iot list-certificates
[ "$(grep -c "status=500" "$IOT_LOG")" -eq 4 ] ||
    fail "$(grep -c "status=500" "$IOT_LOG") answers, expected 1 + 3"
pass "injected 500s; the CLI retries them (3 attempts)"
