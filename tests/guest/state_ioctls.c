// SPDX-License-Identifier: GPL-2.0
/*
 * state_ioctls - the vCPU state ioctls: KVM_GET/SET_FPU, KVM_GET/SET_XSAVE,
 * KVM_GET/SET_XCRS, KVM_GET/SET_MSRS and /dev's KVM_GET_MSR_INDEX_LIST
 * (and KVM_GET_MSR_FEATURE_INDEX_LIST where KVM_CAP_GET_MSR_FEATURES says
 * so). Round trips, what a 32-bit guest sees of what the host set (x87,
 * SSE and, where the CPU has it, AVX registers; XCR0 through XGETBV; MSRs
 * through RDMSR), and KVM's errnos for bad input.
 *
 * KVM 6.1 ignores kvm_fpu.mxcsr (it reads 0): no check looks at it.
 */
#include <cpuid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guest.h"

#define MSR_IA32_TSC		0x00000010
#define MSR_IA32_APICBASE	0x0000001b
#define MSR_SYSENTER_CS		0x00000174
#define MSR_SYSENTER_ESP	0x00000175
#define MSR_SYSENTER_EIP	0x00000176
#define MSR_PAT			0x00000277
#define MSR_EFER		0xc0000080
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SFMASK		0xc0000084
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MSR_UNKNOWN		0xdeadbeef	/* in no MSR range anyone has */

#define XCR0_FP		0x1ULL
#define XCR0_SSE	0x2ULL
#define XCR0_YMM	0x4ULL

/* The guest's data (guest-physical = offset in g->mem). */
#define D_HAS_XSAVE	0x20000		/* u32: enable CR4.OSXSAVE, XGETBV */
#define D_HAS_AVX	0x20004		/* u32: load and store YMM0 */
#define D_XMM0		0x20010		/* what the guest loads first */
#define D_XMM1		0x20020
#define D_YMM0		0x20040
#define D_XCR0		0x20100		/* u64 from XGETBV */
#define D_FXSAVE	0x20200		/* FXSAVE after the host's changes */
#define D_YMM0_OUT	0x20400

/* Offsets in the standard (non-compacted) XSAVE image. */
#define XS_FCW		0
#define XS_FSW		2
#define XS_FTW		4
#define XS_MXCSR	24
#define XS_ST(i)	(32 + 16 * (i))
#define XS_XMM(i)	(160 + 16 * (i))
#define XS_XFEATURES	512
#define XS_XCOMP_BV	520

/*
 * Enables SSE (and XSAVE), reads XCR0, loads x87 (1.0, pi), XMM0/1 (and
 * YMM0), stops; then stores what is there after the host changed it.
 */
GUEST_CODE(fpu_guest, ".code32",
	   "mov %cr4, %eax\n"
	   "or $0x600, %eax\n"		/* OSFXSR, OSXMMEXCPT */
	   "cmpl $0, 0x20000\n"
	   "je 1f\n"
	   "or $0x40000, %eax\n"	/* OSXSAVE */
	   "1: mov %eax, %cr4\n"
	   "cmpl $0, 0x20000\n"
	   "je 2f\n"
	   "xor %ecx, %ecx\n"
	   "xgetbv\n"
	   "mov %eax, 0x20100\n"
	   "mov %edx, 0x20104\n"
	   "2: fninit\n"
	   "fld1\n"
	   "fldpi\n"
	   "movdqu 0x20010, %xmm0\n"
	   "movdqu 0x20020, %xmm1\n"
	   "cmpl $0, 0x20004\n"
	   "je 3f\n"
	   "vmovdqu 0x20040, %ymm0\n"
	   "3: hlt\n"
	   "fxsave 0x20200\n"
	   "cmpl $0, 0x20004\n"
	   "je 4f\n"
	   "vmovdqu %ymm0, 0x20400\n"
	   "4: hlt\n");

GUEST_CODE(rdmsr_guest, ".code32", "rdmsr\n hlt\n");

/* 80-bit x87 values, little-endian in the first 10 bytes of a slot. */
static const uint8_t x87_one[10] = {
	0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f };
static const uint8_t x87_pi[10] = {
	0x35, 0xc2, 0x68, 0x21, 0xa2, 0xda, 0x0f, 0xc9, 0x00, 0x40 };
static const uint8_t x87_two[10] = {
	0, 0, 0, 0, 0, 0, 0, 0x80, 0x00, 0x40 };
static const uint8_t x87_minus_three[10] = {
	0, 0, 0, 0, 0, 0, 0, 0xc0, 0x00, 0xc0 };

struct cpu {
	bool xsave, avx;	/* the host has it, enabled, and offers it */
	uint32_t ymm_offset;	/* CPUID 0xd.2 EBX */
};

