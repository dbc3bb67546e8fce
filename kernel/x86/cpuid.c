// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmrun's CPUID policy: the table KVM_GET_SUPPORTED_CPUID returns, built
 * from the host's own CPUID, and the result of the guest's CPUID
 * instruction, looked up in the table user space gave to KVM_SET_CPUID2.
 *
 * The supported table is truthful: it offers a feature only if the guest
 * can use it with no help from the hypervisor beyond what vmrun does (its
 * instructions run natively, its control-register bits are the guest's
 * own, its MSRs are ones the backends handle), and it never offers what
 * KVM 6.1 would not. Topology, performance monitoring, machine checks,
 * power management, speculation-control MSRs and nested virtualization
 * are left out. README.md in this folder lists every bit and why.
 *
 * The lookup follows KVM 6.1's kvm_cpuid(): the same search of the table,
 * the same answer for leaves it lacks (the highest basic leaf, on all but
 * AMD and Hygon vendor strings, or zeros), and the bits that follow the
 * vCPU's state, taken from the caller. Nothing here keeps state between
 * calls.
 */
#include <linux/errno.h>
#include <linux/export.h>

#include "cpuid.h"

#define CPUID_BIT(n)		(1U << (n))

/* CPUID.01H:ECX (SDM vol. 2A, table 3-10). */
#define F1C_SSE3		CPUID_BIT(0)
#define F1C_PCLMULQDQ		CPUID_BIT(1)
#define F1C_SSSE3		CPUID_BIT(9)
#define F1C_FMA			CPUID_BIT(12)
#define F1C_CX16		CPUID_BIT(13)
#define F1C_SSE4_1		CPUID_BIT(19)
#define F1C_SSE4_2		CPUID_BIT(20)
#define F1C_X2APIC		CPUID_BIT(21)
#define F1C_MOVBE		CPUID_BIT(22)
#define F1C_POPCNT		CPUID_BIT(23)
#define F1C_TSC_DEADLINE	CPUID_BIT(24)
#define F1C_AES			CPUID_BIT(25)
#define F1C_XSAVE		CPUID_BIT(26)
#define F1C_OSXSAVE		CPUID_BIT(27)
#define F1C_AVX			CPUID_BIT(28)
#define F1C_F16C		CPUID_BIT(29)
#define F1C_RDRAND		CPUID_BIT(30)
#define F1C_HYPERVISOR		CPUID_BIT(31)

/* CPUID.01H:EDX (SDM vol. 2A, table 3-11). */
#define F1D_FPU			CPUID_BIT(0)
#define F1D_VME			CPUID_BIT(1)
#define F1D_DE			CPUID_BIT(2)
#define F1D_PSE			CPUID_BIT(3)
#define F1D_TSC			CPUID_BIT(4)
#define F1D_MSR			CPUID_BIT(5)
#define F1D_PAE			CPUID_BIT(6)
#define F1D_CX8			CPUID_BIT(8)
#define F1D_APIC		CPUID_BIT(9)
#define F1D_SEP			CPUID_BIT(11)
#define F1D_MTRR		CPUID_BIT(12)
#define F1D_PGE			CPUID_BIT(13)
#define F1D_CMOV		CPUID_BIT(15)
#define F1D_PAT			CPUID_BIT(16)
#define F1D_PSE36		CPUID_BIT(17)
#define F1D_CLFLUSH		CPUID_BIT(19)
#define F1D_MMX			CPUID_BIT(23)
#define F1D_FXSR		CPUID_BIT(24)
#define F1D_SSE			CPUID_BIT(25)
#define F1D_SSE2		CPUID_BIT(26)
#define F1D_SS			CPUID_BIT(27)

/* CPUID.06H:EAX. */
#define F6A_ARAT		CPUID_BIT(2)

/* CPUID.(EAX=07H, ECX=0):EBX. */
#define F7B_FSGSBASE		CPUID_BIT(0)
#define F7B_BMI1		CPUID_BIT(3)
#define F7B_HLE			CPUID_BIT(4)
#define F7B_AVX2		CPUID_BIT(5)
#define F7B_FDP_EXCPTN_ONLY	CPUID_BIT(6)
#define F7B_SMEP		CPUID_BIT(7)
#define F7B_BMI2		CPUID_BIT(8)
#define F7B_ERMS		CPUID_BIT(9)
#define F7B_RTM			CPUID_BIT(11)
#define F7B_ZERO_FCS_FDS	CPUID_BIT(13)
#define F7B_AVX512F		CPUID_BIT(16)
#define F7B_AVX512DQ		CPUID_BIT(17)
#define F7B_RDSEED		CPUID_BIT(18)
#define F7B_ADX			CPUID_BIT(19)
#define F7B_SMAP		CPUID_BIT(20)
#define F7B_AVX512IFMA		CPUID_BIT(21)
#define F7B_CLFLUSHOPT		CPUID_BIT(23)
#define F7B_CLWB		CPUID_BIT(24)
#define F7B_AVX512PF		CPUID_BIT(26)
#define F7B_AVX512ER		CPUID_BIT(27)
#define F7B_AVX512CD		CPUID_BIT(28)
#define F7B_SHA			CPUID_BIT(29)
#define F7B_AVX512BW		CPUID_BIT(30)
#define F7B_AVX512VL		CPUID_BIT(31)

