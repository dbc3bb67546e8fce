// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests of vmrun_cpuid_supported() (kernel/x86/cpuid.c): the table that
 * KVM_GET_SUPPORTED_CPUID returns, for the recorded testbed hosts in
 * cpuidhost.c and variations of them, entry by entry and bit by bit.
 *
 * The expected tables are written out by hand, from the recorded host
 * values and the policy in kernel/x86/README.md; feature bits are named,
 * with names and positions taken from the SDM (vol. 2A, CPUID) and the
 * APM (vol. 3, appendix E), not from cpuid.c, so that a wrong constant or
 * a wrong choice there shows here as a named bit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpuid.h"
#include "cpuidhost.h"
#include "cpuidtest.h"
#include "unit.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))

/* Feature bit names, register by register. */
static const struct cpuid_bitname n_1_ecx[] = {
	{ 0, "sse3" }, { 1, "pclmulqdq" }, { 2, "dtes64" }, { 3, "monitor" },
	{ 4, "ds-cpl" }, { 5, "vmx" }, { 6, "smx" }, { 7, "est" },
	{ 8, "tm2" }, { 9, "ssse3" }, { 10, "cnxt-id" }, { 11, "sdbg" },
	{ 12, "fma" }, { 13, "cx16" }, { 14, "xtpr" }, { 15, "pdcm" },
	{ 17, "pcid" }, { 18, "dca" }, { 19, "sse4.1" }, { 20, "sse4.2" },
	{ 21, "x2apic" }, { 22, "movbe" }, { 23, "popcnt" },
	{ 24, "tsc-deadline" }, { 25, "aes" }, { 26, "xsave" },
	{ 27, "osxsave" }, { 28, "avx" }, { 29, "f16c" }, { 30, "rdrand" },
	{ 31, "hypervisor" },
};

static const struct cpuid_bitname n_1_edx[] = {
	{ 0, "fpu" }, { 1, "vme" }, { 2, "de" }, { 3, "pse" }, { 4, "tsc" },
	{ 5, "msr" }, { 6, "pae" }, { 7, "mce" }, { 8, "cx8" }, { 9, "apic" },
	{ 11, "sep" }, { 12, "mtrr" }, { 13, "pge" }, { 14, "mca" },
	{ 15, "cmov" }, { 16, "pat" }, { 17, "pse36" }, { 18, "psn" },
	{ 19, "clflush" }, { 21, "ds" }, { 22, "acpi" }, { 23, "mmx" },
	{ 24, "fxsr" }, { 25, "sse" }, { 26, "sse2" }, { 27, "ss" },
	{ 28, "htt" }, { 29, "tm" }, { 30, "ia64" }, { 31, "pbe" },
};

static const struct cpuid_bitname n_6_eax[] = {
	{ 0, "dts" }, { 1, "turbo" }, { 2, "arat" }, { 4, "pln" },
	{ 5, "ecmd" }, { 6, "ptm" }, { 7, "hwp" },
};

static const struct cpuid_bitname n_7_ebx[] = {
	{ 0, "fsgsbase" }, { 1, "tsc-adjust" }, { 2, "sgx" }, { 3, "bmi1" },
	{ 4, "hle" }, { 5, "avx2" }, { 6, "fdp-excptn-only" }, { 7, "smep" },
	{ 8, "bmi2" }, { 9, "erms" }, { 10, "invpcid" }, { 11, "rtm" },
	{ 12, "pqm" }, { 13, "zero-fcs-fds" }, { 14, "mpx" }, { 15, "pqe" },
	{ 16, "avx512f" }, { 17, "avx512dq" }, { 18, "rdseed" }, { 19, "adx" },
	{ 20, "smap" }, { 21, "avx512ifma" }, { 22, "pcommit" },
	{ 23, "clflushopt" }, { 24, "clwb" }, { 25, "intel-pt" },
	{ 26, "avx512pf" }, { 27, "avx512er" }, { 28, "avx512cd" },
	{ 29, "sha" }, { 30, "avx512bw" }, { 31, "avx512vl" },
};

static const struct cpuid_bitname n_7_ecx[] = {
	{ 0, "prefetchwt1" }, { 1, "avx512vbmi" }, { 2, "umip" }, { 3, "pku" },
	{ 4, "ospke" }, { 5, "waitpkg" }, { 6, "avx512-vbmi2" },
	{ 7, "cet-ss" }, { 8, "gfni" }, { 9, "vaes" }, { 10, "vpclmulqdq" },
	{ 11, "avx512-vnni" }, { 12, "avx512-bitalg" }, { 13, "tme" },
	{ 14, "avx512-vpopcntdq" }, { 16, "la57" }, { 17, "mawau0" },
	{ 18, "mawau1" }, { 19, "mawau2" }, { 20, "mawau3" }, { 21, "mawau4" },
	{ 22, "rdpid" }, { 23, "kl" }, { 24, "bus-lock-detect" },
	{ 25, "cldemote" }, { 27, "movdiri" }, { 28, "movdir64b" },
	{ 29, "enqcmd" }, { 30, "sgx-lc" }, { 31, "pks" },
};

static const struct cpuid_bitname n_7_edx[] = {
	{ 2, "avx512-4vnniw" }, { 3, "avx512-4fmaps" }, { 4, "fsrm" },
	{ 5, "uintr" }, { 8, "avx512-vp2intersect" }, { 9, "srbds-ctrl" },
	{ 10, "md-clear" }, { 11, "rtm-always-abort" },
	{ 13, "tsx-force-abort" }, { 14, "serialize" }, { 15, "hybrid" },
	{ 16, "tsxldtrk" }, { 18, "pconfig" }, { 19, "arch-lbr" },
	{ 20, "ibt" }, { 22, "amx-bf16" }, { 23, "avx512-fp16" },
	{ 24, "amx-tile" }, { 25, "amx-int8" }, { 26, "spec-ctrl" },
	{ 27, "stibp" }, { 28, "flush-l1d" }, { 29, "arch-capabilities" },
	{ 30, "core-capabilities" }, { 31, "ssbd" },
};

