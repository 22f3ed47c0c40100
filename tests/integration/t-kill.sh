#!/bin/bash
# SIGKILL the simulator during a series of writes: after a restart on the
# same state the object holds the old or the new contents, never a mix,
# and the key made before the kill still signs.
#
# Each write is 1000 bytes, one SetDataObject, which the simulator commits
# atomically.  A write that takes two commands (over 1549 bytes) can be
# cut between them on a real chip too; that is not what this tests.
# bus: any
. "$OP_TEST_LIB"

start_sim trust-m3

optiga-perso keygen --slot key1 --alg p256 -o pub.pem >/dev/null
head -c 1000 /dev/urandom >a.bin
head -c 1000 /dev/urandom >b.bin
optiga-perso write cert2 a.bin --erase >/dev/null

for round in 1 2 3 4 5; do
	# writes alternate a and b until the simulator dies
	(
		while :; do
			optiga-perso write cert2 b.bin --erase || exit 0
			optiga-perso write cert2 a.bin --erase || exit 0
		done
	) >/dev/null 2>&1 &
	writer=$!
	sleep "0.$((RANDOM % 5 + 1))"
	kill -9 "$SIM_PID"
	wait "$writer" || true
	wait "$SIM_PID" 2>/dev/null || true

	# restart on the same state; the dead one left its socket behind
	rm -f "$SIM_SOCK"
	start_sim trust-m3
	optiga-perso read cert2 -o now.bin >/dev/null ||
		fail "round $round: cannot read after restart"
	if cmp -s now.bin a.bin; then
		got=old
	elif cmp -s now.bin b.bin; then
		got=new
	else
		fail "round $round: cert2 is neither old nor new"
	fi

	openssl rand -out d.bin 32
	optiga-perso sign --slot key1 --digest "$(xxd -p -c 64 d.bin)" \
	    -o s.der >/dev/null || fail "round $round: sign failed"
	openssl pkeyutl -verify -pubin -inkey pub.pem -in d.bin \
	    -sigfile s.der >/dev/null ||
		fail "round $round: signature does not verify"
	pass "round $round: cert2 holds the $got contents; key1 still signs"
done
