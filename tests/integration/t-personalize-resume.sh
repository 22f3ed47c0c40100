#!/bin/bash
# personalize resumes from the record: a run stopped at the CA signature
# (no passphrase for the encrypted CA key) leaves key and CSR done; the
# next run skips them and finishes.  A record that claims more than is
# true (slot rewritten by hand) makes the step run again.
# bus: any
. "$OP_TEST_LIB"

start_sim trust-m3
export CA_PASS="correct horse battery staple"
optiga-perso ca init ca --subject "/CN=Encrypted CA" --pass env:CA_PASS \
    >/dev/null
cp "$OP_SOURCE_DIR/examples/config.json" config.json

# interrupted: the CA key cannot be opened
expect_fail 1 env -u CA_PASS optiga-perso personalize --config config.json \
    --ca ca --no-aws --out po --ca-pass env:CA_PASS
grep -q "CA_PASS" "$T/err" || fail "the failure does not name the \
passphrase source: $(cat "$T/err")"
grep -q '"step":"csr".*"outcome":"ok"\|"outcome":"ok".*"step":"csr"' \
    po/records.jsonl || fail "csr not recorded as done"
grep -q '"outcome":"failed"' po/records.jsonl ||
	fail "the failed sign step is not recorded"
pub1=$(cat po/*/pub.pem)

optiga-perso personalize --config config.json --ca ca --no-aws --out po \
    --ca-pass env:CA_PASS >run2.txt || fail "resume failed: $(cat run2.txt)"
grep -Eq 'keygen +skipped' run2.txt || fail "resume regenerated the key"
grep -Eq 'csr +skipped' run2.txt || fail "resume rebuilt the CSR"
grep -Eq 'sign +done' run2.txt || fail "resume did not sign"
grep -Eq 'write +done' run2.txt || fail "resume did not write"
[ "$(cat po/*/pub.pem)" = "$pub1" ] || fail "the key changed"
# the CSR was signed in an earlier run: a fresh challenge proves the key
grep -q '"proof":"challenge"' po/records.jsonl ||
	fail "possession not proven by a fresh challenge on resume"
openssl verify -CAfile ca/cacert.pem po/*/cert.pem >/dev/null ||
	fail "resumed certificate does not verify"
pass "interrupted at sign, resumed without redoing keygen and CSR"

# the passphrase is never printed
! grep -rq "correct horse" "$T"/*.txt "$T/err" "$T/out" po ||
	fail "the passphrase appears in output"

# the slot is overwritten behind the tool's back: the record is not
# trusted blindly and the certificate is written again
head -c 600 /dev/urandom >junk.bin
optiga-perso write 0xE0E1 junk.bin --erase >/dev/null
optiga-perso personalize --config config.json --ca ca --no-aws --out po \
    --ca-pass env:CA_PASS >run3.txt || fail "third run failed"
grep -Eq 'write +done' run3.txt ||
	fail "a clobbered slot was not rewritten: $(cat run3.txt)"
grep -Eq 'sign +skipped' run3.txt || fail "third run signed again"
optiga-perso cert read --slot 0xE0E1 | openssl x509 -noout >/dev/null ||
	fail "slot does not hold a certificate after the third run"
pass "a slot changed behind the record's back is written again"

# the key is replaced behind the record's back: the recorded public key no
# longer verifies a signature by the slot, so the key (and everything
# after it) is made again, with a warning
optiga-perso keygen --slot 0xE0F1 --alg p256 >/dev/null
optiga-perso personalize --config config.json --ca ca --no-aws --out po \
    --ca-pass env:CA_PASS >run4.txt 2>run4.err || fail "fourth run failed"
grep -q "no longer holds the key recorded" run4.err ||
	fail "no warning about the replaced key: $(cat run4.err)"
grep -Eq 'keygen +done' run4.txt || fail "the key was not made again"
grep -Eq 'write +done' run4.txt || fail "the new certificate not written"
[ "$(cat po/*/pub.pem)" != "$pub1" ] || fail "pub.pem still the old key"
optiga-perso cert read --slot 0xE0E1 | openssl x509 -noout -pubkey |
    cmp - <(openssl pkey -pubin -in po/*/pub.pem) ||
	fail "the slot's certificate does not carry the new key"
pass "a key replaced behind the record's back is detected and redone"