static const struct cpuid_bitname n_7_1_eax[] = {
	{ 0, "sha512" }, { 1, "sm3" }, { 2, "sm4" }, { 3, "rao-int" },
	{ 4, "avx-vnni" }, { 5, "avx512-bf16" }, { 6, "lass" },
	{ 7, "cmpccxadd" }, { 8, "archperfmonext" }, { 10, "fzrm" },
	{ 11, "fsrs" }, { 12, "fsrc" }, { 17, "fred" }, { 18, "lkgs" },
	{ 19, "wrmsrns" }, { 21, "amx-fp16" }, { 22, "hreset" },
	{ 23, "avx-ifma" }, { 26, "lam" }, { 27, "msrlist" },
};

static const struct cpuid_bitname n_d_1_eax[] = {
	{ 0, "xsaveopt" }, { 1, "xsavec" }, { 2, "xgetbv1" }, { 3, "xsaves" },
	{ 4, "xfd" },
};

static const struct cpuid_bitname n_e1_ecx[] = {
	{ 0, "lahf-lm" }, { 1, "cmp-legacy" }, { 2, "svm" }, { 3, "extapic" },
	{ 4, "cr8-legacy" }, { 5, "abm" }, { 6, "sse4a" },
	{ 7, "misalignsse" }, { 8, "3dnowprefetch" }, { 9, "osvw" },
	{ 10, "ibs" }, { 11, "xop" }, { 12, "skinit" }, { 13, "wdt" },
	{ 15, "lwp" }, { 16, "fma4" }, { 17, "tce" }, { 19, "nodeid-msr" },
	{ 21, "tbm" }, { 22, "topoext" }, { 23, "perfctr-core" },
	{ 24, "perfctr-nb" }, { 26, "bpext" }, { 27, "ptsc" },
	{ 28, "perfctr-llc" }, { 29, "mwaitx" }, { 30, "addr-mask-ext" },
};

static const struct cpuid_bitname n_e1_edx[] = {
	{ 0, "fpu" }, { 1, "vme" }, { 2, "de" }, { 3, "pse" }, { 4, "tsc" },
	{ 5, "msr" }, { 6, "pae" }, { 7, "mce" }, { 8, "cx8" }, { 9, "apic" },
	{ 11, "syscall" }, { 12, "mtrr" }, { 13, "pge" }, { 14, "mca" },
	{ 15, "cmov" }, { 16, "pat" }, { 17, "pse36" }, { 19, "mp" },
	{ 20, "nx" }, { 22, "mmxext" }, { 23, "mmx" }, { 24, "fxsr" },
	{ 25, "fxsr-opt" }, { 26, "pdpe1gb" }, { 27, "rdtscp" }, { 29, "lm" },
	{ 30, "3dnowext" }, { 31, "3dnow" },
};

static const struct cpuid_bitname n_e7_edx[] = {
	{ 0, "ts" }, { 1, "fid" }, { 2, "vid" }, { 3, "ttp" }, { 4, "tm" },
	{ 6, "100mhzsteps" }, { 7, "hwpstate" }, { 8, "invtsc" },
	{ 9, "cpb" }, { 10, "effreq" }, { 11, "procfeedback" },
	{ 12, "procpowerreporting" },
};

static const struct cpuid_bitname n_e8_ebx[] = {
	{ 0, "clzero" }, { 1, "irperf" }, { 2, "xsaveerptr" },
	{ 3, "invlpgb" }, { 4, "rdpru" }, { 6, "mbe" }, { 8, "mcommit" },
	{ 9, "wbnoinvd" }, { 12, "ibpb" }, { 14, "ibrs" }, { 15, "stibp" },
	{ 16, "ibrs-always-on" }, { 17, "stibp-always-on" },
	{ 18, "ibrs-preferred" }, { 19, "ibrs-same-mode" },
	{ 20, "no-efer-lmsle" }, { 21, "invlpgb-nested" }, { 23, "ppin" },
	{ 24, "ssbd" }, { 25, "virt-ssbd" }, { 26, "ssb-no" }, { 27, "cppc" },
	{ 28, "psfd" }, { 29, "btc-no" }, { 30, "ibpb-ret" },
};

/* The registers whose value is a set of features. */
static const struct {
	uint32_t leaf, sub;
	int reg;			/* 0 EAX ... 3 EDX */
	const struct cpuid_bitname *names;
	unsigned int n;
} named_regs[] = {
	{ 0x1, 0, 2, n_1_ecx, N(n_1_ecx) },
	{ 0x1, 0, 3, n_1_edx, N(n_1_edx) },
	{ 0x6, 0, 0, n_6_eax, N(n_6_eax) },
	{ 0x7, 0, 1, n_7_ebx, N(n_7_ebx) },
	{ 0x7, 0, 2, n_7_ecx, N(n_7_ecx) },
	{ 0x7, 0, 3, n_7_edx, N(n_7_edx) },
	{ 0x7, 1, 0, n_7_1_eax, N(n_7_1_eax) },
	{ 0xd, 1, 0, n_d_1_eax, N(n_d_1_eax) },
	{ 0x80000001, 0, 2, n_e1_ecx, N(n_e1_ecx) },
	{ 0x80000001, 0, 3, n_e1_edx, N(n_e1_edx) },
	{ 0x80000007, 0, 3, n_e7_edx, N(n_e7_edx) },
	{ 0x80000008, 0, 1, n_e8_ebx, N(n_e8_ebx) },
};

static const char *const reg_names[4] = { "EAX", "EBX", "ECX", "EDX" };

bool cpuid_reg_names(uint32_t leaf, uint32_t sub, int reg,
		     const struct cpuid_bitname **names, unsigned int *n)
{
	unsigned int i;

	for (i = 0; i < N(named_regs); i++) {
		if (named_regs[i].leaf == leaf && named_regs[i].sub == sub &&
		    named_regs[i].reg == reg) {
			*names = named_regs[i].names;
			*n = named_regs[i].n;
			return true;
		}
	}
	return false;
}

static const char *bit_name(const struct cpuid_bitname *names,
			    unsigned int n, unsigned int bit)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (names[i].bit == bit)
			return names[i].name;
	return "reserved";
}