static uint64_t host_xgetbv(void)
{
	uint32_t lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return lo | (uint64_t)hi << 32;
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = seed + i * 7;
}

static struct kvm_cpuid2 *supported_cpuid(int sys_fd)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) +
				      256 * sizeof(struct kvm_cpuid_entry2));

	if (!c)
		tap_bail("out of memory");
	c->nent = 256;
	if (ioctl(sys_fd, KVM_GET_SUPPORTED_CPUID, c))
		tap_bail("KVM_GET_SUPPORTED_CPUID: %s", tap_errname(errno));
	return c;
}

static void probe_cpu(const struct kvm_cpuid2 *sup, struct cpu *cpu)
{
	unsigned int a, b, c, d;
	uint32_t offered = 0;

	memset(cpu, 0, sizeof(*cpu));
	for (uint32_t i = 0; i < sup->nent; i++)
		if (sup->entries[i].function == 1)
			offered = sup->entries[i].ecx;
	__cpuid(1, a, b, c, d);
	/* XSAVE and OSXSAVE here, and offered to the guest. */
	cpu->xsave = (c & (1u << 26)) && (c & (1u << 27)) &&
		     (offered & (1u << 26));
	cpu->avx = cpu->xsave && (c & (1u << 28)) && (offered & (1u << 28)) &&
		   (host_xgetbv() & 6) == 6;
	if (cpu->avx) {
		__cpuid_count(0xd, 2, a, b, c, d);
		cpu->ymm_offset = b;
		if (b < 576 || b + 256 > sizeof(((struct kvm_xsave *)0)->region))
			cpu->avx = false;
	}
}

/* KVM_GET_MSRS / KVM_SET_MSRS of up to 16 entries. */
struct msrs16 {
	struct kvm_msrs h;
	struct kvm_msr_entry e[16];
};

static long msr_io(int fd, unsigned long req, struct msrs16 *m,
		   const uint32_t *idx, const uint64_t *val, unsigned int n)
{
	memset(m, 0, sizeof(*m));
	m->h.nmsrs = n;
	for (unsigned int i = 0; i < n; i++) {
		m->e[i].index = idx[i];
		m->e[i].data = val ? val[i] : 0;
	}
	return ioctl(fd, req, m);
}

static bool get_msr_index_list(int sys_fd, struct kvm_msr_list **out)
{
	struct kvm_msr_list probe = { .nmsrs = 0 }, *l;
	uint32_t n;

	tap_expect_errno(TAP_CALL(ioctl(sys_fd, KVM_GET_MSR_INDEX_LIST, &probe)),
			 E2BIG, "KVM_GET_MSR_INDEX_LIST with nmsrs 0 -> E2BIG");
	n = probe.nmsrs;
	tap_check(n > 0 && n < 4096, "... and it writes the count back (%u)", n);
	l = calloc(1, sizeof(*l) + (n + 1) * sizeof(uint32_t));
	if (!l)
		tap_bail("out of memory");
	l->nmsrs = n - 1;
	tap_expect_errno(TAP_CALL(ioctl(sys_fd, KVM_GET_MSR_INDEX_LIST, l)),
			 E2BIG, "KVM_GET_MSR_INDEX_LIST with one too few -> E2BIG");
	tap_expect_eq(l->nmsrs, n, "... the count again");
	l->nmsrs = n + 1;
	if (!tap_expect_ok(TAP_CALL(ioctl(sys_fd, KVM_GET_MSR_INDEX_LIST, l)),
			   "KVM_GET_MSR_INDEX_LIST with room for all") ||
	    !tap_expect_eq(l->nmsrs, n, "... sets nmsrs to the count")) {
		free(l);
		return false;
	}
	tap_expect_errno(TAP_CALL(ioctl(sys_fd, KVM_GET_MSR_INDEX_LIST, NULL)),
			 EFAULT, "KVM_GET_MSR_INDEX_LIST(NULL) -> EFAULT");
	*out = l;
	return true;
}

static bool listed(const struct kvm_msr_list *l, uint32_t msr)
{
	for (uint32_t i = 0; i < l->nmsrs; i++)
		if (l->indices[i] == msr)
			return true;
	return false;
}

/* KVM_GET_MSR_FEATURE_INDEX_LIST answers exactly when the cap says so. */
static void test_feature_list(int sys_fd)
{
	int cap = ioctl(sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_GET_MSR_FEATURES);
	struct kvm_msr_list l = { .nmsrs = 0 };
	struct tap_res r = TAP_CALL(ioctl(sys_fd, KVM_GET_MSR_FEATURE_INDEX_LIST, &l));

	if (cap > 0)
		tap_check((r.ret == -1 && r.err == E2BIG && l.nmsrs > 0) ||
			  (r.ret == 0 && l.nmsrs == 0),
			  "KVM_CAP_GET_MSR_FEATURES %d: the feature list answers (%s, %u)",
			  cap, tap_res_str(r), l.nmsrs);
	else
		tap_expect_errno(r, EINVAL,
				 "KVM_CAP_GET_MSR_FEATURES 0: KVM_GET_MSR_FEATURE_INDEX_LIST -> EINVAL");
}