/* CPUID.(EAX=07H, ECX=0):ECX. */
#define F7C_AVX512VBMI		CPUID_BIT(1)
#define F7C_UMIP		CPUID_BIT(2)
#define F7C_OSPKE		CPUID_BIT(4)
#define F7C_AVX512VBMI2		CPUID_BIT(6)
#define F7C_GFNI		CPUID_BIT(8)
#define F7C_VAES		CPUID_BIT(9)
#define F7C_VPCLMULQDQ		CPUID_BIT(10)
#define F7C_AVX512VNNI		CPUID_BIT(11)
#define F7C_AVX512BITALG	CPUID_BIT(12)
#define F7C_AVX512VPOPCNTDQ	CPUID_BIT(14)
#define F7C_LA57		CPUID_BIT(16)
#define F7C_CLDEMOTE		CPUID_BIT(25)
#define F7C_MOVDIRI		CPUID_BIT(27)
#define F7C_MOVDIR64B		CPUID_BIT(28)

/* CPUID.(EAX=07H, ECX=0):EDX. */
#define F7D_AVX512_4VNNIW	CPUID_BIT(2)
#define F7D_AVX512_4FMAPS	CPUID_BIT(3)
#define F7D_FSRM		CPUID_BIT(4)
#define F7D_AVX512VP2INTERSECT	CPUID_BIT(8)
#define F7D_MD_CLEAR		CPUID_BIT(10)
#define F7D_SERIALIZE		CPUID_BIT(14)
#define F7D_TSXLDTRK		CPUID_BIT(16)
#define F7D_AVX512FP16		CPUID_BIT(23)

/* CPUID.(EAX=07H, ECX=1):EAX. */
#define F71A_AVX_VNNI		CPUID_BIT(4)
#define F71A_AVX512BF16		CPUID_BIT(5)

/* CPUID.(EAX=0DH, ECX=1):EAX. */
#define FD1A_XSAVEOPT		CPUID_BIT(0)
#define FD1A_XSAVEC		CPUID_BIT(1)
#define FD1A_XGETBV1		CPUID_BIT(2)
#define FD1A_XSAVES		CPUID_BIT(3)

/* CPUID.80000001H:ECX (APM vol. 3, appendix E.4.2). */
#define E1C_LAHF_LM		CPUID_BIT(0)
#define E1C_CR8_LEGACY		CPUID_BIT(4)
#define E1C_ABM			CPUID_BIT(5)
#define E1C_SSE4A		CPUID_BIT(6)
#define E1C_MISALIGNSSE		CPUID_BIT(7)
#define E1C_3DNOWPREFETCH	CPUID_BIT(8)
#define E1C_XOP			CPUID_BIT(11)
#define E1C_FMA4		CPUID_BIT(16)
#define E1C_TBM			CPUID_BIT(21)

/*
 * CPUID.80000001H:EDX. AMD repeats CPUID.01H:EDX bits 0-9, 12-17, 23 and
 * 24 here; Intel leaves them clear.
 */
#define E1D_LEAF1_COPIES	0x0183f3ffU
#define E1D_SYSCALL		CPUID_BIT(11)
#define E1D_NX			CPUID_BIT(20)
#define E1D_MMXEXT		CPUID_BIT(22)
#define E1D_PDPE1GB		CPUID_BIT(26)
#define E1D_RDTSCP		CPUID_BIT(27)
#define E1D_LM			CPUID_BIT(29)
#define E1D_3DNOWEXT		CPUID_BIT(30)
#define E1D_3DNOW		CPUID_BIT(31)

/* CPUID.80000007H:EDX. */
#define E7D_INVTSC		CPUID_BIT(8)

/* CPUID.80000008H:EBX. */
#define E8B_CLZERO		CPUID_BIT(0)
#define E8B_XSAVEERPTR		CPUID_BIT(2)

/* What is offered when the host has it. */
#define OFFER_1_ECX	(F1C_SSE3 | F1C_PCLMULQDQ | F1C_SSSE3 | F1C_FMA | \
			 F1C_CX16 | F1C_SSE4_1 | F1C_SSE4_2 | F1C_MOVBE | \
			 F1C_POPCNT | F1C_AES | F1C_XSAVE | F1C_AVX | \
			 F1C_F16C | F1C_RDRAND)
