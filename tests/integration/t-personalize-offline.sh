#!/bin/bash
# personalize --no-aws: the whole offline flow on a fresh emulated chip
# with a fresh CA, checked with openssl; a second run recognises the work;
# --force redoes it.
# bus: any
. "$OP_TEST_LIB"

start_sim trust-m3
optiga-perso ca init ca --subject "/C=DE/O=Test/CN=Test Root CA" >/dev/null
cp "$OP_SOURCE_DIR/examples/config.json" config.json

optiga-perso personalize --config config.json --ca ca --no-aws --out po \
    >run1.txt || fail "personalize failed: $(cat run1.txt)"
uid=$(optiga-perso --json info |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["uid"]["hex"])')
[ ${#uid} -eq 54 ] || fail "no 27-byte UID from info: '$uid'"
d="po/$uid"
[ -f "$d/csr.pem" ] && [ -f "$d/cert.pem" ] && [ -f "$d/pub.pem" ] ||
	fail "per-chip files missing in $d: $(ls "$d")"

# the CSR: signature, subject as configured, the chip's public key
openssl req -in "$d/csr.pem" -verify -noout 2>&1 | grep -q "verify OK" ||
	fail "the CSR does not verify"
subj=$(openssl req -in "$d/csr.pem" -noout -subject)
for want in "C = DE" "ST = Bayern" "O = Example Devices GmbH" \
    "CN = sensor-0001"; do
	grep -q "$want" <<<"$subj" || fail "CSR subject lacks $want: $subj"
done
openssl req -in "$d/csr.pem" -noout -pubkey >csr-pub.pem
cmp <(openssl pkey -pubin -in csr-pub.pem -outform DER) \
    <(openssl pkey -pubin -in "$d/pub.pem" -outform DER) ||
	fail "the CSR's key is not the one generated"
# ... and the chip holds the private half of it
head -c 100 /dev/urandom >msg.bin
optiga-perso sign --slot 0xE0F1 --in msg.bin -o msg.sig >/dev/null
openssl dgst -sha256 -verify csr-pub.pem -signature msg.sig msg.bin \
    >/dev/null || fail "a signature by 0xE0F1 does not verify under the CSR key"
pass "CSR verifies, names C=DE, ST=Bayern, the subject, the chip's key"

# the certificate: issued by the CA, in the paired slot, byte for byte
openssl verify -CAfile ca/cacert.pem "$d/cert.pem" >/dev/null ||
	fail "the certificate does not verify against the CA"
optiga-perso cert read --slot 0xE0E1 >slot.pem
cmp <(openssl x509 -in slot.pem -outform DER) \
    <(openssl x509 -in "$d/cert.pem" -outform DER) ||
	fail "0xE0E1 does not hold the issued certificate"
# stored in the TLS identity form: C0, lengths, then the DER
openssl x509 -in "$d/cert.pem" -outform DER >cert.der
n=$(stat -c %s cert.der)
optiga-perso read 0xE0E1 -o slot.bin >/dev/null
[ "$(stat -c %s slot.bin)" -eq $((n + 9)) ] ||
	fail "slot holds $(stat -c %s slot.bin) bytes, expected $((n + 9))"
cmp <(tail -c "$n" slot.bin) cert.der || fail "slot DER differs"
[ "$(head -c 1 slot.bin | xxd -p)" = c0 ] || fail "slot is not 0xC0 form"
pass "certificate verifies, sits in 0xE0E1 and reads back byte for byte"

# the record has a line per step
for step in keygen csr sign prove write personalized; do
	grep -q "\"step\":\"$step\"" po/records.jsonl ||
		fail "no '$step' line in the record"
done
serial=$(openssl x509 -in "$d/cert.pem" -noout -serial)
# the CSR signed by the chip in this run already proved possession
grep -q '"proof":"csr signature"' po/records.jsonl ||
	fail "possession not proven by the CSR signature"

# a second run recognises the finished work
lines=$(wc -l <ca/index.txt)
optiga-perso personalize --config config.json --ca ca --no-aws --out po \
    >run2.txt || fail "second run failed: $(cat run2.txt)"
grep -q "already personalized" run2.txt ||
	fail "second run did not say the work was done: $(cat run2.txt)"
[ "$(grep -c 'skipped (already done)' run2.txt)" -eq 5 ] ||
	fail "second run redid steps: $(cat run2.txt)"
[ "$(wc -l <ca/index.txt)" -eq "$lines" ] || fail "second run signed again"
[ "$(openssl x509 -in "$d/cert.pem" -noout -serial)" = "$serial" ] ||
	fail "second run replaced the certificate"
pass "second run changes nothing and says so"

# --force redoes everything: new key, new certificate, written and proven
optiga-perso personalize --config config.json --ca ca --no-aws --out po \
    --force >run3.txt || fail "--force run failed: $(cat run3.txt)"
[ "$(grep -c ' done$' run3.txt)" -eq 5 ] ||
	fail "--force did not redo the 5 steps: $(cat run3.txt)"
[ "$(openssl x509 -in "$d/cert.pem" -noout -serial)" != "$serial" ] ||
	fail "--force kept the old certificate"
optiga-perso cert read --slot 0xE0E1 >slot3.pem
cmp <(openssl x509 -in slot3.pem -outform DER) \
    <(openssl x509 -in "$d/cert.pem" -outform DER) ||
	fail "after --force, 0xE0E1 does not hold the new certificate"
pass "--force redoes every step"
