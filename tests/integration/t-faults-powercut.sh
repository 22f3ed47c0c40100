#!/bin/bash
# Power lost while the certificate is written.  The chip's NVM is
# tearing-safe per SetDataObject: afterwards the object holds its old or
# its new content, never a mix.
#  - power comes back when the host power-cycles the chip: the same run
#    recovers (cold reset, reopened application, write again);
#  - power stays off: the run fails with a clear message; the next run on
#    the same chip finishes the job;
#  - a 2-APDU chain write torn between its APDUs: the rerun notices the
#    partial slot and writes it whole;
#  - the station dies (kill=): the rerun on the restarted chip finishes.
# sim: only: recovering from a power cut needs a bus that can switch the
# chip's power (a cold reset), which only optiga-sim's virtual bus offers.
. "$OP_TEST_LIB"

optiga-perso ca init ca --subject "/C=DE/O=Test/CN=Cut Root CA" >/dev/null
cp "$OP_SOURCE_DIR/examples/config.json" config.json

perso() {
	optiga-perso -v personalize --config config.json --ca ca --no-aws \
	    --out "$@"
}

stop_sim() {
	kill "$SIM_PID" 2>/dev/null || true
	wait "$SIM_PID" 2>/dev/null || true
}

# check_slot DIR: as slot_holds_cert, and the slot is not longer than
# the certificate in its TLS identity form (nothing torn left behind)
check_slot() {
	local d
	slot_holds_cert "$1"
	d=$(ls -d "$1"/*/ | head -1)
	openssl x509 -in "$d/cert.pem" -outform DER >cert.der
	optiga-perso read 0xE0E1 -o slot.bin >/dev/null
	[ "$(stat -c %s slot.bin)" -eq $(($(stat -c %s cert.der) + 9)) ] ||
		fail "slot holds $(stat -c %s slot.bin) bytes, not the whole" \
		    "certificate"
}

# which SetDataObject writes the certificate?  A pilot run on its own
# chip says: the first one carrying more than 300 bytes.
SIM_ARGS="-vv" start_sim trust-m3 pilot
perso po-pilot >/dev/null 2>pilot.err ||
	fail "pilot run failed: $(tail -3 pilot.err)"
stop_sim
K=$(grep -o 'SetDataObject: [0-9]* bytes in' "$T/pilot.sim.log" |
	awk '{ n++; if ($2 > 300) { print n; exit } }')
[ -n "$K" ] || fail "no certificate write in the pilot's log"
pass "the certificate is SetDataObject #$K of the flow"

# 1. power comes back when the host power-cycles the chip
SIM_ARGS="--faults powercut=SetDataObject:$K -vv" start_sim trust-m3 cut
perso po-cut >cut.out 2>cut.err ||
	fail "personalize did not recover from the power cut:" \
	    "$(tail -5 cut.err)"
grep -q "power cut during SetDataObject #$K" "$T/cut.sim.log" ||
	fail "the power cut did not happen"
grep -q "cold reset" cut.err ||
	fail "the host did not power-cycle the chip: $(cat cut.err)"
check_slot po-cut
stop_sim
pass "power cut during the certificate write: cold reset, written again," \
    "the slot holds the whole certificate"

# 2. power stays off: the run fails and says why; the next run finishes
SIM_ARGS="--faults powercut=SetDataObject:$K:stay" start_sim trust-m3 stay
expect_fail 3 perso po-stay
grep -q "SetDataObject of 0xE0E1" "$T/err" ||
	fail "the message does not name the write: $(cat "$T/err")"
grep -q "acknowledge" "$T/err" ||
	fail "the message does not say the chip went silent: $(cat "$T/err")"
stop_sim
# tearing-safe: the slot is as before the write (the factory's zeros),
# not part of a certificate
start_sim trust-m3 stay
optiga-perso read 0xE0E1 -o torn.bin >/dev/null
[ "$(tr -d '\0' <torn.bin | wc -c)" -eq 0 ] ||
	fail "after the cut 0xE0E1 holds part of a certificate"
perso po-stay >stay2.out 2>stay2.err ||
	fail "the run after the power cut failed: $(tail -5 stay2.err)"
grep -q "write.*done" stay2.out stay2.err ||
	fail "the rerun did not write: $(cat stay2.out stay2.err)"
check_slot po-stay
stop_sim
pass "power stays off: clear failure (exit 3), the next run completes"

# 3. a chain too long for one APDU, torn between its two SetDataObjects
for c in a b; do
	openssl req -x509 -newkey rsa:2048 -nodes -keyout $c.key -days 1 \
	    -subj "/O=Torn write test/CN=Certificate $c" -out $c.pem 2>/dev/null
done
SIM_ARGS="--faults powercut=SetDataObject:2:stay" start_sim trust-m3 torn
expect_fail 3 optiga-perso cert write --slot 0xE0E1 --force a.pem b.pem
stop_sim
start_sim trust-m3 torn
optiga-perso read 0xE0E1 -o torn.bin >/dev/null
n=$(stat -c %s torn.bin)
[ "$n" -eq 1549 ] || fail "the torn slot holds $n bytes, expected the" \
    "first APDU's 1549"
optiga-perso cert write --slot 0xE0E1 --force a.pem b.pem >rewrite.out ||
	fail "rewriting the torn chain failed"
optiga-perso cert read --slot 0xE0E1 >chain.pem
cmp <(cat a.pem b.pem | openssl crl2pkcs7 -nocrl -certfile /dev/stdin |
    openssl pkcs7 -print_certs | grep -v '^subject\|^issuer\|^$') \
    <(openssl crl2pkcs7 -nocrl -certfile chain.pem |
    openssl pkcs7 -print_certs | grep -v '^subject\|^issuer\|^$') ||
	fail "the rewritten slot does not hold the whole chain"
stop_sim
pass "a chain torn between its APDUs ($n bytes left) is noticed and" \
    "rewritten whole"

# 4. the station dies during the certificate write
SIM_ARGS="--faults kill=SetDataObject:$K" start_sim trust-m3 kill
expect_fail 3 perso po-kill
wait "$SIM_PID" 2>/dev/null && fail "the simulator did not die" || true
rm -f "$SIM_SOCK"
start_sim trust-m3 kill
perso po-kill >kill2.out 2>kill2.err ||
	fail "the run after the crash failed: $(tail -5 kill2.err)"
check_slot po-kill
pass "the station died during the write; the next run completes"