/* Every listed MSR reads; with vmrun, every readable MSR is listed. */
static void test_list_vs_reads(struct guest_vm *g, const struct kvm_msr_list *l,
			       bool vmrun)
{
	static const uint32_t ranges[][2] = {
		{ 0, 0x2000 }, { 0xc0000000, 0xc0002000 },
		{ 0xc0010000, 0xc0012000 },
	};
	uint32_t i, bad = 0, first_bad = 0, unlisted = 0, first_unlisted = 0;
	struct msrs16 m;

	for (i = 0; i < l->nmsrs; i++) {
		if (msr_io(g->vcpu_fd, KVM_GET_MSRS, &m, &l->indices[i], NULL, 1) != 1 &&
		    !bad++)
			first_bad = l->indices[i];
	}
	if (!tap_check(!bad, "KVM_GET_MSRS reads every MSR of the index list"))
		tap_diag("  %u fail, the first %#x", bad, first_bad);

	if (!vmrun) {
		tap_skip("KVM reads many MSRs it does not list",
			 "every readable MSR is in the index list");
		return;
	}
	for (i = 0; i < 3; i++) {
		for (uint32_t msr = ranges[i][0]; msr < ranges[i][1]; msr++) {
			if (msr_io(g->vcpu_fd, KVM_GET_MSRS, &m, &msr, NULL, 1) == 1 &&
			    !listed(l, msr) && !unlisted++)
				first_unlisted = msr;
		}
	}
	if (!tap_check(!unlisted, "every readable MSR is in the index list"))
		tap_diag("  %u are not, the first %#x", unlisted, first_unlisted);
}

/* Runs "rdmsr; hlt" with ECX = @msr; false if it did not come back. */
static bool guest_rdmsr(struct guest_vm *g, uint32_t msr, uint64_t *val)
{
	struct kvm_regs regs;

	if (ioctl(g->vcpu_fd, KVM_GET_REGS, &regs))
		return false;
	regs.rcx = msr;
	regs.rip = GUEST_CODE_GPA;
	if (ioctl(g->vcpu_fd, KVM_SET_REGS, &regs) ||
	    guest_run(g) != KVM_EXIT_HLT ||
	    ioctl(g->vcpu_fd, KVM_GET_REGS, &regs))
		return false;
	*val = (regs.rdx << 32) | (uint32_t)regs.rax;
	return true;
}

#define TSC_SET	(1ULL << 40)

