/*
 * MQTT 3.1.1 packets against the bytes of the specification's examples,
 * and endpoint parsing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tls/tls.h"
#include "util/err.h"

static void
test_len(void **state)
{
	/* the boundaries of OASIS MQTT 3.1.1, table 2.4 */
	static const struct { size_t n; size_t bytes; uint8_t b[4]; } v[] = {
		{ 0, 1, { 0x00 } }, { 127, 1, { 0x7f } },
		{ 128, 2, { 0x80, 0x01 } }, { 16383, 2, { 0xff, 0x7f } },
		{ 16384, 3, { 0x80, 0x80, 0x01 } },
		{ 2097151, 3, { 0xff, 0xff, 0x7f } },
		{ 2097152, 4, { 0x80, 0x80, 0x80, 0x01 } },
		{ 268435455, 4, { 0xff, 0xff, 0xff, 0x7f } },
	};
	uint8_t out[4];
	size_t n, used;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(mqtt_encode_len(v[i].n, out), v[i].bytes);
		assert_memory_equal(out, v[i].b, v[i].bytes);
		assert_int_equal(mqtt_decode_len(out, v[i].bytes, &n, &used),
		    0);
		assert_int_equal(n, v[i].n);
		assert_int_equal(used, v[i].bytes);
		if (v[i].bytes > 1)
			assert_int_equal(OP_RC_CODE(mqtt_decode_len(out,
			    v[i].bytes - 1, &n, &used)), OP_E_RANGE);
	}
	memset(out, 0xff, sizeof(out));
	assert_int_equal(OP_RC_CODE(mqtt_decode_len(out, 4, &n, &used)),
	    OP_E_PROTOCOL);
}

static void
test_connect(void **state)
{
	static const uint8_t want[] = {
		0x10, 0x12, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02,
		0x00, 0x3c, 0x00, 0x06, 's', 'e', 'n', 's', 'o', 'r'
	};
	uint8_t out[64];
	char id[MQTT_CLIENT_ID_MAX + 2];
	size_t len = 0;

	assert_int_equal(mqtt_encode_connect("sensor", 60, out, sizeof(out),
	    &len), 0);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(out, want, sizeof(want));

	/* too small a buffer, an empty or too long client ID */
	assert_int_not_equal(mqtt_encode_connect("sensor", 60, out, 10,
	    &len), 0);
	assert_int_not_equal(mqtt_encode_connect("", 60, out, sizeof(out),
	    &len), 0);
	memset(id, 'a', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	assert_int_not_equal(mqtt_encode_connect(id, 60, out, sizeof(out),
	    &len), 0);
}

static void
test_publish(void **state)
{
	static const uint8_t want[] = {
		0x32, 0x0a, 0x00, 0x03, 'a', '/', 'b', 0x12, 0x34, 'h', 'i',
		'!'
	};
	static uint8_t big[200];
	uint8_t out[300];
	size_t len = 0;

	assert_int_equal(mqtt_encode_publish("a/b", (const uint8_t *)"hi!", 3,
	    0x1234, out, sizeof(out), &len), 0);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(out, want, sizeof(want));

	/* 200 bytes of payload: a two-byte remaining length */
	assert_int_equal(mqtt_encode_publish("t", big, sizeof(big), 1, out,
	    sizeof(out), &len), 0);
	assert_int_equal(out[1], (2 + 1 + 2 + 200) % 128 | 0x80);
	assert_int_equal(out[2], 1);
	assert_int_equal(len, 3 + 205);

	/* wildcards, packet identifier 0 */
	assert_int_not_equal(mqtt_encode_publish("a/#", big, 1, 1, out,
	    sizeof(out), &len), 0);
	assert_int_not_equal(mqtt_encode_publish("a/+/b", big, 1, 1, out,
	    sizeof(out), &len), 0);
	assert_int_not_equal(mqtt_encode_publish("a", big, 1, 0, out,
	    sizeof(out), &len), 0);
}

static void
test_acks(void **state)
{
	const uint8_t ok[] = { 0x00, 0x00 }, sp[] = { 0x01, 0x05 };
	const uint8_t bad[] = { 0x02, 0x00 }, ack[] = { 0xbe, 0xef };
	uint8_t out[4];
	size_t len;
	bool session;
	uint8_t code;
	uint16_t id;

	assert_int_equal(mqtt_decode_connack(ok, 2, &session, &code), 0);
	assert_false(session);
	assert_int_equal(code, 0);
	assert_int_equal(mqtt_decode_connack(sp, 2, &session, &code), 0);
	assert_true(session);
	assert_string_equal(mqtt_connack_str(code), "not authorized");
	assert_int_not_equal(mqtt_decode_connack(bad, 2, &session, &code), 0);
	assert_int_not_equal(mqtt_decode_connack(ok, 1, &session, &code), 0);
	assert_int_equal(mqtt_decode_puback(ack, 2, &id), 0);
	assert_int_equal(id, 0xbeef);
	assert_int_equal(mqtt_encode_disconnect(out, sizeof(out), &len), 0);
	assert_int_equal(len, 2);
	assert_int_equal(out[0], 0xe0);
	assert_int_equal(out[1], 0x00);
}

static void
test_endpoint(void **state)
{
	struct tls_endpoint ep;

	assert_int_equal(tls_endpoint_parse("broker.example.com", &ep), 0);
	assert_string_equal(ep.host, "broker.example.com");
	assert_int_equal(ep.port, 8883);
	assert_false(ep.is_ip);
	assert_int_equal(tls_endpoint_parse("a-ats.iot.eu-west-1.amazonaws."
	    "com:443", &ep), 0);
	assert_int_equal(ep.port, 443);
	assert_int_equal(tls_endpoint_parse("127.0.0.1:1883", &ep), 0);
	assert_true(ep.is_ip);
	assert_int_equal(ep.port, 1883);
	assert_int_equal(tls_endpoint_parse("[::1]:8884", &ep), 0);
	assert_string_equal(ep.host, "::1");
	assert_true(ep.is_ip);
	assert_int_equal(ep.port, 8884);
	assert_int_equal(tls_endpoint_parse("[::1]", &ep), 0);
	assert_int_equal(ep.port, 8883);

	assert_int_not_equal(tls_endpoint_parse("", &ep), 0);
	assert_int_not_equal(tls_endpoint_parse("host:", &ep), 0);
	assert_int_not_equal(tls_endpoint_parse("host:0", &ep), 0);
	assert_int_not_equal(tls_endpoint_parse("host:65536", &ep), 0);
	assert_int_not_equal(tls_endpoint_parse("host:88x", &ep), 0);
	assert_int_not_equal(tls_endpoint_parse("::1", &ep), 0);
	assert_int_not_equal(tls_endpoint_parse("[host]:1", &ep), 0);
	assert_int_not_equal(tls_endpoint_parse("[::1", &ep), 0);
	assert_int_not_equal(tls_endpoint_parse("a b", &ep), 0);
	assert_int_equal(OP_RC_LAYER(tls_endpoint_parse(":1", &ep)),
	    OP_LAYER_USAGE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_len),
		cmocka_unit_test(test_connect),
		cmocka_unit_test(test_publish),
		cmocka_unit_test(test_acks),
		cmocka_unit_test(test_endpoint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
