#!/bin/bash
# personalize --no-aws over the shielded connection: it succeeds, and a
# capture of the virtual bus holds neither the certificate nor the CSR
# signature in the clear.  The same run unshielded is the control: there
# both are plainly visible, so the search would have found them.
# bus: any
. "$OP_TEST_LIB"

optiga-perso ca init ca --subject "/C=DE/O=Test/CN=Test Root CA" >/dev/null
cp "$OP_SOURCE_DIR/examples/config.json" config.json

# leaked CAPTURE CERT.PEM CSR.PEM: prints what of them is in the capture
leaked() {
	/usr/bin/python3 - "$@" <<'PY'
import sys
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.utils import \
    decode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding
cap = open(sys.argv[1], "rb").read()
der = x509.load_pem_x509_certificate(open(sys.argv[2], "rb").read()) \
    .public_bytes(Encoding.DER)
csr = x509.load_pem_x509_csr(open(sys.argv[3], "rb").read())
r, s = decode_dss_signature(csr.signature)
# any 32-byte piece of the certificate (frames cut it up, so not whole)
pieces = sum(1 for i in range(0, len(der) - 32, 16) if der[i:i + 32] in cap)
if pieces:
    print("certificate(%d pieces)" % pieces)
if r.to_bytes(32, "big") in cap or s.to_bytes(32, "big") in cap:
    print("signature")
PY
}

# control: unshielded, the traffic shows both
SIM_ARGS="--capture $T/plain.cap" start_sim trust-m3 plain
optiga-perso personalize --config config.json --ca ca --no-aws \
    --out po-plain >plain.txt 2>&1 ||
	fail "personalize failed: $(cat plain.txt)"
uid=$(ls po-plain | grep -v records)
got=$(leaked plain.cap "po-plain/$uid/cert.pem" "po-plain/$uid/csr.pem")
grep -q certificate <<<"$got" && grep -q signature <<<"$got" ||
	fail "control: the plain capture should show both, shows '$got'"
pass "control: unshielded, the capture shows the certificate and signature"

# shielded: the same flow on a second chip
SIM_ARGS="--capture $T/shielded.cap" start_sim trust-m3 shielded
optiga-perso personalize --shielded --config config.json --ca ca \
    --no-aws --out po-sh >sh.txt 2>&1 ||
	fail "personalize --shielded failed: $(cat sh.txt)"
uid=$(ls po-sh | grep -v records)
[ -f "po-sh/$uid/cert.pem" ] || fail "no certificate from the shielded run"
openssl verify -CAfile ca/cacert.pem "po-sh/$uid/cert.pem" >/dev/null ||
	fail "the shielded run's certificate does not verify"
grep -q "evaluation binding secret" sh.txt ||
	fail "no warning about the evaluation secret: $(cat sh.txt)"
# the chip holds it: read back shielded too
optiga-perso --shielded cert read --slot 0xE0E1 >slot.pem 2>/dev/null ||
	fail "shielded cert read failed"
cmp <(openssl x509 -in slot.pem -outform DER) \
    <(openssl x509 -in "po-sh/$uid/cert.pem" -outform DER) ||
	fail "0xE0E1 does not hold the issued certificate"
got=$(leaked shielded.cap "po-sh/$uid/cert.pem" "po-sh/$uid/csr.pem")
[ -z "$got" ] || fail "shielded capture leaks: $got"
# it saw the whole run: the same commands plus handshake and record
# overhead make it larger than the plain one
[ "$(stat -c %s shielded.cap)" -gt "$(stat -c %s plain.cap)" ] ||
	fail "the shielded capture is smaller than the plain one"
# every data frame the host wrote carried PRESENCE (PCTR bit 3)
/usr/bin/python3 - shielded.cap <<'PY' || fail "a plain APDU went out"
import sys
b = open(sys.argv[1], "rb").read()
i = bad = 0
while i < len(b):
    d, n = b[i], int.from_bytes(b[i + 1:i + 5], "big")
    m = b[i + 5:i + 5 + n]
    i += 5 + n
    # WRITE (01) to register 0x80 with a data frame (FCTR bit 7 clear)
    if d == ord('>') and len(m) > 9 and m[0] == 1 and m[4] == 0x80 \
            and m[5] & 0x80 == 0 and m[8] & 0x08 == 0 and m[8] != 0x07:
        bad += 1
sys.exit(1 if bad else 0)
PY
pass "personalize --shielded: certificate and signature never in the clear"

# faults are survived shielded too: 1% of the bytes on the wire flipped
SIM_ARGS="--capture $T/faulty.cap --faults corrupt=0.01,seed=11" \
    start_sim trust-m3 faulty
optiga-perso -vv personalize --shielded --config config.json --ca ca \
    --no-aws --out po-faulty >faulty.txt 2>&1 ||
	fail "personalize --shielded under faults failed: $(cat faulty.txt)"
uid=$(ls po-faulty | grep -v records)
openssl verify -CAfile ca/cacert.pem "po-faulty/$uid/cert.pem" >/dev/null ||
	fail "the certificate made under faults does not verify"
optiga-perso --shielded cert read --slot 0xE0E1 >slot-f.pem 2>/dev/null ||
	fail "shielded cert read failed"
cmp <(openssl x509 -in slot-f.pem -outform DER) \
    <(openssl x509 -in "po-faulty/$uid/cert.pem" -outform DER) ||
	fail "0xE0E1 does not hold the certificate made under faults"
# the faults did happen: the data link saw bad frames and repaired them
grep -q "frame check sequence wrong" faulty.txt ||
	fail "no corrupted frame reached the host: the test proves nothing"
got=$(leaked faulty.cap "po-faulty/$uid/cert.pem" "po-faulty/$uid/csr.pem")
[ -z "$got" ] || fail "shielded capture under faults leaks: $got"
pass "personalize --shielded survives 1% corrupted bytes, nothing in clear"
