#!/bin/bash
# Products: a Trust X has no RSA, no P-521 and no 0xE0FC; a Trust M V1
# has no P-521.  The chip refuses (exit 4) and the message says why.
# bus: any
. "$OP_TEST_LIB"

start_sim trust-x x
optiga-perso info >x.txt
grep -Eq '^product +OPTIGA Trust X, firmware build [0-9]+$' x.txt ||
	fail "Trust X not detected: $(grep product x.txt)"
grep -q '0xE0FC' x.txt && fail "Trust X lists 0xE0FC"
optiga-perso keygen --slot key1 --alg p256 -o p256.pem >/dev/null ||
	fail "Trust X p256"
optiga-perso keygen --slot key2 --alg p384 -o p384.pem >/dev/null ||
	fail "Trust X p384"
expect_fail 4 optiga-perso keygen --slot key1 --alg p521
grep -q 'does not support p521' "$T/err" || fail "p521: $(cat "$T/err")"
expect_fail 4 optiga-perso keygen --slot rsa1 --alg rsa2048
grep -q 'has no object 0xE0FC' "$T/err" || fail "rsa: $(cat "$T/err")"
expect_fail 4 optiga-perso read --meta 0xE0FC
grep -q '0x8001' "$T/err" || fail "E0FC meta: $(cat "$T/err")"
# the earlier key is still there and signs
optiga-perso sign --slot key1 --in x.txt -o s.der >/dev/null
openssl dgst -sha256 -verify p256.pem -signature s.der x.txt >/dev/null ||
	fail "Trust X signature"
pass "trust-x: p256/p384 only, no 0xE0FC"

start_sim trust-m1 m1
optiga-perso info >m1.txt
grep -Eq '^product +OPTIGA Trust M V1, firmware build [0-9]+$' m1.txt ||
	fail "Trust M V1 not detected: $(grep product m1.txt)"
expect_fail 4 optiga-perso keygen --slot key1 --alg p521
grep -q 'does not support p521' "$T/err" || fail "m1 p521: $(cat "$T/err")"
optiga-perso keygen --slot rsa1 --alg rsa2048 -o r.pem >/dev/null ||
	fail "Trust M V1 rsa2048"
optiga-perso keygen --slot key1 --alg p256 -o m1.pem >/dev/null ||
	fail "Trust M V1 p256"
pass "trust-m1: no p521; rsa2048 and p256 work"