static void test_msrs(struct guest_vm *g, const struct kvm_msr_list *l,
		      bool vmrun)
{
	static const uint32_t idx[] = {
		MSR_SYSENTER_CS, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP,
		MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK, MSR_KERNEL_GS_BASE,
		MSR_PAT, MSR_EFER, MSR_IA32_TSC,
	};
	static const uint64_t val[] = {
		0x10, 0x12345678, 0x87654321,
		0x001b000800000000ULL, 0xffffffff81000000ULL,
		0xffffffff81000100ULL, 0x47700, 0xffff888000000000ULL,
		0x0007010600070106ULL, 0x801 /* SCE, NX */, TSC_SET,
	};
	const unsigned int n = sizeof(idx) / sizeof(idx[0]);
	uint32_t two[3] = { MSR_STAR, MSR_UNKNOWN, MSR_LSTAR };
	uint64_t twov[3] = { 1, 2, 0xffffffff82000000ULL };
	unsigned int i, missing = 0, wrong = 0;
	struct msrs16 m;
	uint64_t v;
	void *pages;

	/* KVM 6.1 lists neither EFER nor PAT (KVM_SET_SREGS has EFER). */
	for (i = 0; i < n; i++) {
		if (idx[i] != MSR_EFER && idx[i] != MSR_PAT && !listed(l, idx[i]) &&
		    !missing++)
			tap_diag("  %#x is not listed", idx[i]);
	}
	tap_check(!missing, "the index list has SYSENTER_*, STAR, LSTAR, CSTAR, SFMASK, KERNEL_GS_BASE, TSC");

	/* KVM_SET_SREGS sets EFER: load the guest first. */
	if (!guest_load(g, GUEST_PROT32, rdmsr_guest_start, rdmsr_guest_end))
		tap_bail("loading the RDMSR guest");

	tap_expect_ret(TAP_CALL(msr_io(g->vcpu_fd, KVM_SET_MSRS, &m, idx, val, n)),
		       n, "KVM_SET_MSRS of %u MSRs -> %u", n, n);
	if (tap_expect_ret(TAP_CALL(msr_io(g->vcpu_fd, KVM_GET_MSRS, &m, idx, NULL, n)),
			   n, "KVM_GET_MSRS of them -> %u", n)) {
		for (i = 0; i < n; i++) {
			bool ok = idx[i] == MSR_IA32_TSC ?
				  m.e[i].data >= TSC_SET && m.e[i].data - TSC_SET < (1ULL << 38) :
				  m.e[i].data == val[i];

			if (!ok && !wrong++)
				tap_diag("  MSR %#x: %#llx, set %#llx", idx[i],
					 (unsigned long long)m.e[i].data,
					 (unsigned long long)val[i]);
		}
		tap_check(!wrong, "... they read back as set (the TSC counting on)");
	} else {
		tap_skip("KVM_GET_MSRS failed", "... they read back as set");
	}

	wrong = 0;
	for (i = 0; i < n; i++) {
		bool ok = guest_rdmsr(g, idx[i], &v);

		if (ok && idx[i] == MSR_IA32_TSC)
			ok = v >= TSC_SET && v - TSC_SET < (1ULL << 38);
		else if (ok)
			ok = v == val[i];
		if (!ok && !wrong++)
			tap_diag("  guest RDMSR %#x: %#llx, set %#llx", idx[i],
				 (unsigned long long)v, (unsigned long long)val[i]);
	}
	tap_check(!wrong, "the guest's RDMSR sees what KVM_SET_MSRS set");

	/* The count stops at the first MSR the vCPU refuses. */
	tap_expect_ret(TAP_CALL(msr_io(g->vcpu_fd, KVM_SET_MSRS, &m, two, twov, 3)),
		       1, "KVM_SET_MSRS STAR, unknown, LSTAR -> 1");
	tap_expect_ret(TAP_CALL(msr_io(g->vcpu_fd, KVM_GET_MSRS, &m, two + 1, NULL, 2)),
		       0, "KVM_GET_MSRS unknown, LSTAR -> 0");
	tap_check(msr_io(g->vcpu_fd, KVM_GET_MSRS, &m, idx + 4, NULL, 1) == 1 &&
		  m.e[0].data == val[4],
		  "... LSTAR after the unknown MSR was not written");
	v = 0x0202020202020202ULL;	/* memory type 2 is reserved */
	tap_expect_ret(TAP_CALL(msr_io(g->vcpu_fd, KVM_SET_MSRS, &m, idx + 8, &v, 1)),
		       0, "KVM_SET_MSRS of a PAT with a reserved type -> 0");
	v = 0x0000800000000000ULL;
	tap_expect_ret(TAP_CALL(msr_io(g->vcpu_fd, KVM_SET_MSRS, &m, idx + 4, &v, 1)),
		       0, "KVM_SET_MSRS of a non-canonical LSTAR -> 0");
	tap_expect_ret(TAP_CALL(msr_io(g->vcpu_fd, KVM_GET_MSRS, &m, idx, NULL, 0)),
		       0, "KVM_GET_MSRS of nothing -> 0");

	/* Bad input: KVM's E2BIG at 256 entries, EFAULT for bad memory. */
	memset(&m, 0, sizeof(m));
	m.h.nmsrs = 256;
	tap_expect_errno(TAP_CALL(ioctl(g->vcpu_fd, KVM_GET_MSRS, &m)), E2BIG,
			 "KVM_GET_MSRS with nmsrs 256 -> E2BIG");
	m.h.nmsrs = 0xffffffff;
	tap_expect_errno(TAP_CALL(ioctl(g->vcpu_fd, KVM_SET_MSRS, &m)), E2BIG,
			 "KVM_SET_MSRS with nmsrs 2^32-1 -> E2BIG");
	tap_expect_errno(TAP_CALL(ioctl(g->vcpu_fd, KVM_GET_MSRS, NULL)), EFAULT,
			 "KVM_GET_MSRS(NULL) -> EFAULT");
	tap_expect_errno(TAP_CALL(ioctl(g->vcpu_fd, KVM_SET_MSRS, NULL)), EFAULT,
			 "KVM_SET_MSRS(NULL) -> EFAULT");
	pages = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pages == MAP_FAILED || mprotect((char *)pages + 4096, 4096, PROT_NONE))
		tap_bail("mmap");
	{
		/* The header readable, its entries in a page that is not. */
		struct kvm_msrs *h = (void *)((char *)pages + 4096 - sizeof(*h));

		h->nmsrs = 1;
		tap_expect_errno(TAP_CALL(ioctl(g->vcpu_fd, KVM_GET_MSRS, h)),
				 EFAULT, "KVM_GET_MSRS with entries unmapped -> EFAULT");
		tap_expect_errno(TAP_CALL(ioctl(g->vcpu_fd, KVM_SET_MSRS, h)),
				 EFAULT, "KVM_SET_MSRS with entries unmapped -> EFAULT");
	}
	munmap(pages, 2 * 4096);

	test_list_vs_reads(g, l, vmrun);
}

