#!/bin/bash
# pair: a new secret in 0xE140 and in a 0600 file; only that secret opens
# a shielded connection afterwards; --lock makes 0xE140 unreadable and
# changeable only shielded (Conf(E140)), and refuses pairing again.
# bus: any
. "$OP_TEST_LIB"

start_sim trust-m3
optiga-perso pair --out bind.bin >pair.txt || fail "pair failed"
[ "$(stat -c %s bind.bin)" -eq 64 ] || fail "secret file not 64 bytes"
[ "$(stat -c %a bind.bin)" = 600 ] || fail "secret file not mode 600"
optiga-perso read 0xE140 -o chip.bin >/dev/null
cmp chip.bin bind.bin || fail "0xE140 does not hold the host's copy"
pass "pair: 0xE140 and bind.bin hold the same 64 bytes, file 0600"

optiga-perso --shielded --binding-secret bind.bin info >/dev/null ||
	fail "shielded info with the paired secret failed"
expect_fail 3 optiga-perso --shielded info
grep -q "binding secret" "$T/err" || fail "no hint: $(cat "$T/err")"
pass "the paired secret opens the shielded connection; 01..40 does not"

optiga-perso pair --out bind2.bin --lock >/dev/null || fail "pair --lock"
expect_fail 4 optiga-perso read 0xE140 -o x.bin
expect_fail 4 optiga-perso pair --out bind3.bin
head -c 64 /dev/urandom >new.bin
expect_fail 4 optiga-perso write 0xE140 new.bin
optiga-perso --shielded --binding-secret bind2.bin write 0xE140 new.bin \
    >/dev/null || fail "shielded write of 0xE140 refused after the lock"
chmod 600 new.bin
optiga-perso --shielded --binding-secret new.bin info >/dev/null ||
	fail "the secret written shielded does not open a session"
pass "locked: plain read/write/pair refused, shielded change works"
