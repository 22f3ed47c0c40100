#!/bin/bash
# personalize on a noisy wire: optiga-sim flips 1% of the bytes that
# cross the bus (both ways, frames and I2C_STATE), yet the whole flow
# completes and the slot holds a certificate that verifies.  Then drops,
# truncated frames, NACK bursts and a reset in the middle of a command.
# bus: any
. "$OP_TEST_LIB"

optiga-perso ca init ca --subject "/C=DE/O=Test/CN=Fault Root CA" >/dev/null
cp "$OP_SOURCE_DIR/examples/config.json" config.json

# faults SPEC NAME: personalize a fresh chip under SPEC
faults() {
	SIM_ARGS="--faults $1 -vv" start_sim trust-m3 "$2"
	optiga-perso -v personalize --config config.json --ca ca --no-aws \
	    --out "po-$2" >"$2.out" 2>"$2.err" ||
		fail "personalize under --faults $1 failed: $(tail -5 "$2.err")"
	slot_holds_cert "po-$2"
	kill "$SIM_PID"
	wait "$SIM_PID" 2>/dev/null || true
}

faults corrupt=0.01,seed=1 noisy
n=$(grep -c "flipped" "$T/noisy.sim.log" || true)
[ "$n" -ge 20 ] || fail "only $n bytes were flipped: the plan did not run"
grep -q "NAK" "$T/noisy.sim.log" ||
	fail "the chip never NAKed a damaged frame"
pass "personalize completes with 1% of bytes flipped ($n flips)," \
    "the slot holds the verified certificate"

faults drop=0.2,truncate=0.2,seed=7 lossy
grep -q "dropped" "$T/lossy.sim.log" || fail "no frame was dropped"
grep -q "cut after" "$T/lossy.sim.log" || fail "no frame was truncated"
pass "personalize completes with 20% of frames dropped, 20% truncated"

faults nack=0.02:20,seed=5 nacky
grep -q "NACK burst" "$T/nacky.sim.log" || fail "no NACK burst"
pass "personalize completes through NACK bursts of 20 transactions"

# a reset while the certificate is written: the chip executes it and
# forgets the link; the host resets, reopens and writes again
faults reset-during=SetDataObject:1 reset
grep -q "reset during SetDataObject" "$T/reset.sim.log" ||
	fail "the reset did not happen"
grep -q "recovering the link" reset.err ||
	fail "the host did not say it recovered the link: $(cat reset.err)"
pass "a reset during SetDataObject is recovered within the run"

# a malformed plan is refused with a message naming the item
expect_fail 2 optiga-sim --state x.state --socket x.sock \
    --faults corrupt=2
grep -q "corrupt=2" "$T/err" || fail "bad rate not named: $(cat "$T/err")"
expect_fail 2 optiga-sim --state x.state --socket x.sock \
    --faults powercut=Frobnicate:1
grep -q "unknown command" "$T/err" || fail "bad command: $(cat "$T/err")"
pass "malformed fault plans are refused"