bool cpuid_parse_reg(uint32_t leaf, uint32_t sub, int reg, const char *spec,
		     uint32_t *val)
{
	const struct cpuid_bitname *names;
	unsigned int n, i, len;
	char *end;
	bool ok;

	/* A number, anywhere; names only in the feature registers. */
	*val = strtoul(spec, &end, 0);
	if (*spec && !*end)
		return true;
	if (!cpuid_reg_names(leaf, sub, reg, &names, &n))
		return false;
	*val = 0;
	while (*spec) {
		while (*spec == ' ')
			spec++;
		len = strcspn(spec, " ");
		if (!len)
			break;
		ok = false;
		for (i = 0; i < n; i++) {
			if (strlen(names[i].name) == len &&
			    !strncmp(names[i].name, spec, len)) {
				*val |= 1u << names[i].bit;
				ok = true;
			}
		}
		if (!ok)
			return false;
		spec += len;
	}
	return true;
}

void cpuid_expect_regs(const char *what, uint32_t leaf, uint32_t sub,
		       const uint32_t got[4], const char *const want[4])
{
	const struct cpuid_bitname *names;
	unsigned int n, bit, g, w;
	uint32_t val;
	int reg;

	for (reg = 0; reg < 4; reg++) {
		if (!EXPECT(cpuid_parse_reg(leaf, sub, reg, want[reg], &val),
			    "%s: %x.%u %s: the test's want '%s' does not parse",
			    what, leaf, sub, reg_names[reg], want[reg]))
			continue;
		if (!cpuid_reg_names(leaf, sub, reg, &names, &n)) {
			EXPECT(got[reg] == val, "%s: %x.%u %s = %#x, want %#x",
			       what, leaf, sub, reg_names[reg], got[reg], val);
			continue;
		}
		for (bit = 0; bit < 32; bit++) {
			g = got[reg] >> bit & 1;
			w = val >> bit & 1;
			EXPECT(g == w, "%s: %x.%u %s bit %u (%s) is %u, want %u",
			       what, leaf, sub, reg_names[reg], bit,
			       bit_name(names, n, bit), g, w);
		}
	}
}

/* The whole table, entry by entry, in order. */
static void expect_table(const char *what, const struct kvm_cpuid_entry2 *e,
			 int n, const struct cpuid_want *want,
			 unsigned int nwant)
{
	unsigned int i;
	uint32_t got[4];

	if (!EXPECT(n == (int)nwant, "%s: %d entries, want %u", what, n,
		    nwant)) {
		for (i = 0; n > 0 && i < (unsigned int)n; i++)
			printf("#     got %x.%u\n", e[i].function, e[i].index);
	}
	for (i = 0; i < nwant && (int)i < n; i++) {
		if (!EXPECT(e[i].function == want[i].function &&
			    e[i].index == want[i].index,
			    "%s: entry %u is %x.%u, want %x.%u", what, i,
			    e[i].function, e[i].index, want[i].function,
			    want[i].index))
			return;
		EXPECT(e[i].flags == want[i].flags, "%s: %x.%u flags %u, want %u",
		       what, e[i].function, e[i].index, e[i].flags,
		       want[i].flags);
		EXPECT(!e[i].padding[0] && !e[i].padding[1] && !e[i].padding[2],
		       "%s: %x.%u padding not zero", what, e[i].function,
		       e[i].index);
		got[0] = e[i].eax;
		got[1] = e[i].ebx;
		got[2] = e[i].ecx;
		got[3] = e[i].edx;
		cpuid_expect_regs(what, e[i].function, e[i].index, got,
				  want[i].r);
	}
}

/* Edits of a copy of a want list, for the variations. */
struct want_list {
	struct cpuid_want w[64];
	unsigned int n;
};

static void want_copy(struct want_list *l, const struct cpuid_want *w,
		      unsigned int n)
{
	memcpy(l->w, w, n * sizeof(*w));
	l->n = n;
}

static struct cpuid_want *want_find(struct want_list *l, uint32_t fn,
				    uint32_t idx)
{
	unsigned int i;

	for (i = 0; i < l->n; i++)
		if (l->w[i].function == fn && l->w[i].index == idx)
			return &l->w[i];
	fprintf(stderr, "cpuidtab: no want entry %x.%u\n", fn, idx);
	abort();
}

static void want_set(struct want_list *l, uint32_t fn, uint32_t idx,
		     int reg, const char *spec)
{
	want_find(l, fn, idx)->r[reg] = spec;
}

static void want_insert_after(struct want_list *l, uint32_t fn, uint32_t idx,
			      const struct cpuid_want *w)
{
	struct cpuid_want *at = want_find(l, fn, idx) + 1;

	memmove(at + 1, at, (l->w + l->n - at) * sizeof(*at));
	*at = *w;
	l->n++;
}

static void want_del(struct want_list *l, uint32_t fn, uint32_t idx)
{
	struct cpuid_want *w = want_find(l, fn, idx);

	memmove(w, w + 1, (l->w + l->n - (w + 1)) * sizeof(*w));
	l->n--;
}

#define SIG	KVM_CPUID_FLAG_SIGNIFCANT_INDEX

/*
 * QEMU -cpu EPYC under TCG, no irqchip, no MTRRs, the host kernel's XCR0
 * 7. From the recording: leaf 1 loses MONITOR, OSXSAVE (follows CR4) and
 * MCE, MCA, MTRR, APIC; gains the hypervisor bit. Leaf 6's ARAT goes
 * (no irqchip). 80000001H:ECX loses SVM. 80000008H keeps 40/48 bits.
 */