#define OFFER_1_EDX	(F1D_FPU | F1D_VME | F1D_DE | F1D_PSE | F1D_TSC | \
			 F1D_MSR | F1D_PAE | F1D_CX8 | F1D_SEP | F1D_PGE | \
			 F1D_CMOV | F1D_PAT | F1D_PSE36 | F1D_CLFLUSH | \
			 F1D_MMX | F1D_FXSR | F1D_SSE | F1D_SSE2 | F1D_SS)
#define OFFER_7_EBX	(F7B_FSGSBASE | F7B_BMI1 | F7B_HLE | F7B_AVX2 | \
			 F7B_FDP_EXCPTN_ONLY | F7B_SMEP | F7B_BMI2 | \
			 F7B_ERMS | F7B_RTM | F7B_ZERO_FCS_FDS | \
			 F7B_AVX512F | F7B_AVX512DQ | F7B_RDSEED | F7B_ADX | \
			 F7B_SMAP | F7B_AVX512IFMA | F7B_CLFLUSHOPT | \
			 F7B_CLWB | F7B_AVX512PF | F7B_AVX512ER | \
			 F7B_AVX512CD | F7B_SHA | F7B_AVX512BW | F7B_AVX512VL)
#define OFFER_7_ECX	(F7C_AVX512VBMI | F7C_UMIP | F7C_AVX512VBMI2 | \
			 F7C_GFNI | F7C_VAES | F7C_VPCLMULQDQ | \
			 F7C_AVX512VNNI | F7C_AVX512BITALG | \
			 F7C_AVX512VPOPCNTDQ | F7C_LA57 | F7C_CLDEMOTE | \
			 F7C_MOVDIRI | F7C_MOVDIR64B)
#define OFFER_7_EDX	(F7D_AVX512_4VNNIW | F7D_AVX512_4FMAPS | F7D_FSRM | \
			 F7D_AVX512VP2INTERSECT | F7D_MD_CLEAR | \
			 F7D_SERIALIZE | F7D_TSXLDTRK | F7D_AVX512FP16)
#define OFFER_7_1_EAX	(F71A_AVX_VNNI | F71A_AVX512BF16)
#define OFFER_D_1_EAX	(FD1A_XSAVEOPT | FD1A_XSAVEC | FD1A_XGETBV1)
#define OFFER_E1_ECX	(E1C_LAHF_LM | E1C_CR8_LEGACY | E1C_ABM | \
			 E1C_SSE4A | E1C_MISALIGNSSE | E1C_3DNOWPREFETCH | \
			 E1C_XOP | E1C_FMA4 | E1C_TBM)
#define OFFER_E1_EDX	(E1D_SYSCALL | E1D_NX | E1D_MMXEXT | E1D_PDPE1GB | \
			 E1D_RDTSCP | E1D_LM | E1D_3DNOWEXT | E1D_3DNOW)
#define OFFER_E8_EBX	(E8B_CLZERO | E8B_XSAVEERPTR)

/* What needs the AVX state (YMM) beyond AVX itself: VEX and XOP forms. */
#define AVX_1_ECX	(F1C_FMA | F1C_F16C)
#define AVX_7_EBX	F7B_AVX2
#define AVX_7_ECX	(F7C_VAES | F7C_VPCLMULQDQ)
#define AVX_7_1_EAX	F71A_AVX_VNNI
#define AVX_E1_ECX	(E1C_XOP | E1C_FMA4)

/* What needs AVX-512 (EVEX), AVX512F excepted. */
#define AVX512_7_EBX	(F7B_AVX512DQ | F7B_AVX512IFMA | F7B_AVX512PF | \
			 F7B_AVX512ER | F7B_AVX512CD | F7B_AVX512BW | \
			 F7B_AVX512VL)
#define AVX512_7_ECX	(F7C_AVX512VBMI | F7C_AVX512VBMI2 | F7C_AVX512VNNI | \
			 F7C_AVX512BITALG | F7C_AVX512VPOPCNTDQ)
#define AVX512_7_EDX	(F7D_AVX512_4VNNIW | F7D_AVX512_4FMAPS | \
			 F7D_AVX512VP2INTERSECT | F7D_AVX512FP16)
#define AVX512_7_1_EAX	F71A_AVX512BF16

/* XSAVE state components (SDM vol. 1, 13.1). */
#define XFEATURE_FP		0x1ULL
#define XFEATURE_SSE		0x2ULL
#define XFEATURE_YMM		0x4ULL
#define XFEATURE_OPMASK		0x20ULL
#define XFEATURE_ZMM_HI256	0x40ULL
#define XFEATURE_HI16_ZMM	0x80ULL
#define XFEATURE_XTILE_DATA	0x40000ULL
#define XFEATURE_AVX512		(XFEATURE_OPMASK | XFEATURE_ZMM_HI256 | \
				 XFEATURE_HI16_ZMM)
/* The components vmrun lets a guest enable in XCR0. */
#define VMRUN_XCR0		(XFEATURE_FP | XFEATURE_SSE | XFEATURE_YMM | \
				 XFEATURE_AVX512)
