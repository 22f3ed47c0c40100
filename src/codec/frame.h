/*
 * IFX I2C data-link frames: FCTR(1) LEN(2, big-endian) PACKET(LEN) FCS(2).
 * Stateless encode/decode shared by the host stack and the emulator; the
 * state machines on each side are separate so that each can catch the
 * other's mistakes.
 */
#ifndef OP_CODEC_FRAME_H
#define OP_CODEC_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IFX_FRAME_OVERHEAD	5	/* FCTR + LEN + FCS */
#define IFX_FRAME_SIZE_DEFAULT	0x0115	/* 277, Trust M and Trust X */
#define IFX_FRAME_SIZE_MIN	0x0010
#define IFX_FRAME_SIZE_FT260	55

/* FCTR fields */
#define IFX_FCTR_CONTROL	0x80
#define IFX_SEQCTR_ACK		0
#define IFX_SEQCTR_NAK		1
#define IFX_SEQCTR_RESYNC	2
#define IFX_SEQCTR_RFU		3
#define IFX_FCTR_RESYNC		0xC0

#define ifx_fctr_data(frnr, acknr) \
	((uint8_t)((((frnr) & 3) << 2) | ((acknr) & 3)))
#define ifx_fctr_ack(acknr)	((uint8_t)(0x80 | ((acknr) & 3)))
#define ifx_fctr_nak(acknr)	((uint8_t)(0xA0 | ((acknr) & 3)))

enum ifx_frame_status {
	IFX_FRAME_OK = 0,
	IFX_FRAME_SHORT,	/* fewer than 5 bytes */
	IFX_FRAME_BAD_LEN,	/* LEN does not match the byte count */
	IFX_FRAME_BAD_FCS,
	IFX_FRAME_BAD_FCTR	/* RFU bits or an invalid combination */
};

struct ifx_frame {
	uint8_t fctr;
	bool control;
	uint8_t seqctr;		/* IFX_SEQCTR_* */
	uint8_t frnr;		/* data frames only */
	uint8_t acknr;
	const uint8_t *packet;	/* points into the decoded buffer */
	size_t packet_len;
};

/*
 * Encode a frame into out.  Returns the frame length, or 0 if cap is too
 * small.
 */
size_t ifx_frame_encode(uint8_t *out, size_t cap, uint8_t fctr,
    const uint8_t *packet, size_t packet_len);

/* Decode and check a received frame; f->packet points into buf. */
enum ifx_frame_status ifx_frame_decode(const uint8_t *buf, size_t len,
    struct ifx_frame *f);

const char *ifx_frame_status_str(enum ifx_frame_status s);

#endif
