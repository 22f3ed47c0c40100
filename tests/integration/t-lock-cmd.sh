#!/bin/bash
# lock --slot: locks what it is given, once; refuses empty slots and
# unconfirmed runs; the chip enforces it.
# bus: any
. "$OP_TEST_LIB"

start_sim
printf 'serial-0001' >serial.bin
optiga-perso write 0xF1D0 serial.bin >/dev/null || fail "write F1D0"

expect_fail 2 optiga-perso lock --slot 0xF1D0 </dev/null
grep -q "give --yes" "$T/err" || fail "unconfirmed: $(cat "$T/err")"
expect_fail 2 optiga-perso lock --yes
expect_fail 2 optiga-perso lock --slot key1,0xE0F1 --yes
grep -q "given twice" "$T/err" || fail "twice: $(cat "$T/err")"
optiga-perso info | grep -A2 "^  0xF1D0" | grep -q "creation; change" ||
    fail "F1D0 changed without confirmation"
pass "no --yes, no slot, a slot twice: usage errors, nothing locked"

expect_fail 1 optiga-perso lock --slot key2 --yes
grep -q "key slot 0xE0F2 holds no key" "$T/err" || fail "$(cat "$T/err")"
expect_fail 1 optiga-perso lock --slot cert2 --yes
grep -q "slot 0xE0E2 is empty" "$T/err" || fail "$(cat "$T/err")"
pass "empty key and certificate slots are not locked"

optiga-perso --json lock --slot 0xF1D0 --yes >lock.json 2>/dev/null ||
    fail "lock F1D0"
/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] and d["slots"] == [{"oid": "0xF1D0", "changed": True}], d
' lock.json || fail "JSON: $(cat lock.json)"
expect_fail 4 optiga-perso write 0xF1D0 serial.bin
grep -q "0x8007" "$T/err" || fail "write after lock: $(cat "$T/err")"
optiga-perso read 0xF1D0 -o back.bin >/dev/null 2>&1 ||
    optiga-perso read 0xF1D0 >back.hex || fail "read after lock"
optiga-perso lock --slot 0xF1D0 --yes >again.txt 2>/dev/null
grep -q "already locked; nothing changed" again.txt || fail "$(cat again.txt)"
pass "a data object locked: writes refused (0x8007), reads fine, idempotent"