/* The legacy region and the XSAVE header: where component 2 may start. */
#define XSAVE_HDR_END		576
/* CPUID.(EAX=0DH, ECX=i):ECX[1]: 64-byte aligned in the compacted form. */
#define XSAVE_ALIGN64		0x2

#define CR4_OSXSAVE		0x40000ULL		/* bit 18 */
#define CR4_PKE			0x400000ULL		/* bit 22 */
#define APIC_BASE_EN		0x800ULL		/* bit 11 */

/* The leaf ranges vmrun fills in, and its hypervisor leaf. */
#define BASIC_MAX		0xd
#define EXT_BASE		0x80000000U
#define EXT_MAX			0x80000008U
#define HV_BASE			0x40000000U

/* Four characters of a vendor or hypervisor signature, as CPUID has them. */
#define SIG4(a, b, c, d)	((u32)(a) | (u32)(b) << 8 | (u32)(c) << 16 | \
				 (u32)(d) << 24)

/* The hypervisor leaf's signature: "vmrunvmrun" and two NULs. */
#define HV_SIG_EBX		SIG4('v', 'm', 'r', 'u')
#define HV_SIG_ECX		SIG4('n', 'v', 'm', 'r')
#define HV_SIG_EDX		SIG4('u', 'n', 0, 0)

static u32 min_u32(u32 a, u32 b)
{
	return a < b ? a : b;
}

static u32 max_u32(u32 a, u32 b)
{
	return a > b ? a : b;
}

/* The leaves whose ECX index selects a subleaf, by KVM 6.1's list. */
static bool function_is_indexed(u32 function)
{
	switch (function) {
	case 0x4:
	case 0x7:
	case 0xb:
	case 0xd:
	case 0xf:
	case 0x10:
	case 0x12:
	case 0x14:
	case 0x17:
	case 0x18:
	case 0x1d:
	case 0x1e:
	case 0x1f:
	case 0x8000001d:
		return true;
	default:
		return false;
	}
}

/* The table being filled in. Past max, entries go to scratch. */
struct table {
	struct kvm_cpuid_entry2 *entries;
	unsigned int max;
	unsigned int n;
	bool full;
	struct kvm_cpuid_entry2 scratch;
};

static struct kvm_cpuid_entry2 *table_add(struct table *t, u32 function,
					  u32 index,
					  const struct vmrun_cpuid_regs *r)
{
	struct kvm_cpuid_entry2 *e = &t->scratch;

	if (t->n < t->max)
		e = &t->entries[t->n++];
	else
		t->full = true;
	*e = (struct kvm_cpuid_entry2){
		.function = function,
		.index = index,
		.flags = function_is_indexed(function) ?
			 KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0,
		.eax = r->eax,
		.ebx = r->ebx,
		.ecx = r->ecx,
		.edx = r->edx,
	};
	return e;
}

static struct vmrun_cpuid_regs host_cpuid(const struct vmrun_cpuid_host *h,
					  u32 function, u32 index)
{
	struct vmrun_cpuid_regs r = { 0 };

	h->cpuid(function, index, &r, h->opaque);
	return r;
}

/* What the guest gets, worked out from the host before anything is added. */
struct offer {
	u32 basic_max;			/* the highest basic leaf filled in */
	u32 ext_max;			/* the same, extended; 0 if none */
	u32 leaf7_max;			/* the highest subleaf of leaf 7 */
	struct vmrun_cpuid_regs l0;	/* host vendor string */
	struct vmrun_cpuid_regs l1;
	struct vmrun_cpuid_regs l7;
	struct vmrun_cpuid_regs l7_1;
	struct vmrun_cpuid_regs e1;
	u32 d1_eax;			/* CPUID.(0DH, 1):EAX */
	u64 xcr0;			/* XSAVE components offered */
	u32 xsave_size;			/* standard form, all of xcr0 */
	u32 xsave_size_compacted;	/* compacted form, all of xcr0 */
};

/* Leaves 1 and 7: the host's features, masked by the policy. */
static void offer_features(const struct vmrun_cpuid_host *h, struct offer *o)
{
	struct vmrun_cpuid_regs r;

	r = host_cpuid(h, 1, 0);
	o->l1.eax = r.eax;
	/* Brand index and CLFLUSH size; no logical processor count (no
	 * HTT), and the APIC ID comes from the vCPU state.
	 */
	o->l1.ebx = r.ebx & 0xffff;
	o->l1.ecx = (r.ecx & OFFER_1_ECX) | F1C_HYPERVISOR;
	o->l1.edx = r.edx & OFFER_1_EDX;
	if (h->flags & VMRUN_CPUID_IRQCHIP) {
		o->l1.ecx |= F1C_X2APIC | F1C_TSC_DEADLINE;
		o->l1.edx |= F1D_APIC;
	}
	if (h->flags & VMRUN_CPUID_MTRR)
		o->l1.edx |= F1D_MTRR;

	if (o->basic_max < 7)
		return;
	r = host_cpuid(h, 7, 0);
	o->leaf7_max = min_u32(r.eax, 1);
	o->l7.eax = o->leaf7_max;
	o->l7.ebx = r.ebx & OFFER_7_EBX;
	o->l7.ecx = r.ecx & OFFER_7_ECX;
	o->l7.edx = r.edx & OFFER_7_EDX;
	if (o->leaf7_max >= 1) {
		r = host_cpuid(h, 7, 1);
		o->l7_1.eax = r.eax & OFFER_7_1_EAX;
	}
}

