#!/bin/bash
# The CA key in a PKCS#11 token (SoftHSM2, through libp11's pkcs11
# engine): 'ca init --ca-key pkcs11:...' makes the CA certificate with
# the token's key and writes no key file; chips personalized in parallel
# get certificates that verify against the CA certificate; the PIN comes
# from --ca-pass or pin-value and never lands in ca.json; a wrong PIN is
# refused.
# bus: any
. "$OP_TEST_LIB"

module=/usr/lib/softhsm/libsofthsm2.so
[ -e "$module" ] || fail "SoftHSM2 is not installed ($module)"
[ -e "$(openssl version -e | sed 's/.*"\(.*\)"/\1/')/pkcs11.so" ] ||
	fail "libengine-pkcs11-openssl is not installed"

# libp11 0.4.12 leaks its method tables (RSA_meth_dup and the like, made
# while OpenSSL loads or unloads the engine) after a failed login: not our
# memory.  Keep LeakSanitizer quiet about exactly those two paths, with
# full stacks so the suppression can match.
printf 'leak:ENGINE_remove\nleak:ENGINE_by_id\n' >"$T/lsan.supp"
export LSAN_OPTIONS="suppressions=$T/lsan.supp"
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:fast_unwind_on_malloc=0"

mkdir "$T/tokens"
printf '%s\n' "directories.tokendir = $T/tokens" \
    "objectstore.backend = file" "log.level = ERROR" >"$T/softhsm2.conf"
export SOFTHSM2_CONF="$T/softhsm2.conf"
softhsm2-util --init-token --free --label ca --pin 1234 --so-pin 5678 \
    >/dev/null
# the key is made outside and imported, then its file destroyed
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out k.pem 2>/dev/null
openssl pkey -in k.pem -pubout -out token-pub.pem
softhsm2-util --import k.pem --token ca --label ca-key --id 01 \
    --pin 1234 >/dev/null
shred -u k.pem 2>/dev/null || rm -f k.pem
export PIN=1234
uri="pkcs11:token=ca;object=ca-key;type=private?module-path=$module"

optiga-perso ca init ca --subject "/C=DE/O=Test/CN=HSM Root CA" \
    --ca-key "$uri" --pass env:PIN >init.txt || fail "ca init --ca-key"
[ -z "$(ls -A ca/private)" ] || fail "ca/private is not empty: $(ls ca/private)"
! grep -rl "PRIVATE KEY" ca >/dev/null || fail "a private key in ca/"
cmp <(openssl x509 -in ca/cacert.pem -noout -pubkey) token-pub.pem ||
	fail "the CA certificate does not carry the token's key"
openssl verify -CAfile ca/cacert.pem ca/cacert.pem >/dev/null ||
	fail "the CA certificate is not self-signed by the token's key"
grep -q '"key_uri": "pkcs11:token=ca;object=ca-key' ca/ca.json ||
	fail "ca.json does not name the key: $(cat ca/ca.json)"
pass "ca init: certificate signed in the token, no key file"

cp "$OP_SOURCE_DIR/examples/config.json" config.json
devs=()
for i in 1 2 3; do
	start_sim trust-m3 "chip$i"
	devs+=("$SIM_DEVICE")
done
unset OPTIGA_DEVICE
list=$(IFS=,; echo "${devs[*]}")
optiga-perso personalize --config config.json --ca ca --ca-pass env:PIN \
    --no-aws --out po --devices "$list" --jobs 3 >run1.txt 2>run1.err ||
	{ cat run1.txt run1.err >&2; fail "personalize with the HSM CA"; }
n=0
for c in po/*/cert.pem; do
	openssl verify -CAfile ca/cacert.pem "$c" >/dev/null ||
		fail "$c does not verify against the CA"
	n=$((n + 1))
done
[ "$n" -eq 3 ] || fail "$n certificates, want 3"
[ "$(wc -l <ca/index.txt)" -eq 3 ] || fail "index.txt: $(cat ca/index.txt)"
pass "3 chips in parallel, certificates signed in the token verify"

# --ca-key on the command line, PIN in the URI: it is used, not stored
pinuri="pkcs11:token=ca;object=ca-key;type=private?pin-value=1234"
pinuri="$pinuri&module-path=$module"
optiga-perso -d "${devs[0]}" personalize --config config.json --ca ca \
    --ca-key "$pinuri" \
    --no-aws --out po2 >run2.txt 2>run2.err ||
	{ cat run2.txt run2.err >&2; fail "personalize --ca-key"; }
openssl verify -CAfile ca/cacert.pem po2/*/cert.pem >/dev/null ||
	fail "--ca-key: the certificate does not verify"
! grep -rq "pin-value\|1234" ca/ca.json || fail "the PIN is in ca.json"
pass "--ca-key with pin-value signs; the PIN is not stored"

PIN=9999 expect_fail 1 optiga-perso -d "${devs[1]}" personalize \
    --config config.json --ca ca --ca-pass env:PIN --no-aws --force \
    --out po3
grep -q "no private key at pkcs11:token=ca;object=ca-key" "$T/err" ||
	fail "wrong PIN: $(cat "$T/err")"
! grep -q 9999 "$T/err" || fail "the PIN is in the message"
pass "a wrong PIN is refused and not echoed (exit 1)"
