#!/bin/bash
# keygen: every key type on a Trust M3 gives a PEM public key that
# OpenSSL reads, of the right type; slot/type mismatches are refused
# before the chip is touched.
# bus: any
. "$OP_TEST_LIB"

start_sim trust-m3

check_key() {	# ALG SLOT EXPECT (a line of 'openssl pkey -text')
	optiga-perso keygen --slot "$2" --alg "$1" -o "$1.pem" >/dev/null ||
		fail "keygen $1 in $2 failed"
	openssl pkey -pubin -in "$1.pem" -noout -text >"$1.txt" ||
		fail "openssl cannot read the $1 public key"
	grep -q "$3" "$1.txt" || fail "$1: '$3' not in openssl's view"
	pass "$1 in $2: $3"
}

check_key p256 key1 'ASN1 OID: prime256v1'
check_key p384 key2 'ASN1 OID: secp384r1'
check_key p521 key3 'ASN1 OID: secp521r1'
check_key bp256 key1 'ASN1 OID: brainpoolP256r1'
check_key bp384 key2 'ASN1 OID: brainpoolP384r1'
check_key bp512 key3 'ASN1 OID: brainpoolP512r1'
check_key rsa1024 rsa1 'Public-Key: (1024 bit)'
check_key rsa2048 rsa2 'Public-Key: (2048 bit)'

# the metadata now names the type and the usage given
optiga-perso keygen --slot key1 --alg p256 --usage sign,keyagree \
    -o ka.pem >/dev/null
optiga-perso read --meta key1 >meta.txt
grep -Eq '^algorithm +p256 \(0x03\)$' meta.txt || fail "E0 tag not p256"
grep -Eq '^usage +sign,keyagree \(0x30\)$' meta.txt ||
	fail "E1 tag not sign,keyagree"
pass "metadata shows algorithm and usage"

# PEM on stdout without -o, and --json
optiga-perso keygen --slot key2 --alg p256 >stdout.pem
openssl pkey -pubin -in stdout.pem -noout || fail "stdout PEM unreadable"
optiga-perso --json keygen --slot key2 --alg p256 >kg.json
/usr/bin/python3 -c '
import json; d = json.load(open("kg.json"))
assert d["ok"] and d["slot"] == "0xE0F2" and d["algorithm"] == "p256"
assert d["public_key_pem"].startswith("-----BEGIN PUBLIC KEY-----")
' || fail "keygen --json"
pass "PEM on stdout and in --json"

# mismatches fail as usage errors without a device: the chip is not
# touched (a chip contact would give exit 3 here)
for args in "--slot key1 --alg rsa2048" "--slot rsa1 --alg p256" \
    "--slot cert1 --alg p256" "--slot key1 --alg ed25519" \
    "--slot key1 --alg p256 --usage sign,bogus"; do
	# shellcheck disable=SC2086
	expect_fail 2 optiga-perso -d "sim:$T/none.sock" keygen $args
done
grep -q "'bogus'" "$T/err" || fail "bad usage not named"
pass "slot/type mismatches refused before touching the chip"