/* Leaf 80000001H; AMD's copies of leaf 1 bits follow what leaf 1 offers. */
static void offer_ext_features(const struct vmrun_cpuid_host *h,
			       struct offer *o)
{
	struct vmrun_cpuid_regs r;

	if (o->ext_max < EXT_BASE + 1)
		return;
	r = host_cpuid(h, EXT_BASE + 1, 0);
	o->e1.eax = r.eax;
	o->e1.ebx = r.ebx & ~0x0fff0000U;	/* 27:16 reserved, as KVM */
	o->e1.ecx = r.ecx & OFFER_E1_ECX;
	o->e1.edx = (r.edx & OFFER_E1_EDX) |
		    (r.edx & o->l1.edx & E1D_LEAF1_COPIES);
}

/* The size of the XSAVE area for the components in xcr0, either form. */
static u32 xsave_area_size(const struct kvm_cpuid_entry2 *sub[64], u64 xcr0,
			   bool compacted)
{
	u32 size = XSAVE_HDR_END, offset;
	unsigned int i;

	for (i = 2; i < 64; i++) {
		if (!(xcr0 & (1ULL << i)) || !sub[i])
			continue;
		if (!compacted)
			offset = sub[i]->ebx;
		else if (sub[i]->ecx & XSAVE_ALIGN64)
			offset = (size + 63) & ~63U;
		else
			offset = size;
		size = max_u32(size, offset + sub[i]->eax);
	}
	return size;
}

/*
 * XSAVE: the components the host's CPU and kernel have (XCR0) and vmrun
 * lets a guest use, and what leaves 1 and 7 may offer with them.
 */
static void offer_xsave(const struct vmrun_cpuid_host *h, struct offer *o)
{
	struct vmrun_cpuid_regs r;
	u64 xcr0 = 0;

	if ((o->l1.ecx & F1C_XSAVE) && o->basic_max >= 0xd) {
		r = host_cpuid(h, 0xd, 0);
		xcr0 = ((u64)r.edx << 32 | r.eax) & h->xcr0 & VMRUN_XCR0;
		if ((xcr0 & (XFEATURE_FP | XFEATURE_SSE)) !=
		    (XFEATURE_FP | XFEATURE_SSE))
			xcr0 = 0;
	}
	if (!xcr0)
		o->l1.ecx &= ~(F1C_XSAVE | F1C_AVX);
	if (!(o->l1.ecx & F1C_AVX) || !(xcr0 & XFEATURE_YMM)) {
		xcr0 &= ~XFEATURE_YMM;
		o->l1.ecx &= ~(F1C_AVX | AVX_1_ECX);
		o->l7.ebx &= ~(AVX_7_EBX | F7B_AVX512F);
		o->l7.ecx &= ~AVX_7_ECX;
		o->l7_1.eax &= ~AVX_7_1_EAX;
		o->e1.ecx &= ~AVX_E1_ECX;
	}
	if (!(o->l7.ebx & F7B_AVX512F) ||
	    (xcr0 & XFEATURE_AVX512) != XFEATURE_AVX512) {
		xcr0 &= ~XFEATURE_AVX512;
		o->l7.ebx &= ~(F7B_AVX512F | AVX512_7_EBX);
		o->l7.ecx &= ~AVX512_7_ECX;
		o->l7.edx &= ~AVX512_7_EDX;
		o->l7_1.eax &= ~AVX512_7_1_EAX;
	}
	o->xcr0 = xcr0;
	if (xcr0) {
		r = host_cpuid(h, 0xd, 1);
		o->d1_eax = r.eax & OFFER_D_1_EAX;
	}
}

static void add_leaf4(struct table *t, const struct vmrun_cpuid_host *h)
{
	struct vmrun_cpuid_regs r;
	u32 i;

	/* Every cache, and the first subleaf of type 0 that ends them. */
	for (i = 0; i < VMRUN_CPUID_MAX_ENTRIES && !t->full; i++) {
		r = host_cpuid(h, 4, i);
		/* The cache, not who shares it: no topology. */
		r.eax &= 0x3fff;
		table_add(t, 4, i, &r);
		if (!(r.eax & 0x1f))
			break;
	}
}