static bool fpr_is(const struct kvm_fpu *f, int i, const uint8_t *v)
{
	return !memcmp(f->fpr[i], v, 10);
}

static void test_fpu_roundtrip(struct guest_vm *g)
{
	struct kvm_fpu set, got;

	memset(&got, 0, sizeof(got));
	if (tap_expect_ok(TAP_CALL(ioctl(g->vcpu_fd, KVM_GET_FPU, &got)),
			  "KVM_GET_FPU on a new vCPU"))
		tap_expect_eq(got.fcw, 0x37f, "... FCW is FNINIT's 0x37f");
	else
		tap_skip("KVM_GET_FPU failed", "... FCW is FNINIT's 0x37f");

	memset(&set, 0, sizeof(set));
	for (int i = 0; i < 8; i++)
		fill(set.fpr[i], 10, 0x10 * i + 1);
	set.fcw = 0x27f;
	set.fsw = 0x3000;
	set.ftwx = 0xc0;
	set.last_opcode = 0x1d9;
	set.last_ip = 0x12345;
	set.last_dp = 0x6789a;
	fill(&set.xmm[0][0], sizeof(set.xmm), 0x55);
	set.mxcsr = 0x1f80;
	tap_expect_ok(TAP_CALL(ioctl(g->vcpu_fd, KVM_SET_FPU, &set)), "KVM_SET_FPU");
	memset(&got, 0, sizeof(got));
	tap_expect_ok(TAP_CALL(ioctl(g->vcpu_fd, KVM_GET_FPU, &got)), "KVM_GET_FPU");
	{
		bool same = got.fcw == set.fcw && got.fsw == set.fsw &&
			    got.ftwx == set.ftwx &&
			    got.last_opcode == set.last_opcode &&
			    got.last_ip == set.last_ip && got.last_dp == set.last_dp &&
			    !memcmp(got.xmm, set.xmm, sizeof(set.xmm));

		for (int i = 0; i < 8; i++)
			same = same && fpr_is(&got, i, set.fpr[i]);
		tap_check(same, "KVM_GET_FPU gives back what KVM_SET_FPU set");
	}
	tap_expect_errno(TAP_CALL(ioctl(g->vcpu_fd, KVM_GET_FPU, NULL)), EFAULT,
			 "KVM_GET_FPU(NULL) -> EFAULT");
	tap_expect_errno(TAP_CALL(ioctl(g->vcpu_fd, KVM_SET_FPU, NULL)), EFAULT,
			 "KVM_SET_FPU(NULL) -> EFAULT");
}

/* The architecturally defined parts of two XSAVE images agree. */
static bool xsave_same(const struct kvm_xsave *a, const struct kvm_xsave *b,
		       const struct cpu *cpu)
{
	const uint8_t *x = (const uint8_t *)a->region;
	const uint8_t *y = (const uint8_t *)b->region;

	if (memcmp(x, y, XS_MXCSR + 4) ||	/* FCW..MXCSR */
	    memcmp(x + XS_ST(0), y + XS_ST(0), 416 - XS_ST(0)) ||
	    memcmp(x + XS_XFEATURES, y + XS_XFEATURES, 8))
		return false;
	return !cpu->avx || !memcmp(x + cpu->ymm_offset, y + cpu->ymm_offset, 256);
}

