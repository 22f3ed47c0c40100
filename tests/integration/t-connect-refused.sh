#!/bin/bash
# connect fails with a clear reason when the broker does not trust the
# chip's CA, and before any network traffic when the certificate slot
# does not hold the key's certificate.
# bus: any
. "$OP_TEST_LIB"

export OPTIGA_PUBCACHE_DIR="$T/pub"
CONFIG="$OP_SOURCE_DIR/examples/config.json"
optiga-perso ca init ca --subject "/CN=Test CA" >/dev/null
optiga-perso ca init foreign --subject "/CN=Foreign CA" >/dev/null
start_mosquitto "$T/ca"

# a chip personalized by a CA the broker does not know
start_sim trust-m3 other
optiga-perso personalize --no-aws --config "$CONFIG" --ca foreign \
    --out perso-other >/dev/null || fail "personalize (foreign CA)"
expect_fail 7 optiga-perso connect --endpoint "127.0.0.1:$MQTT_PORT" \
    --ca-file "$MQTT_CA"
want='the server refused the client certificate (TLS alert "unknown CA")'
grep -q "$want" "$T/err" || fail "foreign CA: $(cat "$T/err")"
grep -q "issued by CN=Foreign CA" "$T/err" || fail "issuer not named"
grep -q "New client connected" "$MQTT_LOG" && fail "broker let it in"
pass "a certificate from a foreign CA is refused, reason given (exit 7)"

# the same over TLS 1.2, where the refusal comes inside the handshake
expect_fail 7 optiga-perso connect --endpoint "127.0.0.1:$MQTT_PORT" \
    --ca-file "$MQTT_CA" --tls-max 1.2
grep -q 'TLS handshake: the server refused the client certificate' \
    "$T/err" || fail "foreign CA, TLS 1.2: $(cat "$T/err")"
pass "the same refusal over TLS 1.2, during the handshake"

# a chip of our CA, with a second identity in 0xE0F2/0xE0E2
start_sim trust-m3 chip
sed 's/"0xE0F1"/"0xE0F2"/; s/sensor-0001/sensor-0002/' "$CONFIG" \
    >config2.json
optiga-perso personalize --no-aws --config "$CONFIG" --ca ca \
    --out perso >/dev/null || fail "personalize key1"
optiga-perso personalize --no-aws --config config2.json --ca ca \
    --out perso >/dev/null || fail "personalize key2"
optiga-perso connect --endpoint "127.0.0.1:$MQTT_PORT" --ca-file "$MQTT_CA" \
    --slot key2 >c2.txt || fail "connect with key2: $(cat c2.txt)"
grep -q "client ID sensor-0002" c2.txt || fail "key2: $(cat c2.txt)"
pass "a second identity (0xE0F2 with 0xE0E2) connects"

n=$(grep -c "New client connected" "$MQTT_LOG")
expect_fail 6 optiga-perso connect --endpoint "127.0.0.1:$MQTT_PORT" \
    --ca-file "$MQTT_CA" --slot 0xE0F1 --cert-slot 0xE0E2
want='certificate slot 0xE0E2 (.*CN=sensor-0002) does not hold the'
grep -q "$want certificate of the key in 0xE0F1" "$T/err" ||
    fail "mismatch: $(cat "$T/err")"
[ "$(grep -c "New client connected" "$MQTT_LOG")" -eq "$n" ] ||
    fail "a mismatched pair reached the broker"
pass "a certificate slot that does not match the key slot is named (exit 6)"

expect_fail 1 optiga-perso connect --endpoint "127.0.0.1:$MQTT_PORT" \
    --ca-file "$MQTT_CA" --slot 0xE0F1 --cert-slot 0xE0E3
grep -q "certificate slot 0xE0E3 is empty" "$T/err" ||
    fail "empty slot: $(cat "$T/err")"
pass "an empty certificate slot is named"

# nothing listens there; a bad endpoint is a usage error
port=$MQTT_PORT
kill "$MQTT_PID"; wait "$MQTT_PID" 2>/dev/null || true
expect_fail 7 optiga-perso connect --endpoint "127.0.0.1:$port" \
    --ca-file "$MQTT_CA"
grep -q "cannot connect to 127.0.0.1 port $port: Connection refused" \
    "$T/err" || fail "refused: $(cat "$T/err")"
expect_fail 2 optiga-perso connect --endpoint "127.0.0.1:99999"
grep -q "port '99999' is not a number from 1 to 65535" "$T/err" ||
    fail "bad port: $(cat "$T/err")"
expect_fail 2 optiga-perso connect --endpoint h --topic t
grep -q -- "--topic and --message go together" "$T/err" || fail "topic"
pass "no broker (exit 7), bad endpoint and options (exit 2)"
