#!/bin/bash
# openssl s_client authenticates with the chip key against s_server, with
# TLS 1.3 and TLS 1.2.  The default provider is loaded first: libssl 3.0
# offers only the EC groups whose "EC" key manager fetch lands in the
# provider that announced them, so with optiga first it drops P-256 and
# friends (docs/provider.md, "Provider order").
# bus: any
. "$OP_TEST_LIB"
. "$OP_SOURCE_DIR/tests/integration/provider-lib.sh"

PROV_TLS=(-provider-path "$MOD" -provider default -provider optiga)
start_sim
optiga-perso keygen --slot 0xE0F1 --alg p256 -o pub.pem >/dev/null
KEY="optiga:0xE0F1?pub=pub.pem"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout ca.key -subj /CN=ca -days 1 -out ca.pem 2>/dev/null
ossl req -new "${PROV[@]}" -key "$KEY" -subj /CN=device -out dev.csr
openssl x509 -req -in dev.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
    -days 1 -out dev.pem 2>/dev/null

for v in -tls1_3 -tls1_2; do
	port=$((20000 + RANDOM % 20000))
	openssl s_server -accept "$port" -cert ca.pem -key ca.key \
	    -Verify 1 -CAfile ca.pem -verify_return_error -naccept 1 \
	    "$v" -www >"srv$v.log" 2>&1 &
	OP_PIDS+=($!)
	for _ in $(seq 1 50); do
		grep -q ACCEPT "srv$v.log" && break
		sleep 0.1
	done
	printf 'GET / HTTP/1.0\r\n\r\n' | ossl s_client "${PROV_TLS[@]}" \
	    -connect "127.0.0.1:$port" "$v" -cert dev.pem -key "$KEY" \
	    -CAfile ca.pem -verify_return_error -ign_eof \
	    >"cli$v.log" 2>&1 || { cat "cli$v.log" "srv$v.log";
	    fail "s_client $v failed"; }
	grep -q "Client certificate" "cli$v.log" ||
	    grep -q "CN = device\|CN=device" "cli$v.log" ||
	    { cat "cli$v.log"; fail "$v: server did not see the chip's cert"; }
	pass "s_client $v with the chip key"
done
