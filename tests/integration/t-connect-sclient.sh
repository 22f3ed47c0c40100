#!/bin/bash
# openssl s_client with the optiga provider and -key optiga:0xE0F1
# completes the same handshake against mosquitto as 'connect', and the
# broker takes the MQTT CONNECT that follows (docs/connect.md).
# bus: any
. "$OP_TEST_LIB"
. "$OP_SOURCE_DIR/tests/integration/provider-lib.sh"

export OPTIGA_PUBCACHE_DIR="$T/pub"
start_sim
optiga-perso ca init ca --subject "/CN=Test CA" >/dev/null
optiga-perso personalize --no-aws --config \
    "$OP_SOURCE_DIR/examples/config.json" --ca ca --out perso >/dev/null ||
    fail "personalize"
optiga-perso cert read --slot 0xE0E1 -o dev.pem >/dev/null ||
    fail "cert read"
start_mosquitto "$T/ca"

# MQTT 3.1.1 CONNECT (client ID sclient-1, keep alive 60), DISCONNECT
connect_pkt='\x10\x15\x00\x04MQTT\x04\x02\x00\x3c\x00\x09sclient-1'
for v in -tls1_3 -tls1_2; do
	printf "$connect_pkt\\xe0\\x00" | ossl s_client \
	    -provider-path "$MOD" -provider default -provider optiga \
	    -connect "127.0.0.1:$MQTT_PORT" "$v" -cert dev.pem \
	    -key "optiga:0xE0F1?device=$OPTIGA_DEVICE" -CAfile "$MQTT_CA" \
	    -verify_return_error -verify_ip 127.0.0.1 -ign_eof \
	    >"sc$v.log" 2>&1 || { cat "sc$v.log"; fail "s_client $v"; }
	grep -q "Verify return code: 0 (ok)" "sc$v.log" ||
	    fail "$v: server not verified: $(cat "sc$v.log")"
	want="New client connected from 127.0.0.1.* as sclient-1"
	grep -q "$want .*u'sensor-0001'" "$MQTT_LOG" ||
	    fail "$v: broker log: $(tail -5 "$MQTT_LOG")"
	grep -q "Received DISCONNECT from sclient-1" "$MQTT_LOG" ||
	    fail "$v: no DISCONNECT"
	: >"$MQTT_LOG"
	pass "openssl s_client $v with -key optiga:0xE0F1: MQTT CONNECT taken"
done
