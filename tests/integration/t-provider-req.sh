#!/bin/bash
# openssl req with the chip key through optiga.so: a key made by
# 'optiga-perso keygen', named as optiga:0xE0F1?pub=FILE, signs a CSR that
# plain openssl verifies and that carries exactly that public key.
# bus: any
. "$OP_TEST_LIB"

. "$OP_SOURCE_DIR/tests/integration/provider-lib.sh"

start_sim

# P-256: the README example
optiga-perso keygen --slot 0xE0F1 --alg p256 -o pub.pem
ossl req -new "${PROV[@]}" -key "optiga:0xE0F1?pub=pub.pem" \
    -subj /CN=test -out req.pem
csr_ok req.pem ||
    fail "openssl req -verify rejects the CSR"
openssl req -in req.pem -pubkey -noout >req-pub.pem
same_pub req-pub.pem pub.pem || fail "CSR public key is not pub.pem"
openssl req -in req.pem -noout -text | grep -q ecdsa-with-SHA256 ||
    fail "CSR not signed with ecdsa-with-SHA256"
pass "P-256 CSR through the provider verifies and carries pub.pem"

# the wrong public key: the CSR is made, but its signature cannot verify
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out other.key 2>/dev/null
openssl pkey -in other.key -pubout -out other.pem
ossl req -new "${PROV[@]}" -key "optiga:0xE0F1?pub=other.pem" \
    -subj /CN=test -out bad.pem
if csr_ok bad.pem; then
	fail "a CSR with a foreign public key verified"
fi
pass "a wrong pub= gives a CSR that does not verify"

# P-384 with SHA-384, device named in the URI instead of the environment
optiga-perso keygen --slot 0xE0F2 --alg p384 -o pub384.pem
dev=$OPTIGA_DEVICE
env -u OPTIGA_DEVICE bash -c "$(declare -f ossl); ossl req \
    -new ${PROV[*]} -key 'optiga:0xE0F2?pub=pub384.pem&device=$dev' \
    -sha384 -subj /CN=p384 -out req384.pem"
csr_ok req384.pem ||
    fail "P-384 CSR does not verify"
openssl req -in req384.pem -noout -text | grep -q ecdsa-with-SHA384 ||
    fail "P-384 CSR not signed with SHA-384"
pass "P-384 CSR with device= in the URI"

# RSA-2048: PKCS#1 v1.5 works, PSS is refused with a reason
optiga-perso keygen --slot 0xE0FC --alg rsa2048 -o rsa.pem
ossl req -new "${PROV[@]}" -key "optiga:0xE0FC?pub=rsa.pem" \
    -subj /CN=rsa -out reqrsa.pem
csr_ok reqrsa.pem ||
    fail "RSA CSR does not verify"
openssl req -in reqrsa.pem -noout -text |
    grep -q sha256WithRSAEncryption || fail "RSA CSR not PKCS#1 v1.5"
expect_fail 1 ossl req -new "${PROV[@]}" \
    -key "optiga:0xE0FC?pub=rsa.pem" -sigopt rsa_padding_mode:pss \
    -subj /CN=rsa -out pss.pem
# (openssl req reports only "parameter error" here; the provider's own
# message, which names RSA-PSS, is checked by test_oprov_sim)
[ ! -s pss.pem ] || fail "a PSS CSR was written"
grep -q "rsa_padding_mode:pss" "$T/err" || { cat "$T/err"; fail "PSS?"; }
pass "RSA-2048 CSR (PKCS#1 v1.5); PSS refused"

# errors name the problem
expect_fail 1 ossl req -new "${PROV[@]}" -key "optiga:0xE0F1?bogus=1" \
    -subj /CN=x -out x.pem
grep -q "unknown key URI attribute" "$T/err" ||
    { cat "$T/err"; fail "bad URI not explained"; }
pass "a bad URI is explained"
