#!/bin/bash
# Access refusals come from the chip and exit 4 with its code explained.
# bus: any
. "$OP_TEST_LIB"

start_sim trust-m3

printf 'x' >one.bin
# 0xE0E0: change NEV
expect_fail 4 optiga-perso write 0xE0E0 one.bin
want='SetDataObject of 0xE0E0: chip error 0x8007: access conditions'
grep -q "$want not satisfied" "$T/err" || fail "write E0E0: $(cat "$T/err")"
grep -q 'change access condition is NEV' "$T/err" ||
	fail "no access-condition hint: $(cat "$T/err")"
pass "write to 0xE0E0 (NEV) exits 4 with 0x8007 explained"

# a key object can never be read
optiga-perso keygen --slot key1 --alg p256 -o k.pem >/dev/null
expect_fail 4 optiga-perso read 0xE0F1
grep -Eq 'GetDataObject of 0xE0F1: chip error 0x80[0-9A-F]{2}: ' "$T/err" ||
	fail "read key: $(cat "$T/err")"
grep -q 'key object' "$T/err" || fail "no key-object hint"
# ... while its metadata can
optiga-perso read --meta 0xE0F1 >/dev/null || fail "key metadata unreadable"
pass "reading a key object exits 4 with the chip's code explained"

# the UID is read-only too; JSON errors carry the exit code
expect_fail 4 optiga-perso --json write uid one.bin
/usr/bin/python3 -c '
import json; d = json.load(open("'"$T"'/out"))
assert d["ok"] is False and d["exit_code"] == 4
assert d["status"].startswith("CHIP_0x80"), d
' || fail "JSON error document"
pass "write to the UID exits 4; JSON error has the exit code"

# an unknown object
expect_fail 4 optiga-perso read --meta 0xE0AA
grep -q 'chip error 0x8001: invalid OID' "$T/err" || fail "invalid OID"
pass "unknown object exits 4 (0x8001)"
