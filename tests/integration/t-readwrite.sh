#!/bin/bash
# read/write: 1728 bytes (two chunks each way) to 0xE0E1 read back
# identical; 1729 bytes refused before writing, naming file, size, object
# and maximum, with the old contents kept; erase vs plain write.
# bus: any
. "$OP_TEST_LIB"

start_sim trust-m3

head -c 1728 /dev/urandom >full.bin
optiga-perso write 0xE0E1 full.bin --erase >out.txt ||
	fail "writing 1728 bytes failed"
grep -q 'read back and compared: identical' out.txt ||
	fail "write did not verify: $(cat out.txt)"
optiga-perso read 0xE0E1 -o back.bin >/dev/null
cmp full.bin back.bin || fail "1728 bytes read back differ"
[ "$(optiga-perso read cert1)" = "$(xxd -p -c 4096 full.bin)" ] ||
	fail "hex read differs"
optiga-perso read --meta cert1 >meta.txt
grep -Eq '^used size +1728 bytes$' meta.txt || fail "used size not 1728"
pass "1728 bytes written and read back identical"

# one byte too many: refused before any write, old contents kept
head -c 1729 /dev/urandom >big.bin
expect_fail 2 optiga-perso write cert1 big.bin --erase
for w in big.bin 1729 0xE0E1 1728 "nothing was written"; do
	grep -q "$w" "$T/err" || fail "message lacks '$w': $(cat "$T/err")"
done
optiga-perso read cert1 -o after.bin >/dev/null
cmp full.bin after.bin || fail "the refused write changed the slot"
pass "1729 bytes refused clearly; slot unchanged"

# plain write keeps the tail, erase & write leaves exactly the file
head -c 100 /dev/urandom >small.bin
optiga-perso write cert1 small.bin >/dev/null
optiga-perso read cert1 -o mixed.bin >/dev/null
[ "$(stat -c %s mixed.bin)" -eq 1728 ] || fail "plain write cut the slot"
cmp <(head -c 100 mixed.bin) small.bin || fail "head not written"
cmp <(tail -c +101 mixed.bin) <(tail -c +101 full.bin) ||
	fail "tail not kept"
optiga-perso write cert1 small.bin --erase >/dev/null
optiga-perso read cert1 -o only.bin >/dev/null
cmp only.bin small.bin || fail "erase & write left more than the file"
pass "write keeps the tail; --erase leaves exactly the file"

# a data object, JSON output
printf 'serial-0001' >serial.bin
optiga-perso --json write 0xF1D0 serial.bin --erase >w.json
/usr/bin/python3 -c '
import json; d = json.load(open("w.json"))
assert d["ok"] and d["verified"] and d["bytes"] == 11 and d["oid"] == "0xF1D0"
' || fail "write --json"
optiga-perso --json read 0xF1D0 >r.json
/usr/bin/python3 -c '
import json; d = json.load(open("r.json"))
assert bytes.fromhex(d["data"]) == b"serial-0001", d
' || fail "read --json"
pass "data object via JSON"

# a missing file is a usage error naming it
expect_fail 2 optiga-perso write cert1 "$T/missing.bin"
grep -q missing.bin "$T/err" || fail "missing file not named"
# the platform binding secret is not printed
expect_fail 2 optiga-perso read 0xE140
optiga-perso read binding -o pbs.bin >/dev/null
[ "$(stat -c %a pbs.bin)" = 600 ] || fail "secret file mode not 0600"
pass "missing file and secret handling"
