/*
 * IFX I2C frame check sequence: CRC-16 with the reflected polynomial
 * 0x8408, initial value 0, no final XOR (the CRC-16/KERMIT register).
 * On the wire the high byte goes first, as the vendor library and the
 * real chip do; the protocol specification's text says low byte first
 * ([conflict] in the fact sheet, section 2.3: we follow the chip).
 */
#ifndef OP_CODEC_FCS_H
#define OP_CODEC_FCS_H

#include <stddef.h>
#include <stdint.h>

uint16_t ifx_fcs(const uint8_t *buf, size_t len);

#endif
