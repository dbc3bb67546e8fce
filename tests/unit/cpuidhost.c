// SPDX-License-Identifier: GPL-2.0-only
/*
 * The CPUID of the testbed's two host CPUs (tests/testbed/run), recorded
 * by cpuid-record.sh: the cpuid-dump.S boot sector, booted under
 *
 *   cpuid_epyc  QEMU 7.2 (Debian 12), TCG, -cpu EPYC,+svm,+npt, -smp 1: the
 *               svm target's host. TCG leaves out some of the EPYC model
 *               (QEMU warns: rdseed, sha-ni, fxsr-opt, misalignsse,
 *               3dnowprefetch, osvw, topoext, nrip-save, xsavec).
 *   cpuid_skx   Bochs 2.7 (Debian 12), cpu model corei7_skylake_x, the
 *               vmx target's host: an i7-7800X as Bochs presents it, with
 *               AVX-512 F/DQ/CD/BW/VL and no PKU or MPX.
 *
 * The dump runs in real mode after setting CR4.OSXSAVE and XCR0 to every
 * component CPUID.0DH offers, so leaf 1 shows OSXSAVE and leaf 0DH the
 * sizes for that XCR0, as a host kernel sees them. One change by hand, so
 * that the rows are what a 64-bit host kernel reads: Bochs reports
 * SYSCALL (CPUID.80000001H:EDX[11]) on Intel only in 64-bit mode, and the
 * real-mode dump had it clear; it is set below. Subleaves past 0 that are
 * all zeros are left out. The 40000000H rows are the emulators' own (TCG's
 * signature; Bochs answers leaf 16H's data, as Intel CPUs do for a leaf
 * out of range): the policy must not ask for them.
 */
#include <string.h>

#include "cpuidhost.h"

#define R(l, s, a, b, c, d)	{ (l), (s), (a), (b), (c), (d) }

