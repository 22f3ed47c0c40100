#!/bin/bash
# The README's first command, as a newcomer runs it: scripts/demo.sh
# builds a Release tree (warnings as errors), personalizes an emulated
# chip against the local AWS IoT endpoint and shows the result; run
# again, it recognises every step as done.
. "$OP_TEST_LIB"

export OP_DEMO_BUILD="$OP_BUILD_DIR/demo-build"
# the demo's own servers and AWS settings, not the test harness's
unset OPTIGA_DEVICE LD_PRELOAD AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY

"$OP_SOURCE_DIR/scripts/demo.sh" "$T/demo" >run1.txt 2>&1 ||
	fail "demo failed: $(tail -20 run1.txt)"
for want in '"status": "ACTIVE"' '"autoRegistration": "ENABLE"' \
    '"policyName": "sensor-policy"' 'aws-device +done'; do
	grep -Eq -- "$want" run1.txt || fail "demo output lacks $want"
done
openssl verify -CAfile "$T/demo/ca/cacert.pem" "$T"/demo/out/*/cert.pem \
    >/dev/null || fail "the demo's certificate does not verify"
pass "scripts/demo.sh personalizes and registers an emulated chip"

"$OP_SOURCE_DIR/scripts/demo.sh" "$T/demo" >run2.txt 2>&1 ||
	fail "second demo run failed: $(tail -20 run2.txt)"
grep -q "already personalized" run2.txt ||
	fail "the second run did not recognise the work: $(tail -20 run2.txt)"
pass "run again, it recognises every step as done"