static const struct cpuid_want want_epyc[] = {
	{ 0x0, 0, 0, { "0xd", "0x68747541", "0x444d4163", "0x69746e65" } },
	{ 0x1, 0, 0, { "0x00800f12", "0x800",
		       "sse3 pclmulqdq ssse3 fma cx16 sse4.1 sse4.2 movbe "
		       "popcnt aes xsave avx f16c rdrand hypervisor",
		       "fpu de pse tsc msr pae cx8 sep pge cmov pat pse36 "
		       "clflush mmx fxsr sse sse2" } },
	{ 0x2, 0, 0, { "0", "0", "0", "0" } },
	{ 0x3, 0, 0, { "0", "0", "0", "0" } },
	{ 0x4, 0, SIG, { "0", "0", "0", "0" } },
	{ 0x5, 0, 0, { "0", "0", "0", "0" } },
	{ 0x6, 0, 0, { "", "0", "0", "0" } },
	{ 0x7, 0, SIG, { "0",
			 "fsgsbase bmi1 avx2 smep bmi2 adx smap clflushopt",
			 "", "" } },
	{ 0x8, 0, 0, { "0", "0", "0", "0" } },
	{ 0x9, 0, 0, { "0", "0", "0", "0" } },
	{ 0xa, 0, 0, { "0", "0", "0", "0" } },
	{ 0xb, 0, SIG, { "0", "0", "0", "0" } },
	{ 0xc, 0, 0, { "0", "0", "0", "0" } },
	{ 0xd, 0, SIG, { "7", "832", "832", "0" } },
	{ 0xd, 1, SIG, { "xsaveopt xgetbv1", "0", "0", "0" } },
	{ 0xd, 2, SIG, { "256", "576", "0", "0" } },
	{ 0x80000000, 0, 0, { "0x80000008", "0x68747541", "0x444d4163",
			      "0x69746e65" } },
	{ 0x80000001, 0, 0, { "0x00800f12", "0",
			      "lahf-lm cr8-legacy abm sse4a",
			      "fpu de pse tsc msr pae cx8 syscall pge cmov "
			      "pat pse36 nx mmxext mmx fxsr pdpe1gb rdtscp "
			      "lm" } },
	{ 0x80000002, 0, 0, { "0x20444d41", "0x43595045", "0x6f725020",
			      "0x73736563" } },
	{ 0x80000003, 0, 0, { "0x0000726f", "0", "0", "0" } },
	{ 0x80000004, 0, 0, { "0", "0", "0", "0" } },
	{ 0x80000005, 0, 0, { "0x01ff01ff", "0x01ff01ff", "0x20080140",
			      "0x40040140" } },
	{ 0x80000006, 0, 0, { "0", "0x42004200", "0x02006140",
			      "0x00408140" } },
	{ 0x80000007, 0, 0, { "0", "0", "0", "" } },
	{ 0x80000008, 0, 0, { "0x3028", "", "0", "0" } },
	/* "vmrunvmrun\0\0" */
	{ 0x40000000, 0, 0, { "0x40000000", "0x75726d76", "0x726d766e",
			      "0x00006e75" } },
};

/*
 * Bochs corei7_skylake_x, no irqchip, no MTRRs, XCR0 0xe7. Leaf 0 capped
 * at 0DH. Leaf 1 loses DTES64, MONITOR, DS-CPL, VMX, EST, TM2, xTPR, PDCM,
 * PCID, X2APIC, TSC-deadline, OSXSAVE, and MCE, APIC, MTRR, MCA, DS,
 * ACPI, HTT, TM, PBE; EBX loses the logical processor count. Leaf 4 loses
 * its sharing fields (EAX 31:14). Leaf 7 loses TSC_ADJUST and INVPCID.
 * Leaves 5, 6, 0AH (PMU) are zeros. XSAVES goes; XSAVEC gives the
 * compacted size 576 + 256 + 64 + 512 + 1024 = 2432.
 */
static const struct cpuid_want want_skx[] = {
	{ 0x0, 0, 0, { "0xd", "0x756e6547", "0x6c65746e", "0x49656e69" } },
	{ 0x1, 0, 0, { "0x00050654", "0x800",
		       "sse3 pclmulqdq ssse3 fma cx16 sse4.1 sse4.2 movbe "
		       "popcnt aes xsave avx f16c rdrand hypervisor",
		       "fpu vme de pse tsc msr pae cx8 sep pge cmov pat "
		       "pse36 clflush mmx fxsr sse sse2 ss" } },
	{ 0x2, 0, 0, { "0x76036301", "0x00f0b5ff", "0", "0x00c30000" } },
	{ 0x3, 0, 0, { "0", "0", "0", "0" } },
	{ 0x4, 0, SIG, { "0x121", "0x01c0003f", "0x3f", "0" } },
	{ 0x4, 1, SIG, { "0x122", "0x01c0003f", "0x3f", "0" } },
	{ 0x4, 2, SIG, { "0x143", "0x03c0003f", "0x3ff", "0" } },
	{ 0x4, 3, SIG, { "0x163", "0x0280003f", "0x2fff", "4" } },
	{ 0x4, 4, SIG, { "0", "0", "0", "0" } },
	{ 0x5, 0, 0, { "0", "0", "0", "0" } },
	{ 0x6, 0, 0, { "", "0", "0", "0" } },
	{ 0x7, 0, SIG, { "0",
			 "fsgsbase bmi1 avx2 fdp-excptn-only smep bmi2 erms "
			 "zero-fcs-fds avx512f avx512dq rdseed adx smap "
			 "clflushopt clwb avx512cd avx512bw avx512vl",
			 "", "" } },
	{ 0x8, 0, 0, { "0", "0", "0", "0" } },
	{ 0x9, 0, 0, { "0", "0", "0", "0" } },
	{ 0xa, 0, 0, { "0", "0", "0", "0" } },
	{ 0xb, 0, SIG, { "0", "0", "0", "0" } },
	{ 0xc, 0, 0, { "0", "0", "0", "0" } },
	{ 0xd, 0, SIG, { "0xe7", "2688", "2688", "0" } },
	{ 0xd, 1, SIG, { "xsaveopt xsavec xgetbv1", "2432", "0", "0" } },
	{ 0xd, 2, SIG, { "256", "576", "0", "0" } },
	{ 0xd, 5, SIG, { "64", "1088", "0", "0" } },
	{ 0xd, 6, SIG, { "512", "1152", "0", "0" } },
	{ 0xd, 7, SIG, { "1024", "1664", "0", "0" } },
	{ 0x80000000, 0, 0, { "0x80000008", "0", "0", "0" } },
	{ 0x80000001, 0, 0, { "0", "0", "lahf-lm abm 3dnowprefetch",
			      "syscall nx pdpe1gb rdtscp lm" } },
	{ 0x80000002, 0, 0, { "0x65746e49", "0x2952286c", "0x726f4320",
			      "0x4d542865" } },
	{ 0x80000003, 0, 0, { "0x37692029", "0x3038372d", "0x43205830",
			      "0x40205550" } },
	{ 0x80000004, 0, 0, { "0x352e3320", "0x7a484730", "0", "0" } },
	{ 0x80000005, 0, 0, { "0", "0", "0", "0" } },
	{ 0x80000006, 0, 0, { "0", "0", "0x01006040", "0" } },
	{ 0x80000007, 0, 0, { "0", "0", "0", "invtsc" } },
	{ 0x80000008, 0, 0, { "0x3028", "", "0", "0" } },
	{ 0x40000000, 0, 0, { "0x40000000", "0x75726d76", "0x726d766e",
			      "0x00006e75" } },
};

