#!/bin/bash
# The whole flow at the highest verbosity (-vvvv, OPTIGA_LOG=trace, the
# emulator at -vvv), with an encrypted CA whose passphrase comes from the
# environment and AWS credentials from the environment: neither the CA
# passphrase nor the AWS secret key (nor their hex) shows in any output or
# any file the flow wrote.  The CA key is 0600 in a private directory, and
# no private key lies anywhere else.
# bus: any
. "$OP_TEST_LIB"

export CA_PW="Ca-Pass-7f3a91-no-leak"
IOT_SECRET_KEY="Secret/Key+9c2e44d1-no-leak-0000000000000"
SIM_ARGS="-vvv" start_sim trust-m3
start_iot_local
optiga-perso -vvvv ca init ca --pass env:CA_PW \
    --subject "/C=DE/O=Test/CN=Secret Root CA" >init.out 2>init.err ||
	fail "ca init failed: $(cat init.err)"
cp "$OP_SOURCE_DIR/examples/config.json" config.json

OPTIGA_LOG=trace optiga-perso -vvvv personalize --config config.json \
    --ca ca --ca-pass env:CA_PW --out po --endpoint-url "$IOT_URL" \
    >run.out 2>run.err || fail "personalize failed: $(tail -5 run.err)"
# and the registration of the CA alone, also at full verbosity
OPTIGA_LOG=trace optiga-perso -vvvv aws register-ca --ca ca \
    --ca-pass env:CA_PW --endpoint-url "$IOT_URL" >reg.out 2>reg.err ||
	true
grep -q '^\[dl\]' run.err ||
	fail "no frame trace in the log: not at the highest verbosity"
grep -q '^\[aws\] POST' run.err ||
	fail "no AWS request in the log: the AWS path was not traced"

hex() { printf '%s' "$1" | xxd -p | tr -d '\n'; }
# every file we made or the flow wrote, minus the endpoint's own files
# (it holds the secret to check signatures) and the encrypted key
files=$(find . -type f ! -name 'iot.*' ! -name 'cakey.pem' ! -name '*.sock')
for f in $files; do
	for s in "$CA_PW" "$IOT_SECRET_KEY"; do
		if grep -qF -- "$s" "$f" || grep -qiF -- "$(hex "$s")" \
		    <(xxd -p "$f" | tr -d '\n'); then
			fail "$f contains a secret"
		fi
	done
done
pass "no passphrase or secret key in $(echo "$files" | wc -w) files" \
    "(stdout, stderr at -vvvv and trace, records, the emulator's log)"

# the CA key: encrypted, 0600, in a directory only its owner enters
[ "$(stat -c %a ca/private/cakey.pem)" = 600 ] ||
	fail "cakey.pem is $(stat -c %a ca/private/cakey.pem), not 600"
grep -q "ENCRYPTED PRIVATE KEY" ca/private/cakey.pem ||
	fail "the CA key is not encrypted"
[ "$(stat -c %a ca/private)" = 700 ] ||
	fail "ca/private is $(stat -c %a ca/private), not 700"
others=$(grep -rl "PRIVATE KEY" . --exclude=cakey.pem || true)
[ -z "$others" ] || fail "private keys outside ca/private: $others"
pass "CA key encrypted and 0600 in a 0700 directory; no other private key"

# a wrong passphrase is named as such, and the wrong one is not echoed
export BAD_PW="Wrong-Pass-55aa-no-leak"
expect_fail 1 optiga-perso -vvvv ca sign ca po/*/csr.pem --pass env:BAD_PW \
    -o x.pem
grep -q "passphrase" "$T/err" || fail "no passphrase message: $(cat "$T/err")"
grep -qF "$BAD_PW" "$T/err" "$T/out" && fail "the wrong passphrase is echoed"
pass "a wrong passphrase is refused without being echoed"
