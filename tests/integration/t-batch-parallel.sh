#!/bin/bash
# personalize --devices with --jobs 8: eight emulated chips in one command,
# eight records, eight distinct serials, every certificate verifying
# against the CA.  One chip is killed halfway (optiga-sim --faults
# kill=CalcSign:1 when the simulator has it, else the test kills it after
# its key pair is recorded): it fails alone, the exit code is its class
# (3, the chip went away), and a rerun finishes it without redoing the
# others.
# bus: any
. "$OP_TEST_LIB"

optiga-perso ca init ca --subject "/C=DE/O=Test/CN=Test Root CA" >/dev/null
cp "$OP_SOURCE_DIR/examples/config.json" config.json

has_kill_fault=0
optiga-sim --help 2>&1 | grep -q 'kill=' && has_kill_fault=1

devs=()
for i in 1 2 3 4 5 6 7; do
	start_sim trust-m3 "chip$i"
	devs+=("$SIM_DEVICE")
done
# the victim, last in the list
if [ "$has_kill_fault" -eq 1 ]; then
	SIM_ARGS="--faults kill=CalcSign:1" start_sim trust-m3 chip8
else
	# slow enough for the watcher below to catch it mid-flow
	SIM_ARGS="--realtime" start_sim trust-m3 chip8
fi
victim_pid=$SIM_PID
victim=$SIM_DEVICE
devs+=("$victim")
unset OPTIGA_DEVICE
list=$(IFS=,; echo "${devs[*]}")

if [ "$has_kill_fault" -eq 0 ]; then
	vuid=$(optiga-perso -d "$victim" --json info | /usr/bin/python3 -c \
	    'import json,sys; print(json.load(sys.stdin)["uid"]["hex"])')
	(
		for _ in $(seq 1 500); do
			if grep -q "\"step\":\"keygen\",\"uid\":\"$vuid\"" \
			    po/records.jsonl 2>/dev/null; then
				kill -9 "$victim_pid"
				exit 0
			fi
			sleep 0.01
		done
	) &
	watcher=$!
fi

rc=0
optiga-perso personalize --config config.json --ca ca --no-aws --out po \
    --devices "$list" --jobs 8 >run1.txt 2>run1.err || rc=$?
[ "$has_kill_fault" -eq 1 ] || wait "$watcher"
[ "$rc" -eq 3 ] || { cat run1.txt run1.err >&2; fail "exit $rc, want 3"; }
grep -qF "$victim: " run1.err && grep -q "(1 of 8 devices failed)" run1.err ||
	fail "the error does not name the victim: $(cat run1.err)"
[ "$(grep -c ' ok ' run1.txt)" -eq 7 ] || fail "not 7 ok: $(cat run1.txt)"
grep -F "$victim" run1.txt | grep -q FAILED ||
	fail "the victim is not FAILED: $(cat run1.txt)"
grep -q "^7 of 8 personalized" run1.txt || fail "no total: $(cat run1.txt)"
pass "one chip killed mid-flow fails alone (exit 3), seven personalized"

# the victim comes back on the same state (its dead socket removed first,
# or start_sim would take it for the new one); the rerun finishes it alone
# (the killed simulator may still be on its way out: wait for it)
wait "$victim_pid" 2>/dev/null || true
rm -f "$T/chip8.sock"
SIM_ARGS= start_sim trust-m3 chip8
unset OPTIGA_DEVICE
optiga-perso --json personalize --config config.json --ca ca --no-aws \
    --out po --devices "$list" --jobs 8 >run2.json 2>run2.err ||
	{ cat run2.err >&2; fail "the rerun failed"; }
/usr/bin/python3 - run2.json "$victim" <<'EOF' || fail "rerun JSON wrong"
import json, sys
rows = json.load(open(sys.argv[1]))
assert len(rows) == 8, rows
assert all(r["ok"] and r["outcome"] == "ok" for r in rows), rows
assert len({r["serial"] for r in rows}) == 8, rows
assert len({r["uid"] for r in rows}) == 8, rows
# only the victim had work left; the others skipped every step
for r in rows:
    steps = r["summary"]["steps"]
    done = [s for s, o in steps.items() if not o.startswith("skipped")]
    if r["device"] == sys.argv[2]:
        assert done, steps
    else:
        assert not done, (r["device"], steps)
EOF
pass "rerun: the victim finished, the seven others skipped every step"

# the manifest: one personalized line per chip, distinct serials, each
# certificate verifying against the CA and listed in index.txt
/usr/bin/python3 - po/records.jsonl ca/index.txt >manifest.txt <<'EOF' ||
import json, sys
last = {}
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o["step"] == "personalized":
        last[o["uid"]] = o
assert len(last) == 8, len(last)
serials = {o["serial"] for o in last.values()}
assert len(serials) == 8, serials
index = open(sys.argv[2]).read().split("\n")
listed = {l.split("\t")[3] for l in index if l}
assert serials <= listed, (serials - listed)
assert len(listed) == len(index) - 1, "a serial twice in index.txt"
for uid in last:
    print(uid)
EOF
	fail "manifest wrong"
while read -r uid; do
	openssl verify -CAfile ca/cacert.pem "po/$uid/cert.pem" >/dev/null ||
		fail "po/$uid/cert.pem does not verify against the CA"
done <manifest.txt
pass "8 records, 8 distinct serials in index.txt, 8 certificates verify"