/* A host from a recording, with the recording's XCR0 unless xcr0 != -1. */
static void fake_init(struct cpuid_fake *f, struct vmrun_cpuid_host *h,
		      const struct cpuid_recording *rec, uint64_t xcr0,
		      unsigned int flags)
{
	memset(f, 0, sizeof(*f));
	f->rec = rec;
	*h = (struct vmrun_cpuid_host){
		.cpuid = cpuid_fake_cpuid,
		.opaque = f,
		.xcr0 = xcr0 == (uint64_t)-1 ? rec->xcr0 : xcr0,
		.flags = flags,
	};
}

/* Builds the table for a host and checks it against want. */
static void check_host(const char *what, struct cpuid_fake *f,
		       const struct vmrun_cpuid_host *h,
		       const struct cpuid_want *want, unsigned int nwant)
{
	struct kvm_cpuid_entry2 e[VMRUN_CPUID_MAX_ENTRIES];
	int n;

	unit_begin("cpuidtab %s", what);
	memset(e, 0xa5, sizeof(e));
	n = vmrun_cpuid_supported(h, e, VMRUN_CPUID_MAX_ENTRIES);
	expect_table(what, e, n, want, nwant);
	EXPECT(f->calls > 0, "%s: the host callback was never called", what);
	EXPECT(!f->out_of_range, "%s: %u questions to the host outside its "
	       "leaf ranges", what, f->out_of_range);
	if (n > 0)
		EXPECT(vmrun_cpuid_check(e, n) == 0,
		       "%s: KVM_SET_CPUID2 would refuse the table", what);
	unit_end();
}

static void test_recorded(void)
{
	struct vmrun_cpuid_host h;
	struct cpuid_fake f;
	struct want_list l;

	fake_init(&f, &h, &cpuid_epyc, -1, 0);
	check_host("epyc", &f, &h, want_epyc, N(want_epyc));

	fake_init(&f, &h, &cpuid_skx, -1, 0);
	check_host("skx", &f, &h, want_skx, N(want_skx));

	/* The irqchip brings APIC, x2APIC, TSC-deadline and ARAT; MTRRs
	 * the MTRR bit. AMD repeats APIC and MTRR in 80000001H:EDX.
	 */
	want_copy(&l, want_epyc, N(want_epyc));
	want_set(&l, 1, 0, 2, "sse3 pclmulqdq ssse3 fma cx16 sse4.1 sse4.2 "
		 "x2apic movbe popcnt tsc-deadline aes xsave avx f16c rdrand "
		 "hypervisor");
	want_set(&l, 1, 0, 3, "fpu de pse tsc msr pae cx8 apic sep mtrr pge "
		 "cmov pat pse36 clflush mmx fxsr sse sse2");
	want_set(&l, 6, 0, 0, "arat");
	want_set(&l, 0x80000001, 0, 3, "fpu de pse tsc msr pae cx8 apic "
		 "syscall mtrr pge cmov pat pse36 nx mmxext mmx fxsr pdpe1gb "
		 "rdtscp lm");
	fake_init(&f, &h, &cpuid_epyc, -1,
		  VMRUN_CPUID_IRQCHIP | VMRUN_CPUID_MTRR);
	check_host("epyc irqchip mtrr", &f, &h, l.w, l.n);

	/* Intel has no copies of leaf 1 bits in 80000001H:EDX. */
	want_copy(&l, want_skx, N(want_skx));
	want_set(&l, 1, 0, 2, "sse3 pclmulqdq ssse3 fma cx16 sse4.1 sse4.2 "
		 "x2apic movbe popcnt tsc-deadline aes xsave avx f16c rdrand "
		 "hypervisor");
	want_set(&l, 1, 0, 3, "fpu vme de pse tsc msr pae cx8 apic sep pge "
		 "cmov pat pse36 clflush mmx fxsr sse sse2 ss");
	want_set(&l, 6, 0, 0, "arat");
	fake_init(&f, &h, &cpuid_skx, -1, VMRUN_CPUID_IRQCHIP);
	check_host("skx irqchip", &f, &h, l.w, l.n);

	fake_init(&f, &h, &cpuid_skx, -1, VMRUN_CPUID_MTRR);
	want_copy(&l, want_skx, N(want_skx));
	want_set(&l, 1, 0, 3, "fpu vme de pse tsc msr pae cx8 sep mtrr pge "
		 "cmov pat pse36 clflush mmx fxsr sse sse2 ss");
	check_host("skx mtrr", &f, &h, l.w, l.n);
}

