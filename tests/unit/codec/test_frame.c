/*
 * Frame codec: encoding against the datasheet trace, decoding of every
 * valid FCTR class and every kind of damage.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "codec/fcs.h"
#include "codec/frame.h"

static const uint8_t openapp_pkt[] = {
	0x00, 0x70, 0x00, 0x00, 0x10, 0xD2, 0x76, 0x00, 0x00, 0x04, 0x47,
	0x65, 0x6E, 0x41, 0x75, 0x74, 0x68, 0x41, 0x70, 0x70, 0x6C
};
/* [DS] A.2: the host's first frame, byte for byte. */
static const uint8_t openapp_frame[] = {
	0x03, 0x00, 0x15, 0x00, 0x70, 0x00, 0x00, 0x10, 0xD2, 0x76, 0x00,
	0x00, 0x04, 0x47, 0x65, 0x6E, 0x41, 0x75, 0x74, 0x68, 0x41, 0x70,
	0x70, 0x6C, 0x04, 0x1A
};

static void
test_encode_data(void **state)
{
	uint8_t out[64];
	size_t n;

	(void)state;
	n = ifx_frame_encode(out, sizeof(out), ifx_fctr_data(0, 3),
	    openapp_pkt, sizeof(openapp_pkt));
	assert_int_equal(n, sizeof(openapp_frame));
	assert_memory_equal(out, openapp_frame, n);
}

static void
test_encode_control(void **state)
{
	static const uint8_t ack0[] = { 0x80, 0x00, 0x00, 0x0C, 0xEC };
	static const uint8_t ack1[] = { 0x81, 0x00, 0x00, 0x56, 0x30 };
	static const uint8_t nak2[] = { 0xA2, 0x00, 0x00, 0xBA, 0x6F };
	static const uint8_t resync[] = { 0xC0, 0x00, 0x00, 0x0A, 0x9A };
	uint8_t out[5];

	(void)state;
	assert_int_equal(ifx_frame_encode(out, 5, ifx_fctr_ack(0), NULL, 0),
	    5);
	assert_memory_equal(out, ack0, 5);
	assert_int_equal(ifx_frame_encode(out, 5, ifx_fctr_ack(1), NULL, 0),
	    5);
	assert_memory_equal(out, ack1, 5);
	assert_int_equal(ifx_frame_encode(out, 5, ifx_fctr_nak(2), NULL, 0),
	    5);
	assert_memory_equal(out, nak2, 5);
	assert_int_equal(ifx_frame_encode(out, 5, IFX_FCTR_RESYNC, NULL, 0),
	    5);
	assert_memory_equal(out, resync, 5);
	/* the counters wrap modulo 4 */
	assert_int_equal(ifx_fctr_ack(4), 0x80);
	assert_int_equal(ifx_fctr_nak(7), 0xA3);
	assert_int_equal(ifx_fctr_data(5, 6), 0x06);
}

static void
test_encode_no_room(void **state)
{
	uint8_t out[64];
	static uint8_t big[0x10000];

	(void)state;
	assert_int_equal(ifx_frame_encode(out, 4, 0x80, NULL, 0), 0);
	assert_int_equal(ifx_frame_encode(out, sizeof(openapp_frame) - 1,
	    0x03, openapp_pkt, sizeof(openapp_pkt)), 0);
	assert_int_equal(ifx_frame_encode(big, sizeof(big), 0x03, big,
	    sizeof(big) - 4), 0);
}

static void
test_decode_data(void **state)
{
	struct ifx_frame f;

	(void)state;
	assert_int_equal(ifx_frame_decode(openapp_frame,
	    sizeof(openapp_frame), &f), IFX_FRAME_OK);
	assert_false(f.control);
	assert_int_equal(f.fctr, 0x03);
	assert_int_equal(f.seqctr, IFX_SEQCTR_ACK);
	assert_int_equal(f.frnr, 0);
	assert_int_equal(f.acknr, 3);
	assert_int_equal(f.packet_len, sizeof(openapp_pkt));
	assert_ptr_equal(f.packet, openapp_frame + 3);
}

static void
decode_one(uint8_t fctr, const uint8_t *pkt, size_t plen,
    enum ifx_frame_status want, struct ifx_frame *f)
{
	uint8_t buf[64];
	size_t n = ifx_frame_encode(buf, sizeof(buf), fctr, pkt, plen);

	assert_int_not_equal(n, 0);
	if (ifx_frame_decode(buf, n, f) != want)
		fail_msg("FCTR %02x, %zu-byte packet: got '%s', want '%s'",
		    fctr, plen, ifx_frame_status_str(ifx_frame_decode(buf, n,
		    f)), ifx_frame_status_str(want));
}

