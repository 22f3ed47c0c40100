/*
 * How long a real chip takes to execute each command, for the link side's
 * real-time mode (sim_chip_last_exec_us()).
 *
 * Source: fact sheet section 10 ([DS] 6.2, [SRM] "Crypto performance").
 * Those figures are whole sequences at 400 kHz including the I2C transfer;
 * the link side models the transfer itself, so the execution times below
 * are the published figures minus roughly 3-4 ms of transfer.  Figures
 * marked "model" are not published; they are scaled from the P-256 and
 * RSA figures by the cost of the arithmetic and are only plausible.
 * Trust X has no published figures and uses the V1 column.
 *
 *   operation                 V3 (ms)    V1/X (ms)  basis
 *   ECC P-256 keygen          52         72         DS 55 / 75
 *   ECDSA P-256 sign          61         56         DS 65 / 60
 *   ECDSA P-256 verify        82         82         DS 85 / 85
 *   P-384 keygen/sign/verify  110/120/170 same      model
 *   P-521 keygen/sign/verify  230/250/350 -         model
 *   BP256 keygen/sign/verify  70/80/110   -         model
 *   BP384 keygen/sign/verify  150/160/220 -         model
 *   BP512 keygen/sign/verify  280/300/400 -         model
 *   RSA-1024 keygen/sign/ver  500/60/20   same      model
 *   RSA-2048 keygen           2900       2900       DS ~2900 (average)
 *   RSA-2048 sign / verify    305 / 37   305 / 42   DS 310 / 40 (V1 45)
 *   GetDataObject             4 + 19 per 256 B      SRM ~30 per 256 B
 *   SetDataObject             5 + 43 per 256 B      SRM ~55 per 256 B
 *   SetDataObject metadata    30                    model
 *   CalcHash SHA-256          2 + n / 15 KB/s (V1/X 12 KB/s)   DS
 *   GetRandom                 3 + 0.02 per byte     model
 *   Open/CloseApplication     5 (hibernate 20)      model
 */
#include "simchip.h"

struct alg_time {
	int alg;
	uint32_t ms[3][2];	/* [op][0 = V3, 1 = V1/X] */
};

static const struct alg_time alg_times[] = {
	{ SIM_ALG_P256, { { 52, 72 }, { 61, 56 }, { 82, 82 } } },
	{ SIM_ALG_P384, { { 110, 110 }, { 120, 120 }, { 170, 170 } } },
	{ SIM_ALG_P521, { { 230, 230 }, { 250, 250 }, { 350, 350 } } },
	{ SIM_ALG_BP256, { { 70, 70 }, { 80, 80 }, { 110, 110 } } },
	{ SIM_ALG_BP384, { { 150, 150 }, { 160, 160 }, { 220, 220 } } },
	{ SIM_ALG_BP512, { { 280, 280 }, { 300, 300 }, { 400, 400 } } },
	{ SIM_ALG_RSA1024, { { 500, 500 }, { 60, 60 }, { 20, 20 } } },
	{ SIM_ALG_RSA2048, { { 2900, 2900 }, { 305, 305 }, { 37, 42 } } },
};

uint64_t
sim_time_alg(const struct sim_chip *chip, int alg, enum sim_time_op op)
{
	int col = chip->product == SIM_TRUST_M3 ? 0 : 1;

	for (size_t i = 0; i < sizeof(alg_times) / sizeof(alg_times[0]); i++)
		if (alg_times[i].alg == alg)
			return (uint64_t)alg_times[i].ms[op][col] * 1000;

	return 5000;
}

/*
 * The SRM's 256-byte figures (read ~30 ms, write ~55 ms) are whole
 * sequences at 400 kHz.  The bus time of those two APDUs, about 7 ms
 * each (performance anchors, section 2), is the link side's to add, so
 * the chip's own share is 23 ms and 48 ms per 256 bytes.  How it scales
 * with size is not published; a fixed part plus a part per byte sits
 * between the per-APDU and per-byte readings of the fact sheet.
 */
uint64_t
sim_time_rw(const struct sim_chip *chip, bool write, size_t n)
{
	(void)chip;
	if (write)
		return 5000 + (uint64_t)n * 43000 / 256;

	return 4000 + (uint64_t)n * 19000 / 256;
}

uint64_t
sim_time_hash(const struct sim_chip *chip, size_t n)
{
	uint64_t rate = chip->product == SIM_TRUST_M3 ? 15 * 1024 :
	    12 * 1024;

	return 2000 + (uint64_t)n * 1000000 / rate;
}

uint64_t
sim_time_random(size_t n)
{
	return 3000 + (uint64_t)n * 20;
}