/* What the host kernel enabled in XCR0 bounds what the guest gets. */
static void test_host_xcr0(void)
{
	struct vmrun_cpuid_host h;
	struct cpuid_fake f;
	struct want_list l;
	static const char ebx_no512[] =
		"fsgsbase bmi1 avx2 fdp-excptn-only smep bmi2 erms "
		"zero-fcs-fds rdseed adx smap clflushopt clwb";
	static const char ebx_noavx[] =
		"fsgsbase bmi1 fdp-excptn-only smep bmi2 erms zero-fcs-fds "
		"rdseed adx smap clflushopt clwb";
	static const char ecx_noavx[] =
		"sse3 pclmulqdq ssse3 cx16 sse4.1 sse4.2 movbe popcnt aes "
		"xsave rdrand hypervisor";
	static const char ecx_noxsave[] =
		"sse3 pclmulqdq ssse3 cx16 sse4.1 sse4.2 movbe popcnt aes "
		"rdrand hypervisor";

	/* No AVX-512 state: the AVX-512 features go, and their sizes. */
	want_copy(&l, want_skx, N(want_skx));
	want_set(&l, 7, 0, 1, ebx_no512);
	want_set(&l, 0xd, 0, 0, "7");
	want_set(&l, 0xd, 0, 1, "832");
	want_set(&l, 0xd, 0, 2, "832");
	want_set(&l, 0xd, 1, 1, "832");
	want_del(&l, 0xd, 5);
	want_del(&l, 0xd, 6);
	want_del(&l, 0xd, 7);
	fake_init(&f, &h, &cpuid_skx, 0x7, 0);
	check_host("skx xcr0=0x7", &f, &h, l.w, l.n);

	/* Only part of the AVX-512 state: none of it. */
	fake_init(&f, &h, &cpuid_skx, 0x67, 0);
	check_host("skx xcr0=0x67", &f, &h, l.w, l.n);

	/* No AVX state: AVX and everything VEX or EVEX go. */
	want_copy(&l, want_skx, N(want_skx));
	want_set(&l, 1, 0, 2, ecx_noavx);
	want_set(&l, 7, 0, 1, ebx_noavx);
	want_set(&l, 0xd, 0, 0, "3");
	want_set(&l, 0xd, 0, 1, "576");
	want_set(&l, 0xd, 0, 2, "576");
	want_set(&l, 0xd, 1, 1, "576");
	want_del(&l, 0xd, 2);
	want_del(&l, 0xd, 5);
	want_del(&l, 0xd, 6);
	want_del(&l, 0xd, 7);
	fake_init(&f, &h, &cpuid_skx, 0x3, 0);
	check_host("skx xcr0=0x3", &f, &h, l.w, l.n);

	/* AVX-512 state without AVX state is no AVX-512 either. */
	fake_init(&f, &h, &cpuid_skx, 0xe3, 0);
	check_host("skx xcr0=0xe3", &f, &h, l.w, l.n);

	/* The host kernel did not enable XSAVE: no XSAVE, no leaf 0DH. */
	want_copy(&l, want_skx, N(want_skx));
	want_set(&l, 1, 0, 2, ecx_noxsave);
	want_set(&l, 7, 0, 1, ebx_noavx);
	want_set(&l, 0xd, 0, 0, "0");
	want_set(&l, 0xd, 0, 1, "0");
	want_set(&l, 0xd, 0, 2, "0");
	want_del(&l, 0xd, 1);
	want_del(&l, 0xd, 2);
	want_del(&l, 0xd, 5);
	want_del(&l, 0xd, 6);
	want_del(&l, 0xd, 7);
	fake_init(&f, &h, &cpuid_skx, 0, 0);
	check_host("skx xcr0=0", &f, &h, l.w, l.n);

	/* Nor without SSE state (XSETBV needs x87 and SSE). */
	fake_init(&f, &h, &cpuid_skx, 0x1, 0);
	check_host("skx xcr0=0x1", &f, &h, l.w, l.n);

	want_copy(&l, want_epyc, N(want_epyc));
	want_set(&l, 1, 0, 2, ecx_noxsave);
	want_set(&l, 7, 0, 1, "fsgsbase bmi1 smep bmi2 adx smap clflushopt");
	want_set(&l, 0xd, 0, 0, "0");
	want_set(&l, 0xd, 0, 1, "0");
	want_set(&l, 0xd, 0, 2, "0");
	want_del(&l, 0xd, 1);
	want_del(&l, 0xd, 2);
	fake_init(&f, &h, &cpuid_epyc, 0, 0);
	check_host("epyc xcr0=0", &f, &h, l.w, l.n);

	/* Components the host has but vmrun does not offer (MPX, PKRU,
	 * AMX) stay out even when the host kernel enabled them.
	 */
	want_copy(&l, want_skx, N(want_skx));
	fake_init(&f, &h, &cpuid_skx, 0x602ff, 0);
	cpuid_fake_set(&f, 0xd, 0, 0x602ff, 0x2b00, 0x2b00, 0);
	cpuid_fake_set(&f, 0xd, 3, 64, 960, 0, 0);
	cpuid_fake_set(&f, 0xd, 4, 64, 1024, 0, 0);
	cpuid_fake_set(&f, 0xd, 9, 8, 2688, 0, 0);
	cpuid_fake_set(&f, 0xd, 17, 64, 2752, 6, 0);
	cpuid_fake_set(&f, 0xd, 18, 8192, 2816, 6, 0);
	check_host("skx with mpx pkru amx state", &f, &h, l.w, l.n);
}

/*
 * A host that claims every feature bit in leaves 1, 6, 7, 0AH and
 * 80000001H-80000008H (vendor GenuineIntel, Skylake-X's XSAVE leaf): the
 * table then shows exactly what the policy offers.
 */
static const char all_1_ecx[] =
	"sse3 pclmulqdq ssse3 fma cx16 sse4.1 sse4.2 movbe popcnt aes xsave "
	"avx f16c rdrand hypervisor";
static const char all_1_edx[] =
	"fpu vme de pse tsc msr pae cx8 sep pge cmov pat pse36 clflush mmx "
	"fxsr sse sse2 ss";
static const char all_7_ebx[] =
	"fsgsbase bmi1 hle avx2 fdp-excptn-only smep bmi2 erms rtm "
	"zero-fcs-fds avx512f avx512dq rdseed adx smap avx512ifma clflushopt "
	"clwb avx512pf avx512er avx512cd sha avx512bw avx512vl";
static const char all_7_ecx[] =
	"avx512vbmi umip avx512-vbmi2 gfni vaes vpclmulqdq avx512-vnni "
	"avx512-bitalg avx512-vpopcntdq la57 cldemote movdiri movdir64b";
static const char all_7_edx[] =
	"avx512-4vnniw avx512-4fmaps fsrm avx512-vp2intersect md-clear "
	"serialize tsxldtrk avx512-fp16";
static const char all_e1_ecx[] =
	"lahf-lm cr8-legacy abm sse4a misalignsse 3dnowprefetch xop fma4 tbm";
static const char all_e1_edx[] =
	"fpu vme de pse tsc msr pae cx8 syscall pge cmov pat pse36 nx mmxext "
	"mmx fxsr pdpe1gb rdtscp lm 3dnowext 3dnow";

