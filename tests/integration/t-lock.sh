#!/bin/bash
# personalize --lock: the key and certificate slots go to life cycle
# operational; the emulated chip then refuses to write the certificate
# slot or to make a new key in the key slot (0x8007), while the key still
# signs and the certificate is still read.  The lock survives a restart.
# bus: any
. "$OP_TEST_LIB"

export OPTIGA_PUBCACHE_DIR="$T/pub"
CONFIG="$OP_SOURCE_DIR/examples/config.json"
start_sim
optiga-perso ca init ca --subject "/CN=Test CA" >/dev/null

# irreversible: without a terminal it takes --yes, and nothing happens
expect_fail 2 optiga-perso personalize --no-aws --config "$CONFIG" \
    --ca ca --out perso --lock </dev/null
grep -q "IRREVERSIBLE on a real chip" "$T/err" || fail "no warning"
grep -q "give --yes" "$T/err" || fail "no --yes hint: $(cat "$T/err")"
[ ! -e perso ] || fail "personalize ran without confirmation"
pass "--lock without --yes and without a terminal does nothing (exit 2)"

optiga-perso personalize --no-aws --config "$CONFIG" --ca ca --out perso \
    --lock --yes >perso.txt 2>perso.err || fail "personalize --lock"
grep -Eq '^  lock +done' perso.txt || fail "no lock step: $(cat perso.txt)"
grep -q '^  locked .*0xE0F1 0xE0E1' perso.txt || fail "summary"
optiga-perso info >info.txt
for oid in 0xE0F1 0xE0E1; do
	grep -A2 "^  $oid" info.txt |
	    grep -q "operational, LOCKED; change LcsO < op" ||
	    fail "info $oid: $(grep -A2 "^  $oid" info.txt)"
done
grep -A2 "^  0xE0F2" info.txt | grep -q "creation; change" ||
    fail "0xE0F2 should be untouched"
optiga-perso --json info | /usr/bin/python3 -c '
import json, sys
s = {x["oid"]: x for x in json.load(sys.stdin)["slots"]}
assert s["0xE0F1"]["locked"] and s["0xE0E1"]["locked"]
assert not s["0xE0F2"]["locked"] and not s["0xE0E2"]["locked"]
assert s["0xE0E1"]["lcs"] == "operational"
' || fail "info --json locked flags"
optiga-perso read --meta 0xE0E1 >meta.txt
grep -qi "c0 *01 *07\|C00107" meta.txt || fail "metadata: $(cat meta.txt)"
pass "personalize --lock: 0xE0F1 and 0xE0E1 LOCKED (LcsO operational)"

# the chip refuses changes, and says which condition
cert=$(ls perso/*/cert.pem)
# (in the other format, so the bytes differ and a write is due)
expect_fail 4 optiga-perso cert write --slot 0xE0E1 --format der "$cert"
grep -q "0x8007: access conditions not satisfied" "$T/err" ||
    fail "cert write: $(cat "$T/err")"
grep -q "slot 0xE0E1 is locked (LcsO operational)" "$T/err" ||
    fail "cert write does not explain the lock: $(cat "$T/err")"
expect_fail 4 optiga-perso keygen --slot key1 --alg p256
grep -q "0x8007: access conditions not satisfied" "$T/err" ||
    fail "keygen: $(cat "$T/err")"
grep -q "slot 0xE0F1 is locked (LcsO operational)" "$T/err" ||
    fail "keygen does not explain the lock: $(cat "$T/err")"
printf 'x' >one.bin
expect_fail 4 optiga-perso write 0xE0E1 one.bin
want='its change access condition is LcsO < op; its life cycle is'
grep -q "$want operational" "$T/err" || fail "write: $(cat "$T/err")"
pass "writing the slot or generating a key in it: the chip says 0x8007"

# what was locked still works: the flow checks it with a signature
optiga-perso personalize --no-aws --config "$CONFIG" --ca ca --out perso \
    --lock --yes >again.txt 2>/dev/null || fail "second run"
grep -q "already personalized; nothing changed" again.txt ||
    fail "second run: $(cat again.txt)"
optiga-perso cert read --slot 0xE0E1 -o back.pem >/dev/null
cmp -s <(openssl x509 -in back.pem -outform DER) \
    <(openssl x509 -in "$cert" -outform DER) || fail "cert read back"
pass "locked key still signs, certificate still reads; a rerun skips all"

# the lock lives in the chip's state, across a restart
kill "$SIM_PID"; wait "$SIM_PID" 2>/dev/null || true
start_sim
optiga-perso info | grep -A2 "^  0xE0E1" | grep -q "operational, LOCKED" ||
    fail "lock lost over a restart"
expect_fail 4 optiga-perso keygen --slot key1 --alg p256
pass "the lock survives an emulator restart"