static void add_leaf_d(struct table *t, const struct vmrun_cpuid_host *h,
		       struct offer *o)
{
	const struct kvm_cpuid_entry2 *sub[64] = { NULL };
	struct kvm_cpuid_entry2 *d0, *d1;
	struct vmrun_cpuid_regs r = { 0 };
	unsigned int i;

	d0 = table_add(t, 0xd, 0, &r);
	if (!o->xcr0)
		return;
	d0->eax = (u32)o->xcr0;
	d0->edx = (u32)(o->xcr0 >> 32);
	r.eax = o->d1_eax;
	d1 = table_add(t, 0xd, 1, &r);

	for (i = 2; i < 64; i++) {
		if (!(o->xcr0 & (1ULL << i)))
			continue;
		r = host_cpuid(h, 0xd, i);
		/* User state in XCR0: not supervisor (bit 0), no XFD (2). */
		r.ecx &= XSAVE_ALIGN64;
		r.edx = 0;
		sub[i] = table_add(t, 0xd, i, &r);
	}
	/* Both sizes for all of XCR0; the lookup gives them for the
	 * guest's XCR0.
	 */
	d0->ebx = xsave_area_size(sub, o->xcr0, false);
	d0->ecx = d0->ebx;
	if (d1->eax & FD1A_XSAVEC)
		d1->ebx = xsave_area_size(sub, o->xcr0, true);
}

static void add_basic(struct table *t, const struct vmrun_cpuid_host *h,
		      struct offer *o)
{
	struct vmrun_cpuid_regs r, zero = { 0 };
	u32 fn;

	for (fn = 0; fn <= o->basic_max; fn++) {
		switch (fn) {
		case 0:
			r = o->l0;
			r.eax = o->basic_max;
			table_add(t, fn, 0, &r);
			break;
		case 1:
			table_add(t, fn, 0, &o->l1);
			break;
		case 2:
			/* Cache and TLB descriptors, as the host has them. */
			r = host_cpuid(h, 2, 0);
			table_add(t, fn, 0, &r);
			break;
		case 4:
			add_leaf4(t, h);
			break;
		case 6:
			r = zero;
			if (h->flags & VMRUN_CPUID_IRQCHIP)
				r.eax = F6A_ARAT;
			table_add(t, fn, 0, &r);
			break;
		case 7:
			table_add(t, fn, 0, &o->l7);
			if (o->leaf7_max >= 1)
				table_add(t, fn, 1, &o->l7_1);
			break;
		case 0xd:
			add_leaf_d(t, h, o);
			break;
		default:
			/* 3 (serial number), 5 (MONITOR), 8, 9, 0AH (no
			 * PMU), 0BH (no topology: EDX is the APIC ID the
			 * lookup gives), 0CH.
			 */
			table_add(t, fn, 0, &zero);
			break;
		}
	}
}

static void add_extended(struct table *t, const struct vmrun_cpuid_host *h,
			 struct offer *o)
{
	struct vmrun_cpuid_regs r, zero = { 0 };
	u32 fn, virt;

	if (!o->ext_max)
		return;
	for (fn = EXT_BASE; fn <= o->ext_max; fn++) {
		switch (fn) {
		case EXT_BASE:
			r = host_cpuid(h, fn, 0);
			r.eax = o->ext_max;
			break;
		case EXT_BASE + 1:
			r = o->e1;
			break;
		case EXT_BASE + 2:
		case EXT_BASE + 3:
		case EXT_BASE + 4:
		case EXT_BASE + 5:
			/* The brand string; AMD's L1 cache and TLB. */
			r = host_cpuid(h, fn, 0);
			break;
		case EXT_BASE + 6:
			/* L2 and L3 caches; EDX 17:16 reserved, as KVM. */
			r = host_cpuid(h, fn, 0);
			r.edx &= ~0x30000U;
			break;
		case EXT_BASE + 7:
			r = zero;
			r.edx = host_cpuid(h, fn, 0).edx & E7D_INVTSC;
			break;
		default:	/* EXT_BASE + 8, EXT_MAX */
			r = host_cpuid(h, fn, 0);
			/* The host's MAXPHYADDR; linear address bits as
			 * KVM has them, 48 at least. No core count.
			 */
			virt = max_u32((r.eax >> 8) & 0xff, 48);
			r.eax = (r.eax & 0xff) | virt << 8;
			r.ebx &= OFFER_E8_EBX;
			r.ecx = 0;
			r.edx = 0;
			break;
		}
		table_add(t, fn, 0, &r);
	}
}

int vmrun_cpuid_supported(const struct vmrun_cpuid_host *host,
			  struct kvm_cpuid_entry2 *entries, unsigned int max)
{
	struct table t = { .entries = entries, .max = max };
	struct offer o = { 0 };
	struct vmrun_cpuid_regs r;

	o.l0 = host_cpuid(host, 0, 0);
	o.basic_max = min_u32(o.l0.eax, BASIC_MAX);
	r = host_cpuid(host, EXT_BASE, 0);
	if (r.eax >= EXT_BASE && r.eax <= EXT_BASE + 0xffff)
		o.ext_max = min_u32(r.eax, EXT_MAX);

