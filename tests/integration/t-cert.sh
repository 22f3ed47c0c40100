#!/bin/bash
# cert write / cert read: a chain leaf first, the 1728-byte bound checked
# before the chip is touched, the proof of possession, both formats.
# bus: any
. "$OP_TEST_LIB"

start_sim trust-m3
optiga-perso ca init ca --subject "/CN=Root CA" >/dev/null
optiga-perso ca init inter --subject "/CN=Intermediate CA" --parent ca \
    >/dev/null
cp "$OP_SOURCE_DIR/examples/config.json" config.json
optiga-perso csr --config config.json --slot 0xE0F2 -o dev.csr >/dev/null ||
	fail "csr"
optiga-perso ca sign inter dev.csr -o dev.pem >/dev/null || fail "ca sign"

# the leaf and the intermediate, read back as the same chain
optiga-perso cert write --slot 0xE0E2 dev.pem inter/cacert.pem >w.txt ||
	fail "cert write: $(cat w.txt)"
grep -q "wrote 2 certificates" w.txt || fail "$(cat w.txt)"
optiga-perso cert read --slot 0xE0E2 >chain.pem
[ "$(grep -c 'BEGIN CERTIFICATE' chain.pem)" -eq 2 ] ||
	fail "the slot does not hold two certificates"
cat dev.pem inter/cacert.pem | openssl crl2pkcs7 -nocrl -certfile /dev/stdin |
    openssl pkcs7 -print_certs | grep subject= >want.txt
openssl crl2pkcs7 -nocrl -certfile chain.pem | openssl pkcs7 -print_certs |
    grep subject= >got.txt
cmp want.txt got.txt || fail "chain order or content differs"
openssl verify -CAfile ca/cacert.pem -untrusted <(sed -n '/BEGIN/,$p' \
    inter/cacert.pem) <(openssl x509 -in chain.pem) >/dev/null ||
	fail "the leaf read back does not verify through the intermediate"
pass "a chain written leaf first reads back in order and verifies"

# writing the same again writes nothing
optiga-perso cert write --slot 0xE0E2 dev.pem inter/cacert.pem >w2.txt
grep -q "already holds exactly" w2.txt || fail "rewrote identical bytes"

# a chain over 1728 bytes: refused before the chip is touched
optiga-perso read 0xE0E2 -o before.bin >/dev/null
expect_fail 2 optiga-perso cert write --slot 0xE0E2 dev.pem \
    inter/cacert.pem ca/cacert.pem inter/cacert.pem ca/cacert.pem
grep -q "1728" "$T/err" || fail "the bound is not named: $(cat "$T/err")"
optiga-perso read 0xE0E2 -o after.bin >/dev/null
cmp before.bin after.bin || fail "the refused chain changed the slot"
pass "a chain over 1728 bytes is refused and the slot kept"

# a chain cannot be raw DER; one certificate can
expect_fail 2 optiga-perso cert write --slot 0xE0E2 --format der dev.pem \
    inter/cacert.pem
grep -q "tls" "$T/err" || fail "no hint at the tls format"
optiga-perso cert write --slot 0xE0E2 --format der dev.pem >/dev/null ||
	fail "DER write"
optiga-perso read 0xE0E2 -o der.bin >/dev/null
cmp der.bin <(openssl x509 -in dev.pem -outform DER) ||
	fail "the slot does not hold the raw DER"
pass "der format holds one certificate, raw"

# the certificate must belong to the paired key
optiga-perso keygen --slot 0xE0F3 --alg p256 >/dev/null
expect_fail 6 optiga-perso cert write --slot 0xE0E3 dev.pem
grep -q "does not belong to the key" "$T/err" || fail "$(cat "$T/err")"
optiga-perso cert write --slot 0xE0E3 --force dev.pem >/dev/null ||
	fail "--force did not write"
expect_fail 1 optiga-perso cert read --slot 0xE0E1
grep -q "holds no certificate" "$T/err" || fail "$(cat "$T/err")"
pass "proof of possession refuses a foreign certificate; --force skips it"