static void
test_decode_valid_set(void **state)
{
	static const uint8_t one[1] = { 0x00 };
	struct ifx_frame f;

	(void)state;
	/* every FCTR of the valid set in fact sheet 2.2, nothing else */
	for (unsigned v = 0; v < 256; v++) {
		bool control = v >= 0x80;
		bool valid = v <= 0x0F || (v >= 0x20 && v <= 0x2F) ||
		    (v >= 0x80 && v <= 0x83) || (v >= 0xA0 && v <= 0xA3) ||
		    v == 0xC0;

		decode_one((uint8_t)v, one, control ? 0 : 1, valid ?
		    IFX_FRAME_OK : IFX_FRAME_BAD_FCTR, &f);
	}

	decode_one(0x26, one, 1, IFX_FRAME_OK, &f);
	assert_int_equal(f.seqctr, IFX_SEQCTR_NAK);
	assert_int_equal(f.frnr, 1);
	assert_int_equal(f.acknr, 2);
	decode_one(0xA1, NULL, 0, IFX_FRAME_OK, &f);
	assert_true(f.control);
	assert_int_equal(f.seqctr, IFX_SEQCTR_NAK);
	assert_int_equal(f.acknr, 1);
	assert_int_equal(f.packet_len, 0);
	decode_one(0xC0, NULL, 0, IFX_FRAME_OK, &f);
	assert_int_equal(f.seqctr, IFX_SEQCTR_RESYNC);
}

static void
test_decode_invalid(void **state)
{
	uint8_t buf[64];
	struct ifx_frame f;
	size_t n;

	(void)state;
	memcpy(buf, openapp_frame, sizeof(openapp_frame));
	n = sizeof(openapp_frame);

	/* too short to hold a frame */
	assert_int_equal(ifx_frame_decode(buf, 4, &f), IFX_FRAME_SHORT);
	assert_int_equal(ifx_frame_decode(buf, 0, &f), IFX_FRAME_SHORT);
	/* LEN says more, or less, than arrived */
	assert_int_equal(ifx_frame_decode(buf, n - 1, &f), IFX_FRAME_BAD_LEN);
	buf[2]--;
	assert_int_equal(ifx_frame_decode(buf, n, &f), IFX_FRAME_BAD_LEN);
	buf[2]++;
	/* damaged payload, or the FCS sent low byte first */
	buf[10] ^= 0x01;
	assert_int_equal(ifx_frame_decode(buf, n, &f), IFX_FRAME_BAD_FCS);
	buf[10] ^= 0x01;
	buf[n - 2] = 0x1A;
	buf[n - 1] = 0x04;
	assert_int_equal(ifx_frame_decode(buf, n, &f), IFX_FRAME_BAD_FCS);

	/* data frame without a packet */
	decode_one(0x03, NULL, 0, IFX_FRAME_BAD_LEN, &f);
	/* control frames with a packet */
	decode_one(0x80, buf, 1, IFX_FRAME_BAD_LEN, &f);
	decode_one(0xC0, buf, 2, IFX_FRAME_BAD_LEN, &f);
	/* RFU bit, SEQCTR 11, RESYNC with ACKNR, data RESYNC, control FRNR */
	decode_one(0x13, buf, 1, IFX_FRAME_BAD_FCTR, &f);
	decode_one(0x63, buf, 1, IFX_FRAME_BAD_FCTR, &f);
	decode_one(0xE0, NULL, 0, IFX_FRAME_BAD_FCTR, &f);
	decode_one(0xC1, NULL, 0, IFX_FRAME_BAD_FCTR, &f);
	decode_one(0x40, buf, 1, IFX_FRAME_BAD_FCTR, &f);
	decode_one(0x84, NULL, 0, IFX_FRAME_BAD_FCTR, &f);
}

static void
test_status_strings(void **state)
{
	(void)state;
	for (int s = IFX_FRAME_OK; s <= IFX_FRAME_BAD_FCTR; s++)
		assert_string_not_equal(ifx_frame_status_str(
		    (enum ifx_frame_status)s), "?");
	assert_string_equal(ifx_frame_status_str((enum ifx_frame_status)99),
	    "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_data),
		cmocka_unit_test(test_encode_control),
		cmocka_unit_test(test_encode_no_room),
		cmocka_unit_test(test_decode_data),
		cmocka_unit_test(test_decode_valid_set),
		cmocka_unit_test(test_decode_invalid),
		cmocka_unit_test(test_status_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
