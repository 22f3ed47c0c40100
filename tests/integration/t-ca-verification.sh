# The verification certificate for AWS IoT CA registration.
. "$OP_TEST_LIB"

CODE=0f4c1e7a9b2d3c8e5f6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a
optiga-perso ca init ca --alg rsa2048 --subject "/C=DE/CN=Reg CA"
optiga-perso ca verification-cert ca --code "$CODE" -o v.pem
[ "$(openssl x509 -in v.pem -noout -subject -nameopt RFC2253)" = \
    "subject=CN=$CODE" ] || fail "CN is not the registration code"
openssl verify -CAfile ca/cacert.pem v.pem >/dev/null ||
    fail "verification certificate does not verify"
openssl x509 -in v.pem -noout -issuer -nameopt RFC2253 |
    grep -q "CN=Reg CA" || fail "issuer"
grep -q "	/CN=$CODE\$" ca/index.txt || fail "not recorded in index.txt"
pass "verification certificate"

expect_fail 2 optiga-perso ca verification-cert ca -o v2.pem
grep -q -- "--code" "$T/err" || fail "missing --code message"
pass "--code required"
