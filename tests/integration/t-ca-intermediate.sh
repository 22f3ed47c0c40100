# A root, an intermediate below it, a device below that.
. "$OP_TEST_LIB"

optiga-perso ca init root --alg p384 --subject "/C=DE/O=Test/CN=Root"
optiga-perso ca init inter --parent root \
    --subject "/C=DE/O=Test/CN=Intermediate"

openssl verify -CAfile root/cacert.pem inter/cacert.pem >/dev/null ||
    fail "intermediate does not verify against the root"
openssl x509 -in inter/cacert.pem -noout -text |
    grep -A1 "Basic Constraints: critical" | grep -q "CA:TRUE, pathlen:0" ||
    fail "intermediate is not CA:TRUE, pathlen:0"
[ "$(wc -l <root/index.txt)" -eq 1 ] ||
    fail "the root did not record the intermediate"
[ "$(grep -c BEGIN inter/chain.pem)" -eq 2 ] || fail "chain.pem"

openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout dev.key -subj "/CN=dev" -out dev.csr 2>/dev/null
optiga-perso ca sign inter dev.csr -o dev.pem
openssl verify -CAfile root/cacert.pem -untrusted inter/cacert.pem \
    dev.pem >/dev/null || fail "device does not verify through the chain"
expect_fail 2 openssl verify -CAfile root/cacert.pem dev.pem
openssl verify -CAfile root/cacert.pem -untrusted inter/chain.pem \
    dev.pem >/dev/null || fail "chain.pem"
pass "root -> intermediate -> device verifies"

# pathlen 0: no CA below the intermediate
expect_fail 1 optiga-perso ca init sub --parent inter --subject "/CN=sub"
grep -q "pathlen" "$T/err" || fail "message for a CA below an intermediate"
pass "no CA below an intermediate"
