#include <string.h>

#include "codec/fcs.h"
#include "codec/frame.h"

size_t
ifx_frame_encode(uint8_t *out, size_t cap, uint8_t fctr,
    const uint8_t *packet, size_t packet_len)
{
	size_t total = packet_len + IFX_FRAME_OVERHEAD;
	uint16_t fcs;

	if (total > cap || packet_len > 0xffff)
		return 0;

	out[0] = fctr;
	out[1] = (uint8_t)(packet_len >> 8);
	out[2] = (uint8_t)packet_len;
	if (packet_len > 0)
		memcpy(out + 3, packet, packet_len);
	fcs = ifx_fcs(out, 3 + packet_len);
	out[3 + packet_len] = (uint8_t)(fcs >> 8);
	out[4 + packet_len] = (uint8_t)fcs;

	return total;
}

enum ifx_frame_status
ifx_frame_decode(const uint8_t *buf, size_t len, struct ifx_frame *f)
{
	size_t plen;
	uint16_t fcs;

	memset(f, 0, sizeof(*f));
	if (len < IFX_FRAME_OVERHEAD)
		return IFX_FRAME_SHORT;

	plen = (size_t)buf[1] << 8 | buf[2];
	if (plen + IFX_FRAME_OVERHEAD != len)
		return IFX_FRAME_BAD_LEN;

	fcs = (uint16_t)(buf[len - 2] << 8 | buf[len - 1]);
	if (ifx_fcs(buf, len - 2) != fcs)
		return IFX_FRAME_BAD_FCS;

	f->fctr = buf[0];
	f->control = (buf[0] & IFX_FCTR_CONTROL) != 0;
	f->seqctr = (buf[0] >> 5) & 3;
	f->frnr = (buf[0] >> 2) & 3;
	f->acknr = buf[0] & 3;
	f->packet = buf + 3;
	f->packet_len = plen;

	/* Bit 4 is RFU; SEQCTR 11 is RFU. */
	if ((buf[0] & 0x10) != 0 || f->seqctr == IFX_SEQCTR_RFU)
		return IFX_FRAME_BAD_FCTR;
	if (f->control) {
		/* Control frames carry no frame number and no packet. */
		if (f->frnr != 0)
			return IFX_FRAME_BAD_FCTR;
		if (f->seqctr == IFX_SEQCTR_RESYNC && f->acknr != 0)
			return IFX_FRAME_BAD_FCTR;
		if (plen != 0)
			return IFX_FRAME_BAD_LEN;
	} else {
		if (plen == 0)
			return IFX_FRAME_BAD_LEN;
		if (f->seqctr == IFX_SEQCTR_RESYNC)
			return IFX_FRAME_BAD_FCTR;
	}

	return IFX_FRAME_OK;
}

const char *
ifx_frame_status_str(enum ifx_frame_status s)
{
	switch (s) {
	case IFX_FRAME_OK: return "ok";
	case IFX_FRAME_SHORT: return "shorter than 5 bytes";
	case IFX_FRAME_BAD_LEN: return "length field does not fit";
	case IFX_FRAME_BAD_FCS: return "frame check sequence wrong";
	case IFX_FRAME_BAD_FCTR: return "invalid frame control byte";
	}

	return "?";
}