	if (o.basic_max >= 1)
		offer_features(host, &o);
	offer_ext_features(host, &o);
	offer_xsave(host, &o);

	add_basic(&t, host, &o);
	add_extended(&t, host, &o);
	r = (struct vmrun_cpuid_regs){
		.eax = HV_BASE,	/* no hypervisor leaf after this one */
		.ebx = HV_SIG_EBX,
		.ecx = HV_SIG_ECX,
		.edx = HV_SIG_EDX,
	};
	table_add(&t, HV_BASE, 0, &r);

	return t.full ? -E2BIG : (int)t.n;
}
EXPORT_SYMBOL_GPL(vmrun_cpuid_supported);

/*
 * KVM's search: the first entry for function whose index matches, or whose
 * index does not count (no KVM_CPUID_FLAG_SIGNIFCANT_INDEX). any_index
 * takes the first entry for function whatever its flags, as KVM does when
 * it looks up a leaf for itself.
 */
static const struct kvm_cpuid_entry2 *find(const struct kvm_cpuid_entry2 *e,
					   u32 nent, u32 function, u32 index,
					   bool any_index)
{
	u32 i;

	for (i = 0; i < nent; i++) {
		if (e[i].function != function)
			continue;
		if (any_index ||
		    !(e[i].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ||
		    e[i].index == index)
			return &e[i];
	}
	return NULL;
}

/* AMD and Hygon answer zeros for a leaf they lack; the others do not. */
static bool vendor_zeroes_unknown_leaves(const struct kvm_cpuid_entry2 *l0)
{
	return (l0->ebx == SIG4('A', 'u', 't', 'h') &&
		l0->edx == SIG4('e', 'n', 't', 'i') &&
		l0->ecx == SIG4('c', 'A', 'M', 'D')) ||
	       (l0->ebx == SIG4('A', 'M', 'D', 'i') &&
		l0->edx == SIG4('s', 'b', 'e', 't') &&
		l0->ecx == SIG4('t', 'e', 'r', '!')) ||
	       (l0->ebx == SIG4('H', 'y', 'g', 'o') &&
		l0->edx == SIG4('n', 'G', 'e', 'n') &&
		l0->ecx == SIG4('u', 'i', 'n', 'e'));
}

/*
 * KVM's get_out_of_range_cpuid_entry(): for a function outside its class
 * (basic, each 0x100 leaves of the hypervisor range, extended, Centaur) or
 * in a class the table lacks, Intel-like vendors answer with the highest
 * basic leaf, at the same index; *function becomes that leaf.
 */
static const struct kvm_cpuid_entry2 *
out_of_range(const struct kvm_cpuid_entry2 *entries, u32 nent,
	     u32 *function, u32 index)
{
	const struct kvm_cpuid_entry2 *basic, *class;
	u32 fn = *function;

	basic = find(entries, nent, 0, 0, true);
	if (!basic || vendor_zeroes_unknown_leaves(basic))
		return NULL;

	if (fn >= 0x40000000 && fn <= 0x4fffffff)
		class = find(entries, nent, fn & 0xffffff00, 0, true);
	else if (fn >= 0xc0000000)
		class = find(entries, nent, 0xc0000000, 0, true);
	else
		class = find(entries, nent, fn & EXT_BASE, 0, true);
	if (class && fn <= class->eax)
		return NULL;

	*function = basic->eax;
	return find(entries, nent, basic->eax, index, false);
}

/* The XSAVE area size for xcr0, from the table's own leaf 0DH subleaves. */
static u32 table_xsave_size(const struct kvm_cpuid_entry2 *entries, u32 nent,
			    u64 xcr0, bool compacted)
{
	const struct kvm_cpuid_entry2 *sub[64] = { NULL };
	u32 i;

	for (i = 0; i < nent; i++) {
		if (entries[i].function == 0xd && entries[i].index >= 2 &&
		    entries[i].index < 64 && !sub[entries[i].index])
			sub[entries[i].index] = &entries[i];
	}
	return xsave_area_size(sub, xcr0, compacted);
}

/*
 * The bits of entry e that follow the vCPU's state, into r: the same
 * entries KVM rewrites in __kvm_update_cpuid_runtime(), and the APIC IDs.
 */
static void state_bits(const struct kvm_cpuid_entry2 *entries, u32 nent,
		       const struct kvm_cpuid_entry2 *e,
		       const struct vmrun_cpuid_state *st,
		       struct vmrun_cpuid_regs *r)
{
	if (e == find(entries, nent, 1, 0, true)) {
		r->ecx &= ~F1C_OSXSAVE;
		if (st->cr4 & CR4_OSXSAVE)
			r->ecx |= F1C_OSXSAVE;
		/* A disabled APIC is gone from CPUID, as on hardware. */
		if (!(st->apic_base & APIC_BASE_EN))
			r->edx &= ~F1D_APIC;
		r->ebx = (r->ebx & 0x00ffffff) | st->apic_id << 24;
	}
	if (e == find(entries, nent, 7, 0, false)) {
		r->ecx &= ~F7C_OSPKE;
		if (st->cr4 & CR4_PKE)
			r->ecx |= F7C_OSPKE;
	}
	if (e == find(entries, nent, 0xd, 0, false))
		r->ebx = table_xsave_size(entries, nent, st->xcr0, false);
	if (e == find(entries, nent, 0xd, 1, false) &&
	    (e->eax & (FD1A_XSAVEC | FD1A_XSAVES)))
		r->ebx = table_xsave_size(entries, nent, st->xcr0, true);
	/* The x2APIC ID, in every subleaf of the topology leaves. */
	if (e->function == 0xb || e->function == 0x1f)
		r->edx = st->apic_id;
}

static struct vmrun_cpuid_regs entry_regs(const struct kvm_cpuid_entry2 *e)
{
	return (struct vmrun_cpuid_regs){
		.eax = e->eax, .ebx = e->ebx, .ecx = e->ecx, .edx = e->edx,
	};
}

bool vmrun_cpuid_lookup(const struct kvm_cpuid_entry2 *entries, u32 nent,
			u32 function, u32 index,
			const struct vmrun_cpuid_state *state,
			struct vmrun_cpuid_regs *out)
{
	const struct kvm_cpuid_entry2 *e;
	u32 fn = function;
	bool exact;

	e = find(entries, nent, function, index, false);
	exact = !!e;
	if (!e)
		e = out_of_range(entries, nent, &fn, index);
	if (e) {
		*out = entry_regs(e);
		state_bits(entries, nent, e, state, out);
		return exact;
	}

	*out = (struct vmrun_cpuid_regs){ 0 };
	/*
	 * A subleaf past the last of leaf 0BH or 1FH, when the leaf is
	 * there (subleaf 1 is): ECX[7:0] is the index, EDX the x2APIC ID.
	 */
	if ((fn == 0xb || fn == 0x1f) && find(entries, nent, fn, 1, false)) {
		out->ecx = index & 0xff;
		out->edx = state->apic_id;
	}
	return exact;
}
EXPORT_SYMBOL_GPL(vmrun_cpuid_lookup);

void vmrun_cpuid_apply_state(struct kvm_cpuid_entry2 *entries, u32 nent,
			     const struct vmrun_cpuid_state *state)
{
	struct vmrun_cpuid_regs r;
	u32 i;

	for (i = 0; i < nent; i++) {
		r = entry_regs(&entries[i]);
		state_bits(entries, nent, &entries[i], state, &r);
		entries[i].eax = r.eax;
		entries[i].ebx = r.ebx;
		entries[i].ecx = r.ecx;
		entries[i].edx = r.edx;
	}
}
EXPORT_SYMBOL_GPL(vmrun_cpuid_apply_state);

int vmrun_cpuid_check(const struct kvm_cpuid_entry2 *entries, u32 nent)
{
	const struct kvm_cpuid_entry2 *e;
	u32 virt;

	if (nent > VMRUN_CPUID_MAX_ENTRIES)
		return -E2BIG;

	/* vmrun, like KVM, knows only 48- and 57-bit linear addresses. */
	e = find(entries, nent, EXT_BASE + 8, 0, true);
	if (e) {
		virt = (e->eax >> 8) & 0xff;
		if (virt != 0 && virt != 48 && virt != 57)
			return -EINVAL;
	}

	e = find(entries, nent, 0xd, 0, false);
	if (e && (((u64)e->edx << 32 | e->eax) & XFEATURE_XTILE_DATA))
		return -EPERM;
	return 0;
}
EXPORT_SYMBOL_GPL(vmrun_cpuid_check);

int vmrun_cpuid_check_equal(const struct kvm_cpuid_entry2 *entries, u32 nent,
			    const struct kvm_cpuid_entry2 *cur, u32 cur_nent,
			    const struct vmrun_cpuid_state *state)
{
	struct vmrun_cpuid_regs a, b;
	u32 i;

	if (nent != cur_nent)
		return -EINVAL;
	for (i = 0; i < nent; i++) {
		if (entries[i].function != cur[i].function ||
		    entries[i].index != cur[i].index ||
		    entries[i].flags != cur[i].flags)
			return -EINVAL;
		a = entry_regs(&entries[i]);
		state_bits(entries, nent, &entries[i], state, &a);
		b = entry_regs(&cur[i]);
		state_bits(cur, cur_nent, &cur[i], state, &b);
		if (a.eax != b.eax || a.ebx != b.ebx || a.ecx != b.ecx ||
		    a.edx != b.edx)
			return -EINVAL;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(vmrun_cpuid_check_equal);