static void test_xsave_roundtrip(struct guest_vm *g, const struct cpu *cpu)
{
	struct kvm_xsave *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	uint8_t *r;
	uint64_t xf;

	if (!a || !b)
		tap_bail("out of memory");
	tap_expect_ret(TAP_CALL(ioctl(g->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE)),
		       1, "KVM_CAP_XSAVE is 1");
	tap_expect_ok(TAP_CALL(ioctl(g->vcpu_fd, KVM_GET_XSAVE, a)), "KVM_GET_XSAVE");
	r = (uint8_t *)a->region;
	fill(r + XS_XMM(0), 256, 0x21);
	memcpy(&xf, r + XS_XFEATURES, 8);
	xf |= XCR0_FP | XCR0_SSE;
	if (cpu->avx) {
		fill(r + cpu->ymm_offset, 256, 0x77);
		xf |= XCR0_YMM;
	}
	memcpy(r + XS_XFEATURES, &xf, 8);
	tap_expect_ok(TAP_CALL(ioctl(g->vcpu_fd, KVM_SET_XSAVE, a)),
		       "KVM_SET_XSAVE with new XMM%s registers", cpu->avx ? "/YMM" : "");
	tap_expect_ok(TAP_CALL(ioctl(g->vcpu_fd, KVM_GET_XSAVE, b)), "KVM_GET_XSAVE again");
	tap_check(xsave_same(a, b, cpu),
		  "KVM_GET_XSAVE gives back what KVM_SET_XSAVE set");

	/* Bad input. */
	memcpy(b, a, sizeof(*a));
	r = (uint8_t *)b->region;
	xf = 1ULL << 63;
	memcpy(r + XS_XFEATURES, &xf, 8);
	tap_expect_errno(TAP_CALL(ioctl(g->vcpu_fd, KVM_SET_XSAVE, b)), EINVAL,
			 "KVM_SET_XSAVE with XSTATE_BV bit 63 -> EINVAL");
	memcpy(b, a, sizeof(*a));
	xf = 1ULL << 63 | XCR0_FP | XCR0_SSE;
	memcpy(r + XS_XCOMP_BV, &xf, 8);
	/*
	 * Without XSAVE on the host, KVM (and vmrun, through the same kernel
	 * helper) takes only the legacy FXSAVE area and the XSTATE_BV check:
	 * the XSAVE header's XCOMP_BV means nothing there.
	 */
	if (cpu->xsave)
		tap_expect_errno(TAP_CALL(ioctl(g->vcpu_fd, KVM_SET_XSAVE, b)), EINVAL,
				 "KVM_SET_XSAVE in the compacted format -> EINVAL");
	else
		tap_expect_ok(TAP_CALL(ioctl(g->vcpu_fd, KVM_SET_XSAVE, b)),
			      "no XSAVE on the host: KVM_SET_XSAVE ignores XCOMP_BV");
	memcpy(b, a, sizeof(*a));
	r[XS_MXCSR + 3] = 0xff;		/* reserved MXCSR bits */
	tap_expect_errno(TAP_CALL(ioctl(g->vcpu_fd, KVM_SET_XSAVE, b)), EINVAL,
			 "KVM_SET_XSAVE with reserved MXCSR bits -> EINVAL");
	tap_expect_errno(TAP_CALL(ioctl(g->vcpu_fd, KVM_GET_XSAVE, NULL)), EFAULT,
			 "KVM_GET_XSAVE(NULL) -> EFAULT");
	tap_expect_errno(TAP_CALL(ioctl(g->vcpu_fd, KVM_SET_XSAVE, NULL)), EFAULT,
			 "KVM_SET_XSAVE(NULL) -> EFAULT");
	tap_expect_ok(TAP_CALL(ioctl(g->vcpu_fd, KVM_GET_XSAVE, b)),
		      "KVM_GET_XSAVE after the refused ones");
	tap_check(xsave_same(a, b, cpu), "... the state is unchanged");
	free(a);
	free(b);
}

static void test_xcrs(struct guest_vm *g, int sys_fd, const struct cpu *cpu,
		      uint64_t xcr0)
{
	struct kvm_xcrs x;

	tap_expect_ret(TAP_CALL(ioctl(sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_XCRS)),
		       cpu->xsave, "KVM_CAP_XCRS is %d", cpu->xsave);
	if (!cpu->xsave) {
		for (int i = 0; i < 9; i++)
			tap_skip("no XSAVE", "KVM_GET/SET_XCRS");
		return;
	}
	memset(&x, 0, sizeof(x));
	x.nr_xcrs = 1;
	x.xcrs[0].value = xcr0;
	tap_expect_ok(TAP_CALL(ioctl(g->vcpu_fd, KVM_SET_XCRS, &x)),
		      "KVM_SET_XCRS XCR0 = %#llx", (unsigned long long)xcr0);
	memset(&x, 0xa5, sizeof(x));
	tap_expect_ok(TAP_CALL(ioctl(g->vcpu_fd, KVM_GET_XCRS, &x)), "KVM_GET_XCRS");
	tap_check(x.nr_xcrs == 1 && x.flags == 0 && x.xcrs[0].xcr == 0 &&
		  x.xcrs[0].value == xcr0, "... gives XCR0 = %#llx back",
		  (unsigned long long)xcr0);

	memset(&x, 0, sizeof(x));
	x.nr_xcrs = 1;
	x.xcrs[0].value = XCR0_SSE;
	tap_expect_errno(TAP_CALL(ioctl(g->vcpu_fd, KVM_SET_XCRS, &x)), EINVAL,
			 "KVM_SET_XCRS XCR0 without x87 -> EINVAL");
	x.xcrs[0].value = XCR0_FP | XCR0_YMM;
	tap_expect_errno(TAP_CALL(ioctl(g->vcpu_fd, KVM_SET_XCRS, &x)), EINVAL,
			 "KVM_SET_XCRS XCR0 with AVX but not SSE -> EINVAL");
	x.xcrs[0].value = XCR0_FP | 1ULL << 62;
	tap_expect_errno(TAP_CALL(ioctl(g->vcpu_fd, KVM_SET_XCRS, &x)), EINVAL,
			 "KVM_SET_XCRS XCR0 with an unknown feature -> EINVAL");
	x.xcrs[0].value = XCR0_FP;
	x.flags = 1;
	tap_expect_errno(TAP_CALL(ioctl(g->vcpu_fd, KVM_SET_XCRS, &x)), EINVAL,
			 "KVM_SET_XCRS with flags -> EINVAL");
	x.flags = 0;
	x.nr_xcrs = KVM_MAX_XCRS + 1;
	tap_expect_errno(TAP_CALL(ioctl(g->vcpu_fd, KVM_SET_XCRS, &x)), EINVAL,
			 "KVM_SET_XCRS with %d XCRs -> EINVAL", KVM_MAX_XCRS + 1);
	tap_expect_errno(TAP_CALL(ioctl(g->vcpu_fd, KVM_SET_XCRS, NULL)), EFAULT,
			 "KVM_SET_XCRS(NULL) -> EFAULT");
}

