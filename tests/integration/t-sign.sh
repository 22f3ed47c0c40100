#!/bin/bash
# sign: 300 P-256 signatures over random digests from 0xE0F1, all valid
# DER (OpenSSL's ECDSA verify re-encodes and compares) and all verifying;
# RSA-2048 and host hashing verify too.
# bus: any
. "$OP_TEST_LIB"

start_sim trust-m3

optiga-perso keygen --slot key1 --alg p256 -o pub.pem >/dev/null

n=300
short=0
for i in $(seq 1 "$n"); do
	openssl rand -out d.bin 32
	optiga-perso sign --slot key1 --digest "$(xxd -p -c 64 d.bin)" \
	    -o s.der >/dev/null || fail "signature $i failed"
	# strict DER: parses, and re-encoding gives the same bytes
	openssl asn1parse -inform DER -in s.der >asn.txt 2>&1 ||
		fail "signature $i is not DER: $(xxd -p s.der)"
	openssl pkeyutl -verify -pubin -inkey pub.pem -in d.bin \
	    -sigfile s.der >/dev/null ||
		fail "signature $i does not verify: $(xxd -p s.der)"
	# count the integers the chip would have sent non-minimally
	if grep -q 'INTEGER *:[0-7][0-9A-F]\{61\}$' asn.txt; then
		short=$((short + 1))
	fi
done
pass "$n P-256 signatures: DER, verified ($short with a shortened r or s)"

# --in hashes on the host; sha384 and sha512 are cut to the curve size
head -c 100000 /dev/urandom >msg.bin
for h in sha256 sha384 sha512; do
	optiga-perso sign --slot key1 --in msg.bin --hash "$h" -o m.sig \
	    >/dev/null || fail "sign --hash $h"
	openssl dgst "-$h" -verify pub.pem -signature m.sig msg.bin \
	    >/dev/null || fail "P-256 over $h does not verify"
done
pass "P-256 with --in and sha256/384/512"

# P-521 (66-byte integers, long-form SEQUENCE length)
optiga-perso keygen --slot key2 --alg p521 -o p521.pem >/dev/null
for i in 1 2 3 4 5; do
	optiga-perso sign --slot key2 --in msg.bin --hash sha512 -o p.sig \
	    >/dev/null
	openssl dgst -sha512 -verify p521.pem -signature p.sig msg.bin \
	    >/dev/null || fail "P-521 signature $i does not verify"
done
pass "P-521 signatures verify"

# RSA-2048: raw PKCS#1 v1.5, 256 bytes
optiga-perso keygen --slot rsa1 --alg rsa2048 -o rsa.pem >/dev/null
for h in sha256 sha384 sha512; do
	optiga-perso sign --slot rsa1 --in msg.bin --hash "$h" -o r.sig \
	    >/dev/null || fail "RSA sign $h"
	[ "$(stat -c %s r.sig)" -eq 256 ] || fail "RSA signature size"
	openssl dgst "-$h" -verify rsa.pem -signature r.sig msg.bin \
	    >/dev/null || fail "RSA-2048 over $h does not verify"
done
pass "RSA-2048 signatures verify (sha256/384/512)"

# hex on stdout and --json
sig=$(optiga-perso sign --slot key1 --digest "$(openssl rand -hex 32)")
[[ $sig =~ ^30[0-9a-f]+$ ]] || fail "hex signature '$sig'"
optiga-perso --json sign --slot key1 --in msg.bin >s.json
/usr/bin/python3 -c '
import json; d = json.load(open("s.json"))
assert d["ok"] and d["format"] == "der" and d["algorithm"] == "p256"
assert d["signature"].startswith("30") and len(d["digest"]) == 64
' || fail "sign --json"
pass "hex and JSON output"

# usage errors: neither or both of --digest/--in, a short digest
expect_fail 2 optiga-perso sign --slot key1
expect_fail 2 optiga-perso sign --slot key1 --digest 00 --in msg.bin
expect_fail 2 optiga-perso sign --slot key1 --digest 0011
# an empty slot: the chip refuses
expect_fail 4 optiga-perso sign --slot key3 --digest "$(openssl rand -hex 32)"
pass "bad arguments exit 2, an empty slot exits 4"
