#!/bin/bash
# connect: a personalized emulated chip authenticates to a real mosquitto
# with its own key (TLS 1.3, then TLS 1.2), publishes, and mosquitto_sub
# receives the message; personalize --connect ends with the same check.
# bus: any
. "$OP_TEST_LIB"

export OPTIGA_PUBCACHE_DIR="$T/pub"
CONFIG="$OP_SOURCE_DIR/examples/config.json"
start_sim
optiga-perso ca init ca --subject "/CN=Test CA" >/dev/null
start_mosquitto "$T/ca"

# personalize, ending with the connection
optiga-perso personalize --no-aws --config "$CONFIG" --ca ca --out perso-out \
    --connect "127.0.0.1:$MQTT_PORT" --connect-ca-file "$MQTT_CA" \
    >perso.txt || fail "personalize --connect failed"
grep -Eq '^  connect +done' perso.txt ||
    fail "no connect step: $(cat perso.txt)"
grep -q '^  connected .*TLSv1.3' perso.txt || fail "no connection summary"
grep -q '"step": *"connect".*"outcome": *"ok"' perso-out/records.jsonl ||
    grep -q '"connect"' perso-out/records.jsonl || fail "connect not recorded"
# the broker saw the chip's certificate: its CN became the user name
want="New client connected from 127.0.0.1.* as sensor-0001 .*u'sensor-0001'"
grep -q "$want" "$MQTT_LOG" || fail "broker log: $(tail -5 "$MQTT_LOG")"
pass "personalize --connect: TLS with the chip key, CONNACK accepted"

# connect and publish; the subscriber receives it
mqtt_sub sensors/0001 got.txt
optiga-perso connect --endpoint "127.0.0.1:$MQTT_PORT" --ca-file "$MQTT_CA" \
    --topic sensors/0001 --message "hello from the chip" >conn.txt ||
    fail "connect failed"
wait "$SUB_PID" || fail "mosquitto_sub: $(cat got.txt.err)"
[ "$(cat got.txt)" = "hello from the chip" ] ||
    fail "received '$(cat got.txt)'"
grep -q "tls        TLSv1.3" conn.txt || fail "protocol: $(cat conn.txt)"
grep -q "server     CN=localhost" conn.txt || fail "server cert"
grep -q "issued by CN=Test CA; verified" conn.txt || fail "server issuer"
grep -q "PUBACK received" conn.txt || fail "no PUBACK"
n='[0-9.]+'
want="^time \(ms\): chip $n tcp $n tls $n mqtt-connect $n publish $n disconnect"
grep -Eq "$want" conn.txt || fail "timing: $(cat conn.txt)"
pass "connect publishes with the chip key; mosquitto_sub received it"

# by name: the server's name is checked against its certificate
optiga-perso --json connect --endpoint "localhost:$MQTT_PORT" \
    --ca-file "$MQTT_CA" --client-id probe-1 >conn.json ||
    fail "connect to localhost"
/usr/bin/python3 - conn.json <<'PY' || fail "JSON report: $(cat conn.json)"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] and d["protocol"] == "TLSv1.3", d
assert d["client_id"] == "probe-1" and d["published"] is False, d
assert d["key_slot"] == "0xE0F1" and d["cert_slot"] == "0xE0E1", d
for p in ("chip", "tcp", "tls", "mqtt-connect", "disconnect"):
    assert d["ms"][p] >= 0, p
assert "publish" not in d["ms"]
PY
grep -q "as probe-1 .*u'sensor-0001'" "$MQTT_LOG" || fail "client ID"
pass "connect by host name, JSON report, --client-id"

# a server certificate from a CA we were not told to trust
optiga-perso ca init other --subject "/CN=Other CA" >/dev/null
expect_fail 7 optiga-perso connect --endpoint "127.0.0.1:$MQTT_PORT" \
    --ca-file other/cacert.pem
grep -q "the server's certificate does not verify" "$T/err" ||
    fail "untrusted server: $(cat "$T/err")"
pass "a server from an untrusted CA is refused (exit 7)"

# TLS 1.2: the broker checks the client certificate inside the handshake
mqtt_sub sensors/tls12 got12.txt
optiga-perso connect --endpoint "127.0.0.1:$MQTT_PORT" --ca-file "$MQTT_CA" \
    --topic sensors/tls12 --message "over TLS 1.2" --tls-max 1.2 \
    >conn12.txt ||
    fail "connect over TLS 1.2"
wait "$SUB_PID" || fail "mosquitto_sub (1.2)"
[ "$(cat got12.txt)" = "over TLS 1.2" ] || fail "received '$(cat got12.txt)'"
grep -q "tls        TLSv1.2, ECDHE-ECDSA" conn12.txt ||
    fail "TLS 1.2: $(cat conn12.txt)"
pass "TLS 1.2 with ECDHE-ECDSA and the chip key"