/* The guest loads registers, the host changes them, the guest stores them. */
static void test_guest_sees(struct guest_vm *g, const struct cpu *cpu,
			    uint64_t xcr0)
{
	struct kvm_xsave *xs = calloc(1, sizeof(*xs));
	struct kvm_fpu f;
	uint8_t xmm0_b[16], xmm1_b[16], ymm0_hi_c[16];
	const uint8_t *fx = g->mem + D_FXSAVE;
	uint8_t *r;
	uint64_t xf;
	int exit;

	if (!xs)
		tap_bail("out of memory");
	if (!guest_load(g, GUEST_PROT32, fpu_guest_start, fpu_guest_end))
		tap_bail("loading the FPU guest");
	*(uint32_t *)(g->mem + D_HAS_XSAVE) = cpu->xsave;
	*(uint32_t *)(g->mem + D_HAS_AVX) = cpu->avx;
	fill(g->mem + D_XMM0, 16, 0x01);
	fill(g->mem + D_XMM1, 16, 0x31);
	fill(g->mem + D_YMM0, 32, 0x61);
	memcpy(g->mem + D_YMM0, g->mem + D_XMM0, 16);	/* YMM0 overlays XMM0 */
	memset(g->mem + D_XCR0, 0, 8);

	exit = guest_run(g);
	if (!tap_check(exit == KVM_EXIT_HLT, "the guest loads x87, SSE%s registers and halts (%s)",
		       cpu->avx ? ", AVX" : "", guest_exit_name(exit))) {
		if (exit == KVM_EXIT_INTERNAL_ERROR)
			guest_diag_internal(g->run);
		for (int i = 0; i < 7; i++)
			tap_skip("the guest did not run", "FPU state seen by the guest");
		free(xs);
		return;
	}
	if (cpu->xsave)
		tap_check(*(uint64_t *)(g->mem + D_XCR0) == xcr0,
			  "the guest's XGETBV sees the XCR0 KVM_SET_XCRS set (%#llx)",
			  (unsigned long long)*(uint64_t *)(g->mem + D_XCR0));
	else
		tap_skip("no XSAVE", "the guest's XGETBV sees XCR0");

	/* What the guest loaded is what the host reads. */
	memset(&f, 0, sizeof(f));
	if (!tap_check(!ioctl(g->vcpu_fd, KVM_GET_FPU, &f) && f.fcw == 0x37f &&
		       (f.fsw >> 11 & 7) == 6 && fpr_is(&f, 0, x87_pi) &&
		       fpr_is(&f, 1, x87_one) &&
		       !memcmp(f.xmm[0], g->mem + D_XMM0, 16) &&
		       !memcmp(f.xmm[1], g->mem + D_XMM1, 16),
		       "KVM_GET_FPU sees the guest's ST0 = pi, ST1 = 1, XMM0, XMM1"))
		tap_diag("  FCW %#x FSW %#x FTW %#x ST0 %02x..%02x%02x ST1 %02x..%02x%02x XMM0 %s XMM1 %s",
			 f.fcw, f.fsw, f.ftwx, f.fpr[0][0], f.fpr[0][8], f.fpr[0][9],
			 f.fpr[1][0], f.fpr[1][8], f.fpr[1][9],
			 memcmp(f.xmm[0], g->mem + D_XMM0, 16) ? "differs" : "ok",
			 memcmp(f.xmm[1], g->mem + D_XMM1, 16) ? "differs" : "ok");

	/* The host changes x87 and SSE... */
	memcpy(f.fpr[0], x87_two, 10);
	memcpy(f.fpr[1], x87_minus_three, 10);
	f.fcw = 0x27f;
	fill(xmm0_b, 16, 0x91);
	fill(xmm1_b, 16, 0xa1);
	memcpy(f.xmm[0], xmm0_b, 16);
	memcpy(f.xmm[1], xmm1_b, 16);
	f.mxcsr = 0x1f80;
	tap_expect_ok(TAP_CALL(ioctl(g->vcpu_fd, KVM_SET_FPU, &f)),
		      "KVM_SET_FPU: ST0 = 2, ST1 = -3, FCW 0x27f, new XMM0/1");

	/* ... and, through XSAVE, the upper half of YMM0. */
	if (cpu->avx) {
		bool ok = !ioctl(g->vcpu_fd, KVM_GET_XSAVE, xs);

		r = (uint8_t *)xs->region;
		memcpy(&xf, r + XS_XFEATURES, 8);
		ok = ok && (xf & XCR0_YMM) && !memcmp(r + XS_XMM(0), xmm0_b, 16) &&
		     !memcmp(r + cpu->ymm_offset, g->mem + D_YMM0 + 16, 16);
		fill(ymm0_hi_c, 16, 0xc1);
		memcpy(r + cpu->ymm_offset, ymm0_hi_c, 16);
		tap_check(ok && !ioctl(g->vcpu_fd, KVM_SET_XSAVE, xs),
			  "KVM_GET_XSAVE has the new XMM0 and the guest's YMM0; KVM_SET_XSAVE of a new YMM0 upper half");
	} else {
		tap_skip("no AVX", "KVM_SET_XSAVE of a new YMM0 upper half");
	}

	exit = guest_run(g);
	if (!tap_check(exit == KVM_EXIT_HLT, "the guest stores its registers (%s)",
		       guest_exit_name(exit))) {
		for (int i = 0; i < 2; i++)
			tap_skip("the guest did not run", "FPU state seen by the guest");
		free(xs);
		return;
	}
	if (!tap_check(*(const uint16_t *)(fx + XS_FCW) == 0x27f &&
		       !memcmp(fx + XS_ST(0), x87_two, 10) &&
		       !memcmp(fx + XS_ST(1), x87_minus_three, 10) &&
		       !memcmp(fx + XS_XMM(0), xmm0_b, 16) &&
		       !memcmp(fx + XS_XMM(1), xmm1_b, 16),
		       "the guest's FXSAVE has the host's FCW, ST0, ST1, XMM0, XMM1"))
		tap_diag("  FCW %#x", *(const uint16_t *)(fx + XS_FCW));
	if (cpu->avx)
		tap_check(!memcmp(g->mem + D_YMM0_OUT, xmm0_b, 16) &&
			  !memcmp(g->mem + D_YMM0_OUT + 16, ymm0_hi_c, 16),
			  "the guest's YMM0 is the host's (KVM_SET_FPU low, KVM_SET_XSAVE high half)");
	else
		tap_skip("no AVX", "the guest's YMM0 is the host's");
	free(xs);
}

