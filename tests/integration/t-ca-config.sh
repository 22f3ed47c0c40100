# The config file through the CLI: the example accepted, mistakes
# reported with the JSON path and what is allowed, exit code 2.
. "$OP_TEST_LIB"

EX="$OP_SOURCE_DIR/examples/config.json"
optiga-perso ca init ca --config "$EX"
want="CN=Example Devices GmbH Root CA,O=Example Devices GmbH,ST=Bayern"
want="$want,C=DE"
openssl x509 -in ca/cacert.pem -noout -subject -nameopt RFC2253 |
    grep -q "$want" || fail "CA subject from the config"
optiga-perso ca init ca2 --config "$EX" --cn "Line 7 CA"
openssl x509 -in ca2/cacert.pem -noout -subject | grep -q "CN = Line 7 CA" ||
    fail "--cn"
pass "example config accepted"

sed 's/"secp256r1"/"secp999"/' "$EX" >bad.json
expect_fail 2 optiga-perso ca init ca3 --config bad.json
want='csr_config.key_info.parameters.curve: "secp999" is not a supported'
want="$want curve; use one of secp256r1, secp384r1, secp521r1,"
want="$want brainpoolP256r1, brainpoolP384r1, brainpoolP512r1"
grep -qF "$want" "$T/err" || { cat "$T/err"; fail "secp999 message"; }
[ ! -e ca3 ] || fail "a CA was made from a bad config"
pass "secp999 names the field and the curves"

sed 's/"secp256r1"/"secp384r1"/' "$EX" >bad.json
expect_fail 2 optiga-perso ca init ca3 --config bad.json
grep -q 'hash_alg: "sha256" is shorter than the secp384r1 key' "$T/err" ||
    fail "hash message"
sed 's/"0xE0F1"/"0xE0FC"/' "$EX" >bad.json
expect_fail 2 optiga-perso ca init ca3 --config bad.json
grep -q 'slot: 0xE0FC is an RSA key slot' "$T/err" || fail "slot message"
sed '/"common_name"/d; s/"Example Devices GmbH",/"Example Devices GmbH"/' \
    "$EX" >bad.json
expect_fail 2 optiga-perso ca init ca3 --config bad.json
grep -q 'common_name: missing' "$T/err" || fail "common_name message"
printf '{\n  "csr_config": {\n    "key_info": }\n}\n' >bad.json
expect_fail 2 optiga-perso ca init ca3 --config bad.json
grep -q 'bad.json: line 3, column' "$T/err" || fail "JSON position"
pass "config mistakes reported"
