#include "codec/fcs.h"

uint16_t
ifx_fcs(const uint8_t *buf, size_t len)
{
	uint16_t reg = 0;

	for (size_t i = 0; i < len; i++) {
		reg ^= buf[i];
		for (int bit = 0; bit < 8; bit++)
			reg = (reg & 1) ? (uint16_t)((reg >> 1) ^ 0x8408) :
			    (uint16_t)(reg >> 1);
	}

	return reg;
}