static void fake_all_ones(struct cpuid_fake *f, struct vmrun_cpuid_host *h,
			  uint64_t xcr0, unsigned int flags)
{
	fake_init(f, h, &cpuid_skx, xcr0, flags);
	cpuid_fake_set(f, 1, 0, 0x00050654, ~0u, ~0u, ~0u);
	cpuid_fake_set(f, 6, 0, ~0u, ~0u, ~0u, ~0u);
	cpuid_fake_set(f, 7, 0, 2, ~0u, ~0u, ~0u);
	cpuid_fake_set(f, 7, 1, ~0u, ~0u, ~0u, ~0u);
	cpuid_fake_set(f, 7, 2, ~0u, ~0u, ~0u, ~0u);
	cpuid_fake_set(f, 0xa, 0, ~0u, ~0u, ~0u, ~0u);
	cpuid_fake_set(f, 0xd, 1, ~0u, ~0u, ~0u, ~0u);
	cpuid_fake_set(f, 0x80000001, 0, 0, ~0u, ~0u, ~0u);
	cpuid_fake_set(f, 0x80000006, 0, 0, 0, 0x01006040, ~0u);
	cpuid_fake_set(f, 0x80000007, 0, ~0u, ~0u, ~0u, ~0u);
	cpuid_fake_set(f, 0x80000008, 0, 0xffff3028, ~0u, ~0u, ~0u);
}

static void test_policy(void)
{
	struct vmrun_cpuid_host h;
	struct cpuid_fake f;
	struct want_list l;

	want_copy(&l, want_skx, N(want_skx));
	want_set(&l, 1, 0, 1, "0xffff");	/* brand index, CLFLUSH size */
	want_set(&l, 1, 0, 2, all_1_ecx);
	want_set(&l, 1, 0, 3, all_1_edx);
	want_set(&l, 7, 0, 0, "1");		/* subleaf 1, not 2 */
	want_set(&l, 7, 0, 1, all_7_ebx);
	want_set(&l, 7, 0, 2, all_7_ecx);
	want_set(&l, 7, 0, 3, all_7_edx);
	want_insert_after(&l, 7, 0, &(struct cpuid_want){
		0x7, 1, SIG, { "avx-vnni avx512-bf16", "0", "0", "0" } });
	want_set(&l, 0x80000001, 0, 1, "0xf000ffff");	/* 27:16 reserved */
	want_set(&l, 0x80000001, 0, 2, all_e1_ecx);
	want_set(&l, 0x80000001, 0, 3, all_e1_edx);
	want_set(&l, 0x80000006, 0, 3, "0xfffcffff");	/* 17:16 reserved */
	want_set(&l, 0x80000008, 0, 0, "0x3028");
	want_set(&l, 0x80000008, 0, 1, "clzero xsaveerptr");
	fake_all_ones(&f, &h, -1, 0);
	check_host("every host feature", &f, &h, l.w, l.n);

	want_set(&l, 1, 0, 2, "sse3 pclmulqdq ssse3 fma cx16 sse4.1 sse4.2 "
		 "x2apic movbe popcnt tsc-deadline aes xsave avx f16c rdrand "
		 "hypervisor");
	want_set(&l, 1, 0, 3, "fpu vme de pse tsc msr pae cx8 apic sep mtrr "
		 "pge cmov pat pse36 clflush mmx fxsr sse sse2 ss");
	want_set(&l, 6, 0, 0, "arat");
	want_set(&l, 0x80000001, 0, 3, "fpu vme de pse tsc msr pae cx8 apic "
		 "syscall mtrr pge cmov pat pse36 nx mmxext mmx fxsr pdpe1gb "
		 "rdtscp lm 3dnowext 3dnow");
	fake_all_ones(&f, &h, -1, VMRUN_CPUID_IRQCHIP | VMRUN_CPUID_MTRR);
	check_host("every host feature, irqchip, mtrr", &f, &h, l.w, l.n);
}

/* Leaf ranges: capped at what vmrun fills in, never past the host's. */
static void test_ranges(void)
{
	struct vmrun_cpuid_host h;
	struct cpuid_fake f;
	struct want_list l;
	unsigned int i;

	/* A host whose basic leaves end at 6: no leaf 7, no XSAVE leaf,
	 * so no XSAVE and nothing that needs it.
	 */
	want_copy(&l, want_skx, N(want_skx));
	want_set(&l, 0, 0, 0, "6");
	want_set(&l, 1, 0, 2, "sse3 pclmulqdq ssse3 cx16 sse4.1 sse4.2 "
		 "movbe popcnt aes rdrand hypervisor");
	for (i = 7; i <= 0xc; i++)
		want_del(&l, i, 0);
	for (i = 0; i <= 7; i++)
		if (i < 3 || i > 4)
			want_del(&l, 0xd, i);
	fake_init(&f, &h, &cpuid_skx, -1, 0);
	cpuid_fake_set(&f, 0, 0, 6, 0x756e6547, 0x6c65746e, 0x49656e69);
	check_host("skx basic leaves to 6", &f, &h, l.w, l.n);

	/* Extended leaves to 80000004H only: no 80000005H-80000008H. */
	want_copy(&l, want_skx, N(want_skx));
	want_set(&l, 0x80000000, 0, 0, "0x80000004");
	for (i = 5; i <= 8; i++)
		want_del(&l, 0x80000000 + i, 0);
	fake_init(&f, &h, &cpuid_skx, -1, 0);
	cpuid_fake_set(&f, 0x80000000, 0, 0x80000004, 0, 0, 0);
	check_host("skx extended leaves to 80000004H", &f, &h, l.w, l.n);

	/* No extended range at all (leaf 80000000H answers with some basic
	 * leaf's data, as an Intel CPU would): no extended leaves.
	 */
	want_copy(&l, want_skx, N(want_skx));
	for (i = 0; i <= 8; i++)
		want_del(&l, 0x80000000 + i, 0);
	fake_init(&f, &h, &cpuid_skx, -1, 0);
	cpuid_fake_set(&f, 0x80000000, 0, 0xdac, 0xfa0, 0x64, 0);
	check_host("skx without extended leaves", &f, &h, l.w, l.n);

	/* Only 80000000H itself. */
	want_copy(&l, want_skx, N(want_skx));
	want_set(&l, 0x80000000, 0, 0, "0x80000000");
	for (i = 1; i <= 8; i++)
		want_del(&l, 0x80000000 + i, 0);
	fake_init(&f, &h, &cpuid_skx, -1, 0);
	cpuid_fake_set(&f, 0x80000000, 0, 0x80000000, 0, 0, 0);
	check_host("skx extended leaves to 80000000H", &f, &h, l.w, l.n);

	/* 57-bit linear addresses (LA57); a host that says 0 gets 48. */
	want_copy(&l, want_skx, N(want_skx));
	want_set(&l, 7, 0, 2, "la57");
	want_set(&l, 0x80000008, 0, 0, "0x3934");
	fake_init(&f, &h, &cpuid_skx, -1, 0);
	cpuid_fake_set(&f, 7, 0, 0, 0xd19f27eb, 0x10000, 0);
	cpuid_fake_set(&f, 0x80000008, 0, 0x3934, 0, 0, 0);
	check_host("skx with la57", &f, &h, l.w, l.n);

	want_copy(&l, want_skx, N(want_skx));
	want_set(&l, 0x80000008, 0, 0, "0x302e");
	fake_init(&f, &h, &cpuid_skx, -1, 0);
	cpuid_fake_set(&f, 0x80000008, 0, 0x2e, 0, 0, 0);
	check_host("skx with no linear address size", &f, &h, l.w, l.n);

	/* Leaf 7 with no subleaf 1 on an EPYC is already covered; an
	 * EPYC-like host whose extended leaves go to 8000001FH is capped.
	 */
	want_copy(&l, want_epyc, N(want_epyc));
	fake_init(&f, &h, &cpuid_epyc, -1, 0);
	cpuid_fake_set(&f, 0x80000000, 0, 0x8000001f, 0x68747541,
		       0x444d4163, 0x69746e65);
	check_host("epyc extended leaves to 8000001FH", &f, &h, l.w, l.n);
}

