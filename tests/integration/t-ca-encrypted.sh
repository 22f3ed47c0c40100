# An encrypted CA key, with the passphrase from a variable or a file; the
# passphrase never shows in any output.
. "$OP_TEST_LIB"

PW='Seekrit-Pass 42'
export CA_PW="$PW"
printf '%s\n' "$PW" >pw.txt

optiga-perso -v ca init ca --pass env:CA_PW --subject "/CN=Locked CA" \
    >out.1 2>err.1
grep -q "BEGIN ENCRYPTED PRIVATE KEY" ca/private/cakey.pem ||
    fail "key not encrypted"
# openssl reads it with the same passphrase
openssl pkey -in ca/private/cakey.pem -passin env:CA_PW -noout ||
    fail "openssl cannot decrypt the key"
openssl asn1parse -in ca/private/cakey.pem | grep -q aes-256-cbc ||
    fail "not AES-256-CBC"

openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout d.key -subj "/CN=dev" -out d.csr 2>/dev/null

optiga-perso -v ca sign ca d.csr --pass env:CA_PW -o a.pem >out.2 2>err.2
optiga-perso -v ca sign ca d.csr --pass file:pw.txt -o b.pem >out.3 2>err.3
openssl verify -CAfile ca/cacert.pem a.pem b.pem >/dev/null ||
    fail "certificates from the encrypted CA"
pass "env and file passphrases"

expect_fail 1 optiga-perso ca sign ca d.csr -o c.pem
grep -q "is encrypted" "$T/err" || fail "no-passphrase message"
cp "$T/err" err.4
printf 'wrong\n' >bad.txt
expect_fail 1 optiga-perso ca sign ca d.csr --pass file:bad.txt -o c.pem
grep -q "wrong passphrase" "$T/err" || fail "wrong-passphrase message"
cp "$T/err" err.5
expect_fail 2 optiga-perso ca sign ca d.csr --pass "pass:$PW" -o c.pem
cp "$T/err" err.6
[ ! -e c.pem ] || fail "signed without the passphrase"
pass "missing, wrong and literal passphrases refused"

# an intermediate below the encrypted root
optiga-perso ca init inter --parent ca --parent-pass env:CA_PW \
    --pass file:pw.txt --subject "/CN=Locked Inter" >out.7 2>err.7
openssl verify -CAfile ca/cacert.pem inter/cacert.pem >/dev/null ||
    fail "intermediate below an encrypted root"

optiga-perso --json ca show ca >out.8 2>err.8
grep -q '"key_encrypted": true' out.8 || fail "ca show: encrypted"

if grep -rl "$PW" out.* err.* ca inter 2>/dev/null | grep -v '^pw.txt$'
then
	fail "the passphrase appears in output or in the CA directory"
fi
pass "the passphrase appears nowhere"
