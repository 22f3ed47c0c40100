/*
 * Fuzz target: object metadata as the chip returns it (tag 0x20 TLV)
 * through both parsers, the codec's (with access conditions) and the
 * chip layer's.
 */
#include <string.h>

#include "chip/chip.h"
#include "codec/meta.h"
#include "util/err.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chip_meta cm;
	struct meta m;
	struct meta_ac ac;
	uint8_t out[512];
	char text[512];
	size_t n;
	const uint8_t *v;

	if (chip_meta_parse(data, size, &cm) == 0) {
		for (size_t i = 0; i < 3; i++)
			(void)chip_ac_str(i == 0 ? &cm.read : i == 1 ?
			    &cm.change : &cm.exec, text, sizeof(text));
	}

	meta_init(&m);
	if (meta_parse(data, size, &m) == 0) {
		(void)meta_encode(&m, out, sizeof(out), &n);
		for (uint8_t tag = 0xD0; tag <= 0xD3; tag++)
			if ((v = meta_get(&m, tag, &n)) != NULL) {
				(void)meta_ac_parse(v, n, &ac);
				(void)meta_ac_describe(v, n, text,
				    sizeof(text));
			}
	}
	(void)meta_ac_parse(data, size, &ac);
	(void)meta_ac_describe(data, size, text, sizeof(text));
	op_err_clear();

	return 0;
}