int main(void)
{
	int sys_fd = guest_open_dev();
	const char *ref = getenv("VMRUN_REF");
	bool vmrun = !ref || !*ref;
	struct kvm_msr_list *list = NULL;
	struct kvm_cpuid2 *sup;
	struct guest_vm g;
	struct cpu cpu;
	uint64_t xcr0;

	sup = supported_cpuid(sys_fd);
	probe_cpu(sup, &cpu);
	xcr0 = XCR0_FP | XCR0_SSE | (cpu.avx ? XCR0_YMM : 0);
	tap_plan(64);
	tap_diag("host: XSAVE %s, AVX %s, YMM at %u", cpu.xsave ? "yes" : "no",
		 cpu.avx ? "yes" : "no", cpu.ymm_offset);

	if (!get_msr_index_list(sys_fd, &list))
		tap_bail("no MSR index list");
	test_feature_list(sys_fd);

	if (!guest_vm_create(&g, sys_fd) ||
	    ioctl(g.vcpu_fd, KVM_SET_CPUID2, sup))
		tap_bail("VM with the supported CPUID");
	test_fpu_roundtrip(&g);
	test_xsave_roundtrip(&g, &cpu);
	test_xcrs(&g, sys_fd, &cpu, xcr0);
	test_guest_sees(&g, &cpu, xcr0);
	guest_vm_destroy(&g);

	if (!guest_vm_create(&g, sys_fd) ||
	    ioctl(g.vcpu_fd, KVM_SET_CPUID2, sup))
		tap_bail("VM with the supported CPUID");
	test_msrs(&g, list, vmrun);
	guest_vm_destroy(&g);

	free(list);
	free(sup);
	close(sys_fd);
	return tap_finish();
}