static const struct cpuid_row epyc_rows[] = {
	R(0x00000000, 0, 0x0000000d, 0x68747541, 0x444d4163, 0x69746e65),
	R(0x00000001, 0, 0x00800f12, 0x00000800, 0xfed8320b, 0x078bfbfd),
	R(0x00000002, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x00000003, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x00000004, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x00000005, 0, 0x00000000, 0x00000000, 0x00000003, 0x00000000),
	R(0x00000006, 0, 0x00000004, 0x00000000, 0x00000000, 0x00000000),
	R(0x00000007, 0, 0x00000000, 0x009801a9, 0x00000000, 0x00000000),
	R(0x00000008, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x00000009, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x0000000a, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x0000000b, 0, 0x00000000, 0x00000001, 0x00000100, 0x00000000),
	R(0x0000000b, 1, 0x00000000, 0x00000001, 0x00000201, 0x00000000),
	R(0x0000000b, 2, 0x00000000, 0x00000000, 0x00000002, 0x00000000),
	R(0x0000000b, 3, 0x00000000, 0x00000000, 0x00000003, 0x00000000),
	R(0x0000000c, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x0000000d, 0, 0x00000007, 0x00000340, 0x00000340, 0x00000000),
	R(0x0000000d, 1, 0x00000005, 0x00000340, 0x00000000, 0x00000000),
	R(0x0000000d, 2, 0x00000100, 0x00000240, 0x00000000, 0x00000000),
	R(0x40000000, 0, 0x40000001, 0x54474354, 0x43544743, 0x47435447),
	R(0x40000001, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x80000000, 0, 0x8000001e, 0x68747541, 0x444d4163, 0x69746e65),
	R(0x80000001, 0, 0x00800f12, 0x00000000, 0x00000075, 0x2dd3fbfd),
	R(0x80000002, 0, 0x20444d41, 0x43595045, 0x6f725020, 0x73736563),
	R(0x80000003, 0, 0x0000726f, 0x00000000, 0x00000000, 0x00000000),
	R(0x80000004, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x80000005, 0, 0x01ff01ff, 0x01ff01ff, 0x20080140, 0x40040140),
	R(0x80000006, 0, 0x00000000, 0x42004200, 0x02006140, 0x00408140),
	R(0x80000007, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x80000008, 0, 0x00003028, 0x00000000, 0x00000000, 0x00000000),
	R(0x80000009, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x8000000a, 0, 0x00000001, 0x00000010, 0x00000000, 0x00000001),
	R(0x8000000b, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x8000000c, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x8000000d, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x8000000e, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x8000000f, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x80000010, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x80000011, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x80000012, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x80000013, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x80000014, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x80000015, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x80000016, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x80000017, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x80000018, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x80000019, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x8000001a, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x8000001b, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x8000001c, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x8000001d, 0, 0x00000121, 0x01c0003f, 0x0000003f, 0x00000001),
	R(0x8000001d, 1, 0x00000122, 0x00c0003f, 0x000000ff, 0x00000001),
	R(0x8000001d, 2, 0x00000043, 0x01c0003f, 0x000003ff, 0x00000000),
	R(0x8000001d, 3, 0x00000163, 0x03c0003f, 0x00001fff, 0x00000006),
	R(0x8000001e, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
};

static const struct cpuid_row skx_rows[] = {
	R(0x00000000, 0, 0x00000016, 0x756e6547, 0x6c65746e, 0x49656e69),
	R(0x00000001, 0, 0x00050654, 0x00010800, 0x7ffaf3bf, 0xbfebfbff),
	R(0x00000002, 0, 0x76036301, 0x00f0b5ff, 0x00000000, 0x00c30000),
	R(0x00000003, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x00000004, 0, 0x1c004121, 0x01c0003f, 0x0000003f, 0x00000000),
	R(0x00000004, 1, 0x1c004122, 0x01c0003f, 0x0000003f, 0x00000000),
	R(0x00000004, 2, 0x1c004143, 0x03c0003f, 0x000003ff, 0x00000000),
	R(0x00000004, 3, 0x1c03c163, 0x0280003f, 0x00002fff, 0x00000004),
	R(0x00000005, 0, 0x00000040, 0x00000040, 0x00000003, 0x00002020),
	R(0x00000006, 0, 0x00000075, 0x00000002, 0x00000009, 0x00000000),
	R(0x00000007, 0, 0x00000000, 0xd19f27eb, 0x00000000, 0x00000000),
	R(0x00000008, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x00000009, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x0000000a, 0, 0x07300404, 0x00000000, 0x00000000, 0x00000603),
	R(0x0000000b, 0, 0x00000001, 0x00000001, 0x00000000, 0x00000000),
	R(0x0000000b, 1, 0x00000000, 0x00000000, 0x00000001, 0x00000000),
	R(0x0000000b, 2, 0x00000000, 0x00000000, 0x00000002, 0x00000000),
	R(0x0000000b, 3, 0x00000000, 0x00000000, 0x00000003, 0x00000000),
	R(0x0000000c, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x0000000d, 0, 0x000000e7, 0x00000a80, 0x00000a80, 0x00000000),
	R(0x0000000d, 1, 0x0000000f, 0x00000a80, 0x00000000, 0x00000000),
	R(0x0000000d, 2, 0x00000100, 0x00000240, 0x00000000, 0x00000000),
	R(0x0000000d, 5, 0x00000040, 0x00000440, 0x00000000, 0x00000000),
	R(0x0000000d, 6, 0x00000200, 0x00000480, 0x00000000, 0x00000000),
	R(0x0000000d, 7, 0x00000400, 0x00000680, 0x00000000, 0x00000000),
	R(0x0000000e, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x0000000f, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x00000010, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x00000011, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x00000012, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x00000013, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x00000014, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x00000015, 0, 0x00000002, 0x00000124, 0x00000000, 0x00000000),
	R(0x00000016, 0, 0x00000dac, 0x00000fa0, 0x00000064, 0x00000000),
	R(0x40000000, 0, 0x00000dac, 0x00000fa0, 0x00000064, 0x00000000),
	R(0x80000000, 0, 0x80000008, 0x00000000, 0x00000000, 0x00000000),
	R(0x80000001, 0, 0x00000000, 0x00000000, 0x00000121, 0x2c100800),
	/* ^ SYSCALL set by hand: the dump had 0x2c100000 */
	R(0x80000002, 0, 0x65746e49, 0x2952286c, 0x726f4320, 0x4d542865),
	R(0x80000003, 0, 0x37692029, 0x3038372d, 0x43205830, 0x40205550),
	R(0x80000004, 0, 0x352e3320, 0x7a484730, 0x00000000, 0x00000000),
	R(0x80000005, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000),
	R(0x80000006, 0, 0x00000000, 0x00000000, 0x01006040, 0x00000000),
	R(0x80000007, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000100),
	R(0x80000008, 0, 0x00003028, 0x00000000, 0x00000000, 0x00000000),
};

const struct cpuid_recording cpuid_epyc = {
	.name = "epyc",
	.rows = epyc_rows,
	.nrows = sizeof(epyc_rows) / sizeof(epyc_rows[0]),
	.xcr0 = 0x7,		/* x87, SSE, AVX */
};

const struct cpuid_recording cpuid_skx = {
	.name = "skx",
	.rows = skx_rows,
	.nrows = sizeof(skx_rows) / sizeof(skx_rows[0]),
	.xcr0 = 0xe7,		/* x87, SSE, AVX, opmask, ZMM_Hi256, Hi16_ZMM */
};

/* Leaves whose subleaves differ, as the fake CPU has them. */
static int leaf_has_subleaves(uint32_t leaf)
{
	static const uint32_t indexed[] = {
		0x4, 0x7, 0xb, 0xd, 0xf, 0x10, 0x12, 0x14, 0x17, 0x18,
		0x1d, 0x1e, 0x1f, 0x8000001d, 0x80000020, 0x80000026,
	};
	unsigned int i;

	for (i = 0; i < sizeof(indexed) / sizeof(indexed[0]); i++)
		if (indexed[i] == leaf)
			return 1;
	return 0;
}

static const struct cpuid_row *row_in(const struct cpuid_row *rows,
				      unsigned int n, uint32_t leaf,
				      uint32_t sub)
{
	unsigned int i;

	if (!leaf_has_subleaves(leaf))
		sub = 0;
	for (i = 0; i < n; i++)
		if (rows[i].leaf == leaf && rows[i].sub == sub)
			return &rows[i];
	return NULL;
}

static const struct cpuid_row *row(const struct cpuid_fake *f, uint32_t leaf,
				   uint32_t sub)
{
	const struct cpuid_row *r = row_in(f->over, f->nover, leaf, sub);

	return r ? r : row_in(f->rec->rows, f->rec->nrows, leaf, sub);
}

void cpuid_fake_set(struct cpuid_fake *f, uint32_t leaf, uint32_t sub,
		    uint32_t eax, uint32_t ebx, uint32_t ecx, uint32_t edx)
{
	struct cpuid_row *r = NULL;
	unsigned int i;

	for (i = 0; i < f->nover; i++)
		if (f->over[i].leaf == leaf && f->over[i].sub == sub)
			r = &f->over[i];
	if (!r && f->nover < CPUID_FAKE_MAX_OVER)
		r = &f->over[f->nover++];
	if (r)
		*r = (struct cpuid_row)R(leaf, sub, eax, ebx, ecx, edx);
}

void cpuid_fake_cpuid(u32 function, u32 index, struct vmrun_cpuid_regs *out,
		      void *opaque)
{
	struct cpuid_fake *f = opaque;
	const struct cpuid_row *r, *basic, *ext;

	f->calls++;
	basic = row(f, 0, 0);
	ext = row(f, 0x80000000, 0);
	/* Leaves 0 and 80000000H are how software finds the ranges. */
	if (function != 0 && function != 0x80000000 &&
	    !(basic && function <= basic->eax) &&
	    !(ext && function >= 0x80000000 && function <= ext->eax))
		f->out_of_range++;
	r = row(f, function, index);
	memset(out, 0, sizeof(*out));
	if (r) {
		out->eax = r->eax;
		out->ebx = r->ebx;
		out->ecx = r->ecx;
		out->edx = r->edx;
	}
}