/* The sizes in leaf 0DH: standard form and compacted form (XSAVEC). */
static void test_xsave_sizes(void)
{
	struct vmrun_cpuid_host h;
	struct cpuid_fake f;
	struct want_list l;

	/*
	 * A made-up layout: opmask of 8 bytes, ZMM_Hi256 64-byte aligned in
	 * the compacted form (ECX[1]), and host ECX bits 0 (supervisor) and
	 * 2 (XFD) that are not passed on. Compacted: 576 + 256 = 832, + 8 =
	 * 840, aligned to 896, + 512 = 1408, + 1024 = 2432 (2376 without
	 * the alignment). Standard: the furthest end, 1664 + 1024 = 2688.
	 */
	want_copy(&l, want_skx, N(want_skx));
	want_set(&l, 0xd, 5, 0, "8");
	want_set(&l, 0xd, 6, 2, "2");
	fake_init(&f, &h, &cpuid_skx, -1, 0);
	cpuid_fake_set(&f, 0xd, 5, 8, 1088, 0x5, 0);
	cpuid_fake_set(&f, 0xd, 6, 512, 1152, 0x6, 0x1);
	check_host("skx made-up xsave layout", &f, &h, l.w, l.n);

	/* The same with the alignment on opmask instead: 832 + 8 = 840,
	 * + 512 = 1352, + 1024 = 2376.
	 */
	want_set(&l, 0xd, 5, 2, "2");
	want_set(&l, 0xd, 6, 2, "0");
	want_set(&l, 0xd, 1, 1, "2376");
	fake_init(&f, &h, &cpuid_skx, -1, 0);
	cpuid_fake_set(&f, 0xd, 5, 8, 1088, 0x2, 0);
	check_host("skx made-up xsave layout, aligned opmask", &f, &h, l.w,
		   l.n);

	/* Without XSAVEC in the host, 0DH.1:EBX is 0 (EPYC under TCG is
	 * such a host: see want_epyc); with it, the EPYC gets 832.
	 */
	want_copy(&l, want_epyc, N(want_epyc));
	want_set(&l, 0xd, 1, 0, "xsaveopt xsavec xgetbv1");
	want_set(&l, 0xd, 1, 1, "832");
	fake_init(&f, &h, &cpuid_epyc, -1, 0);
	cpuid_fake_set(&f, 0xd, 1, 0xf, 0x340, 0, 0);
	check_host("epyc with xsavec, xsaves", &f, &h, l.w, l.n);
}

/* -E2BIG when the caller's array is too small; nothing written past it. */
static void test_e2big(void)
{
	struct kvm_cpuid_entry2 e[VMRUN_CPUID_MAX_ENTRIES + 1];
	struct vmrun_cpuid_host h;
	struct cpuid_fake f;
	const unsigned char *p;
	unsigned int max, i;
	int n, full;

	unit_begin("cpuidtab -E2BIG");
	fake_init(&f, &h, &cpuid_skx, -1, 0);
	full = vmrun_cpuid_supported(&h, e, VMRUN_CPUID_MAX_ENTRIES);
	EXPECT(full == (int)N(want_skx), "skx: %d entries", full);
	for (max = 0; full > 0 && max <= (unsigned int)full; max++) {
		memset(e, 0x5a, sizeof(e));
		n = vmrun_cpuid_supported(&h, e, max);
		if (max < (unsigned int)full)
			EXPECT(n == -E2BIG, "room for %u: %d, want -E2BIG",
			       max, n);
		else
			EXPECT(n == full, "room for %u: %d, want %d", max, n,
			       full);
		p = (const unsigned char *)&e[max];
		for (i = 0; i < sizeof(e[0]); i++)
			if (!EXPECT(p[i] == 0x5a, "room for %u: entry %u "
				    "written", max, max))
				break;
	}
	EXPECT(vmrun_cpuid_supported(&h, NULL, 0) == -E2BIG,
	       "no room at all: -E2BIG");
	unit_end();
}

void test_cpuid_table(void)
{
	test_recorded();
	test_host_xcr0();
	test_policy();
	test_ranges();
	test_xsave_sizes();
	test_e2big();
}
