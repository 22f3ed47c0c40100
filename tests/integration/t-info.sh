#!/bin/bash
# info: the UID (27 bytes), product, firmware build and life cycles, the
# slots with their contents, in text and JSON; errors name the device.
# bus: any
. "$OP_TEST_LIB"

start_sim trust-m3

optiga-perso info >info.txt || fail "info failed"
uid=$(awk '$1 == "UID" { print $2 }' info.txt)
[[ $uid =~ ^[0-9a-f]{54}$ ]] || fail "UID '$uid' is not 54 hex digits"
grep -Eq '^product +OPTIGA Trust M V3, firmware build 2440$' info.txt ||
	fail "product line missing: $(grep product info.txt)"
grep -Eq '^LcsG +operational \(0x07\)$' info.txt || fail "no LcsG line"
grep -Eq '^LcsA +[a-z]+ \(0x0[1-9F]\)$' info.txt || fail "no LcsA line"
# the factory certificate's subject, and the factory key's type
grep -A1 '0xE0E0 cert0' info.txt | grep -q 'CN=' ||
	fail "factory certificate subject not shown"
grep -A1 '0xE0F0 key0' info.txt | grep -q 'p256 key, usage auth' ||
	fail "factory key type not shown"
# access conditions rendered, never raw bytes
grep -A2 '0xE0E1 cert1' info.txt | grep -q 'change LcsO < op; read ALW' ||
	fail "access conditions of cert1 not rendered"
pass "text: UID $uid, product, life cycles, slots"

# the UID agrees with a plain read of 0xE0C2, and the build with bytes
# 25..26
[ "$(optiga-perso read uid)" = "$uid" ] || fail "read uid differs"
[ "${uid:50:4}" = 2440 ] || fail "UID bytes 25..26 are ${uid:50:4}"

# after a keygen, the slot shows the key
optiga-perso keygen --slot key2 --alg p384 --usage sign -o k.pem >/dev/null
optiga-perso --json info >info.json
/usr/bin/python3 - "$uid" <<'PY' || fail "JSON info is wrong"
import json, sys
d = json.load(open("info.json"))
assert d["ok"] is True
assert d["uid"]["hex"] == sys.argv[1] and len(d["uid"]["hex"]) == 54
assert d["uid"]["esw_build"] == 2440 and d["firmware_build"] == 2440
assert d["product"] == "OPTIGA Trust M V3"
assert d["lcsg"]["name"] == "operational"
slots = {s["oid"]: s for s in d["slots"]}
assert slots["0xE0F2"]["algorithm"] == "p384", slots["0xE0F2"]
assert slots["0xE0F2"]["usage"] == "sign"
assert "algorithm" not in slots["0xE0F3"]
assert slots["0xE0E0"]["format"] in ("tls", "der")
assert "CN=" in slots["0xE0E0"]["subject"]
assert slots["0xE0E1"]["max_size"] == 1728
assert slots["0xE140"]["kind"] == "secret"
assert "data" not in slots["0xE140"] and "value" not in slots["0xE140"]
PY
pass "JSON: UID, product, key2 p384 after keygen, certificate subject"

# an unreachable device: exit 3, the message names the URI and a hint
expect_fail 3 optiga-perso -d "sim:$T/nothing.sock" info
grep -q "$T/nothing.sock" "$T/err" || fail "error does not name the device"
grep -q "optiga-sim running" "$T/err" || fail "error gives no hint"
# no device at all: a usage error
OPTIGA_DEVICE= expect_fail 2 optiga-perso info
grep -q "no device given" "$T/err" || fail "no-device message missing"
pass "unreachable device exits 3 naming it; no device exits 2"

optiga-perso info --help | grep -q '^Examples:' || fail "no help example"
pass "info --help teaches with an example"
