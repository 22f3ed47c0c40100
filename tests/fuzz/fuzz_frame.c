/*
 * Fuzz target: the IFX I2C frame codec both sides share (FCTR, LEN, FCS)
 * and the 2-byte-length TLV walker; a decoded frame is re-encoded and
 * must decode to the same thing.
 */
#include <stdlib.h>
#include <string.h>

#include "codec/frame.h"
#include "codec/tlv.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[IFX_FRAME_SIZE_DEFAULT + 16];
	struct ifx_frame f, g;
	struct tlv_iter it;
	const uint8_t *v;
	uint8_t tag;
	size_t n;

	if (ifx_frame_decode(data, size, &f) == IFX_FRAME_OK &&
	    f.packet_len + IFX_FRAME_OVERHEAD <= sizeof(out)) {
		n = ifx_frame_encode(out, sizeof(out), f.fctr, f.packet,
		    f.packet_len);
		if (n != size || ifx_frame_decode(out, n, &g) !=
		    IFX_FRAME_OK || g.packet_len != f.packet_len ||
		    memcmp(g.packet, f.packet, f.packet_len) != 0)
			abort();
	}
	(void)ifx_frame_status_str(ifx_frame_decode(data, size, &f));

	tlv_iter_init(&it, data, size);
	while (tlv_next(&it, &tag, &v, &n) == 1)
		if (v < data || v + n > data + size)
			abort();
	(void)tlv_find(data, size, 0xC0, &v, &n);

	return 0;
}
