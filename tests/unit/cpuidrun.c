// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests of what the guest's CPUID returns (vmrun_cpuid_lookup(),
 * vmrun_cpuid_apply_state()) and of the KVM_SET_CPUID2 checks
 * (vmrun_cpuid_check(), vmrun_cpuid_check_equal()) in kernel/x86/cpuid.c.
 *
 * The rules are KVM 6.1's (arch/x86/kvm/cpuid.c: cpuid_entry2_find(),
 * get_out_of_range_cpuid_entry(), kvm_cpuid(), kvm_check_cpuid(),
 * kvm_cpuid_check_equal(), __kvm_update_cpuid_runtime()); the expected
 * values below are worked out by hand from the tables here. Vendor strings
 * are spelled out in hex from their ASCII.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cpuid.h"
#include "cpuidtest.h"
#include "unit.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))
#define SIG	KVM_CPUID_FLAG_SIGNIFCANT_INDEX

/* An entry; E() expands INTEL and the like into their three registers. */
#define E(...)	E_(__VA_ARGS__)
#define E_(fn, idx, fl, a, b, c, d)					\
	{ .function = (fn), .index = (idx), .flags = (fl),		\
	  .eax = (a), .ebx = (b), .ecx = (c), .edx = (d) }

/* "GenuineIntel", "AuthenticAMD", "AMDisbetter!", "HygonGenuine",
 * "CentaurHauls" as EBX, EDX, ECX hold them.
 */
#define INTEL	0x756e6547, 0x6c65746e, 0x49656e69	/* EBX ECX EDX */
#define AMD	0x68747541, 0x444d4163, 0x69746e65
#define AMD_OLD	0x69444d41, 0x21726574, 0x74656273
#define HYGON	0x6f677948, 0x656e6975, 0x6e65476e
#define CENTAUR	0x746e6543, 0x736c7561, 0x48727561

#define CR4_OSXSAVE	(1ULL << 18)
#define CR4_PKE		(1ULL << 22)
#define APIC_BASE_BSP_EN	0xfee00900ULL	/* BSP, enabled */
#define APIC_BASE_BSP_OFF	0xfee00100ULL	/* BSP, disabled */

/*
 * An Intel-like table: basic leaves to 0DH, a Skylake-X XSAVE layout
 * (with XSAVEC), extended leaves to 80000008H, vmrun's hypervisor leaf.
 * Leaf 1 has OSXSAVE set and a stale APIC ID (0xff) to see them replaced;
 * 7.1 has bit 4 set in ECX, which is not OSPKE there.
 */
static const struct kvm_cpuid_entry2 intel_tab[] = {
	E(0x0, 0, 0, 0xd, INTEL),
	E(0x1, 0, 0, 0x00050654, 0xff010800, 0x9c000001, 0x04000201),
	E(0x4, 0, SIG, 0x121, 0x01c0003f, 0x3f, 0),
	E(0x4, 1, SIG, 0x122, 0x01c0003f, 0x3f, 0),
	E(0x7, 0, SIG, 1, 0xa0, 0x4, 0),
	E(0x7, 1, SIG, 0x10, 0, 0x10, 0),
	E(0xb, 0, SIG, 1, 1, 0x100, 7),
	E(0xb, 1, SIG, 4, 1, 0x201, 7),
	E(0xd, 0, SIG, 0xe7, 0x1111, 2688, 0),
	E(0xd, 1, SIG, 0x3, 0x2222, 0, 0),
	E(0xd, 2, SIG, 256, 576, 0, 0),
	E(0xd, 5, SIG, 64, 1088, 0, 0),
	E(0xd, 6, SIG, 512, 1152, 0, 0),
	E(0xd, 7, SIG, 1024, 1664, 0, 0),
	E(0x80000000, 0, 0, 0x80000008, 0, 0, 0),
	E(0x80000001, 0, 0, 0, 0, 0x1, 0x20100800),
	E(0x80000008, 0, 0, 0x3028, 0, 0, 0),
	E(0x40000000, 0, 0, 0x40000000, 0x75726d76, 0x726d766e, 0x6e75),
};

/* The state most cases use: CR4 and XCR0 as after reset, APIC enabled. */
static const struct vmrun_cpuid_state s0 = {
	.cr4 = 0, .xcr0 = 1, .apic_base = APIC_BASE_BSP_EN, .apic_id = 0,
};

/* Leaf 1 of intel_tab in state s0. */
static const char *const leaf1_s0[4] = {
	"0x00050654", "0x00010800", "sse3 xsave avx hypervisor",
	"fpu apic sse2",
};

static const char *const zeros[4] = { "0", "0", "0", "0" };

/* One CPUID in the guest: the result and whether it was exact. */
static void expect_cpuid(const char *what, const struct kvm_cpuid_entry2 *t,
			 unsigned int n, uint32_t fn, uint32_t idx,
			 const struct vmrun_cpuid_state *st, bool exact,
			 uint32_t want_leaf, uint32_t want_sub,
			 const char *const want[4])
{
	struct vmrun_cpuid_regs r;
	uint32_t got[4];
	bool e;

	memset(&r, 0xcc, sizeof(r));
	e = vmrun_cpuid_lookup(t, n, fn, idx, st, &r);
	EXPECT(e == exact, "%s: CPUID %#x.%u exact = %d, want %d", what, fn,
	       idx, e, exact);
	got[0] = r.eax;
	got[1] = r.ebx;
	got[2] = r.ecx;
	got[3] = r.edx;
	/* Named as the leaf the answer comes from, for feature names. */
	cpuid_expect_regs(what, want_leaf, want_sub, got, want);
}

static void test_exact(void)
{
	static const char *const l4_1[4] = {
		"0x122", "0x01c0003f", "0x3f", "0" };
	static const char *const e1[4] = {
		"0", "0", "lahf-lm", "syscall nx lm" };
	static const struct kvm_cpuid_entry2 dup[] = {
		E(0x0, 0, 0, 0x7, INTEL),
		E(0x2, 0, 0, 0x11, 0, 0, 0),
		E(0x2, 0, 0, 0x22, 0, 0, 0),
		E(0x7, 0, SIG, 0, 0x1, 0, 0),
		E(0x7, 1, 0, 0, 0x2, 0, 0),
		E(0x7, 2, SIG, 0, 0x4, 0, 0),
	};
	static const char *const first2[4] = { "0x11", "0", "0", "0" };
	static const char *const l7a[4] = { "0", "fsgsbase", "", "" };
	static const char *const l7b[4] = { "0", "tsc-adjust", "", "" };
	const unsigned int n = N(intel_tab);

	unit_begin("cpuidrun exact entries");
	expect_cpuid("leaf 1", intel_tab, n, 1, 0, &s0, true, 1, 0, leaf1_s0);
	expect_cpuid("leaf 4.1", intel_tab, n, 4, 1, &s0, true, 4, 1, l4_1);
	expect_cpuid("80000001H", intel_tab, n, 0x80000001, 0, &s0, true,
		     0x80000001, 0, e1);
	unit_end();

	unit_begin("cpuidrun index significance");
	/* Index ignored without KVM_CPUID_FLAG_SIGNIFCANT_INDEX... */
	expect_cpuid("leaf 1 index 5", intel_tab, n, 1, 5, &s0, true, 1, 0,
		     leaf1_s0);
	expect_cpuid("80000001H index 0x1234", intel_tab, n, 0x80000001,
		     0x1234, &s0, true, 0x80000001, 0, e1);
	/* ...and minded with it: leaf 4.2 is not there, but in range. */
	expect_cpuid("leaf 4.2", intel_tab, n, 4, 2, &s0, false, 4, 2, zeros);
	/* The first entry that matches wins. */
	expect_cpuid("two leaf 2s", dup, N(dup), 2, 0, &s0, true, 2, 0,
		     first2);
	expect_cpuid("7.0 flagged", dup, N(dup), 7, 0, &s0, true, 7, 0, l7a);
	expect_cpuid("7.1 unflagged", dup, N(dup), 7, 1, &s0, true, 7, 0,
		     l7b);
	/* 7.2 is flagged, but the unflagged 7.1 comes first. */
	expect_cpuid("7.2 behind unflagged 7.1", dup, N(dup), 7, 2, &s0,
		     true, 7, 0, l7b);
	expect_cpuid("7.9", dup, N(dup), 7, 9, &s0, true, 7, 0, l7b);
	/* No KVM_SET_CPUID2 yet: no table, all zeros, as KVM gives. */
	expect_cpuid("no table", NULL, 0, 1, 0, &s0, false, 1, 0, zeros);
	expect_cpuid("no table, 0bH", NULL, 0, 0xb, 0, &s0, false, 0xb, 0,
		     zeros);
	/* A leaf within range that the table lacks. */
	expect_cpuid("leaf 3", intel_tab, n, 3, 0, &s0, false, 3, 0, zeros);
	expect_cpuid("80000005H", intel_tab, n, 0x80000005, 0, &s0, false,
		     0x80000005, 0, zeros);
	unit_end();
}

/* Out-of-range leaves: the highest basic leaf unless AMD or Hygon. */
static void test_out_of_range(void)
{
	struct kvm_cpuid_entry2 t[N(intel_tab) + 2];
	const unsigned int n = N(intel_tab);
	static const char *const d0[4] = { "0xe7", "576", "2688", "0" };
	static const char *const d1[4] = {
		"xsaveopt xsavec", "576", "0", "0" };
	static const char *const d2[4] = { "256", "576", "0", "0" };
	static const char *const d5[4] = { "64", "1088", "0", "0" };
	static const char *const hv[4] = {
		"0x40000000", "0x75726d76", "0x726d766e", "0x6e75" };
	static const char *const c1[4] = { "0x1", "0x2", "0x3", "0x4" };
	static const struct {
		uint32_t fn, idx;
		uint32_t leaf, sub;	/* where the answer comes from */
		const char *const *want;
	} cases[] = {
		{ 0xe, 0, 0xd, 0, d0 },
		{ 0x20, 1, 0xd, 1, d1 },
		{ 0x20, 2, 0xd, 2, d2 },
		{ 0x20, 3, 0xd, 3, zeros },	/* 0DH.3 is not there */
		{ 0x3fffffff, 0, 0xd, 0, d0 },
		{ 0x50000000, 0, 0xd, 0, d0 },
		{ 0x7fffffff, 5, 0xd, 5, d5 },
		{ 0x80000009, 0, 0xd, 0, d0 },
		{ 0x8fffffff, 5, 0xd, 5, d5 },
		{ 0xbfffffff, 0, 0xd, 0, d0 },
		{ 0x40000001, 0, 0xd, 0, d0 },	/* past vmrun's 40000000H */
		{ 0x40000100, 0, 0xd, 0, d0 },	/* a class not there */
		{ 0x4fffffff, 1, 0xd, 1, d1 },
		{ 0xc0000000, 0, 0xd, 0, d0 },	/* no Centaur leaves */
		{ 0xffffffff, 2, 0xd, 2, d2 },
	};
	char what[64];
	unsigned int i;

	unit_begin("cpuidrun out of range, Intel");
	for (i = 0; i < N(cases); i++) {
		snprintf(what, sizeof(what), "intel %#x.%u", cases[i].fn,
			 cases[i].idx);
		expect_cpuid(what, intel_tab, n, cases[i].fn, cases[i].idx,
			     &s0, false, cases[i].leaf, cases[i].sub,
			     cases[i].want);
	}
	expect_cpuid("intel 40000000H", intel_tab, n, 0x40000000, 0, &s0,
		     true, 0x40000000, 0, hv);
	unit_end();

	/* Not only "GenuineIntel": every vendor but AMD's and Hygon's. */
	unit_begin("cpuidrun out of range, other vendors");
	memcpy(t, intel_tab, sizeof(intel_tab));
	t[0] = (struct kvm_cpuid_entry2)E(0x0, 0, 0, 0xd, CENTAUR);
	t[n] = (struct kvm_cpuid_entry2)E(0xc0000000, 0, 0, 0xc0000001,
					  0, 0, 0);
	t[n + 1] = (struct kvm_cpuid_entry2)E(0xc0000001, 0, 0, 1, 2, 3, 4);
	expect_cpuid("centaur c0000001H", t, n + 2, 0xc0000001, 0, &s0,
		     true, 0xc0000001, 0, c1);
	expect_cpuid("centaur c0000002H", t, n + 2, 0xc0000002, 0, &s0,
		     false, 0xd, 0, d0);
	expect_cpuid("centaur 80000009H", t, n + 2, 0x80000009, 0, &s0,
		     false, 0xd, 0, d0);
	t[0] = (struct kvm_cpuid_entry2)E(0x0, 0, 0, 0xd, 0, 0, 0);
	expect_cpuid("no vendor 0eH", t, n, 0xe, 0, &s0, false, 0xd, 0, d0);
	/* Without leaf 0 there is no highest basic leaf: zeros. */
	expect_cpuid("no leaf 0", intel_tab + 1, n - 1, 0xe, 0, &s0, false,
		     0xe, 0, zeros);
	/* No extended class at all: 80000000H itself is out of range. */
	expect_cpuid("no extended leaves", intel_tab, 14, 0x80000000, 0, &s0,
		     false, 0xd, 0, d0);
	unit_end();

	/*
	 * Each 0x100 leaves of the hypervisor range are a class of their
	 * own (say Hyper-V's at 40000000H, KVM's at 40000100H), and a
	 * class's highest leaf is in range even when the table lacks it.
	 */
	unit_begin("cpuidrun classes");
	memcpy(t, intel_tab, sizeof(intel_tab));
	t[n] = (struct kvm_cpuid_entry2)E(0x40000100, 0, 0, 0x40000105,
					  0, 0, 0);
	t[n + 1] = (struct kvm_cpuid_entry2)E(0x40000101, 0, 0, 1, 2, 3, 4);
	expect_cpuid("40000101H", t, n + 2, 0x40000101, 0, &s0, true,
		     0x40000101, 0, c1);
	expect_cpuid("40000103H, in its class", t, n + 2, 0x40000103, 0, &s0,
		     false, 0x40000103, 0, zeros);
	expect_cpuid("40000105H, the class's last", t, n + 2, 0x40000105, 0,
		     &s0, false, 0x40000105, 0, zeros);
	expect_cpuid("40000106H, past it", t, n + 2, 0x40000106, 0, &s0,
		     false, 0xd, 0, d0);
	expect_cpuid("40000001H, past 40000000H's", t, n + 2, 0x40000001, 0,
		     &s0, false, 0xd, 0, d0);
	/* 80000008H is the last extended leaf but missing: zeros. */
	expect_cpuid("80000008H missing", intel_tab, 16, 0x80000008, 0, &s0,
		     false, 0x80000008, 0, zeros);
	/* Leaf 0DH is the last basic leaf; 0DH.3 is missing: zeros. */
	expect_cpuid("0dH.3 missing", intel_tab, n, 0xd, 3, &s0, false, 0xd,
		     3, zeros);
	unit_end();

	unit_begin("cpuidrun out of range, AMD and Hygon");
	memcpy(t, intel_tab, sizeof(intel_tab));
	t[0] = (struct kvm_cpuid_entry2)E(0x0, 0, 0, 0xd, AMD);
	for (i = 0; i < N(cases); i++) {
		snprintf(what, sizeof(what), "amd %#x.%u", cases[i].fn,
			 cases[i].idx);
		expect_cpuid(what, t, n, cases[i].fn, cases[i].idx, &s0, false,
			     cases[i].fn, cases[i].idx, zeros);
	}
	t[0] = (struct kvm_cpuid_entry2)E(0x0, 0, 0, 0xd, AMD_OLD);
	expect_cpuid("AMDisbetter! 0eH", t, n, 0xe, 0, &s0, false, 0xe, 0,
		     zeros);
	t[0] = (struct kvm_cpuid_entry2)E(0x0, 0, 0, 0xd, HYGON);
	expect_cpuid("hygon 80000009H", t, n, 0x80000009, 0, &s0, false,
		     0x80000009, 0, zeros);
	/* In range, exact: the same as on Intel. */
	expect_cpuid("hygon 40000000H", t, n, 0x40000000, 0, &s0, true,
		     0x40000000, 0, hv);
	unit_end();
}

/* Leaves 0BH and 1FH: subleaves past the last, and EDX the x2APIC ID. */
static void test_topology(void)
{
	static const struct kvm_cpuid_entry2 t1f[] = {
		E(0x0, 0, 0, 0x1f, INTEL),
		E(0xb, 0, SIG, 1, 1, 0x100, 0),
		E(0x1f, 0, SIG, 1, 1, 0x100, 0),
		E(0x1f, 1, SIG, 4, 2, 0x201, 0),
	};
	/* vmrun's own table has 0BH.0 only: no topology. */
	static const struct kvm_cpuid_entry2 t0b[] = {
		E(0x0, 0, 0, 0xd, INTEL),
		E(0xb, 0, SIG, 0, 0, 0, 0),
		E(0xd, 0, SIG, 0, 0, 0, 0),
	};
	/* Highest basic leaf 0BH: out-of-range leaves land there. */
	static const struct kvm_cpuid_entry2 tmax[] = {
		E(0x0, 0, 0, 0xb, INTEL),
		E(0xb, 0, SIG, 1, 1, 0x100, 0),
		E(0xb, 1, SIG, 4, 1, 0x201, 0),
	};
	struct vmrun_cpuid_state st = s0;
	const unsigned int n = N(intel_tab);
	static const char *const b0[4] = { "1", "1", "0x100", "0x12345" };
	static const char *const b1[4] = { "4", "1", "0x201", "0x12345" };
	static const char *const b2[4] = { "0", "0", "2", "0x12345" };
	static const char *const bff[4] = { "0", "0", "0xff", "0x12345" };
	static const char *const b5[4] = { "0", "0", "5", "0x12345" };
	static const char *const f1[4] = { "4", "2", "0x201", "0x12345" };
	static const char *const f3[4] = { "0", "0", "3", "0x12345" };
	static const char *const only0[4] = { "0", "0", "0", "0x12345" };

	st.apic_id = 0x12345;
	unit_begin("cpuidrun topology leaves");
	expect_cpuid("0bH.0", intel_tab, n, 0xb, 0, &st, true, 0xb, 0, b0);
	expect_cpuid("0bH.1", intel_tab, n, 0xb, 1, &st, true, 0xb, 1, b1);
	expect_cpuid("0bH.2", intel_tab, n, 0xb, 2, &st, false, 0xb, 2, b2);
	expect_cpuid("0bH.0x1ff", intel_tab, n, 0xb, 0x1ff, &st, false, 0xb,
		     0x1ff, bff);
	expect_cpuid("1fH.1", t1f, N(t1f), 0x1f, 1, &st, true, 0x1f, 1, f1);
	expect_cpuid("1fH.3", t1f, N(t1f), 0x1f, 3, &st, false, 0x1f, 3, f3);
	/* 0BH without subleaf 1 is no topology leaf: zeros past 0. */
	expect_cpuid("0bH.1 of 0bH.0 only", t1f, N(t1f), 0xb, 1, &st, false,
		     0xb, 1, zeros);
	expect_cpuid("vmrun 0bH.0", t0b, N(t0b), 0xb, 0, &st, true, 0xb, 0,
		     only0);
	expect_cpuid("vmrun 0bH.1", t0b, N(t0b), 0xb, 1, &st, false, 0xb, 1,
		     zeros);
	/* Redirected to the highest basic leaf, 0BH, at index 5: no 0BH.5,
	 * so the subleaf rule of 0BH applies.
	 */
	expect_cpuid("max 0bH, 20H.5", tmax, N(tmax), 0x20, 5, &st, false,
		     0xb, 5, b5);
	expect_cpuid("max 0bH, 20H.1", tmax, N(tmax), 0x20, 1, &st, false,
		     0xb, 1, b1);
	unit_end();
}

/* The bits that follow CR4, XCR0, IA32_APIC_BASE and the APIC ID. */
static void test_state(void)
{
	static const struct kvm_cpuid_entry2 t7[] = {
		E(0x0, 0, 0, 0x7, INTEL),
		E(0x7, 0, 0, 0, 0, 0x4, 0),	/* unflagged: any index */
	};
	static const struct kvm_cpuid_entry2 t1[] = {
		E(0x0, 0, 0, 0x1, INTEL),
		E(0x1, 0, 0, 0x00050654, 0x00010800, 0x1, 0x1),
	};
	static const char *const l1_osx[4] = {
		"0x00050654", "0x00010800",
		"sse3 xsave osxsave avx hypervisor", "fpu apic sse2" };
	static const char *const l1_noapic[4] = {
		"0x00050654", "0x00010800", "sse3 xsave avx hypervisor",
		"fpu sse2" };
	static const char *const l1_id[4] = {
		"0x00050654", "0x34010800", "sse3 xsave avx hypervisor",
		"fpu apic sse2" };
	static const char *const l1_small[4] = {
		"0x00050654", "0x7f010800", "sse3", "fpu" };
	static const char *const l7_pke[4] = {
		"1", "avx2 smep", "umip ospke", "" };
	static const char *const l7_nopke[4] = { "1", "avx2 smep", "umip", "" };
	static const char *const l71[4] = { "avx-vnni", "0", "0x10", "0" };
	static const char *const t7_pke[4] = { "0", "", "umip ospke", "" };
	struct vmrun_cpuid_state st;
	const unsigned int n = N(intel_tab);

	unit_begin("cpuidrun OSXSAVE, APIC, APIC ID");
	st = s0;
	st.cr4 = CR4_OSXSAVE;
	expect_cpuid("cr4.osxsave", intel_tab, n, 1, 0, &st, true, 1, 0,
		     l1_osx);
	st.cr4 = ~CR4_OSXSAVE;
	expect_cpuid("cr4 all but osxsave", intel_tab, n, 1, 0, &st, true, 1,
		     0, leaf1_s0);
	st = s0;
	st.apic_base = APIC_BASE_BSP_OFF;
	expect_cpuid("apic disabled", intel_tab, n, 1, 0, &st, true, 1, 0,
		     l1_noapic);
	st = s0;
	st.apic_id = 0x1234;	/* leaf 1 has 8 bits of it */
	expect_cpuid("apic id", intel_tab, n, 1, 0, &st, true, 1, 0, l1_id);
	/* The APIC bit is not made up where the table has none; the rest
	 * of a max-basic-1 table goes through; leaf 5 lands on leaf 1.
	 */
	st = s0;
	st.apic_id = 0x7f;
	expect_cpuid("no apic in table", t1, N(t1), 1, 0, &st, true, 1, 0,
		     l1_small);
	expect_cpuid("max 1, leaf 5", t1, N(t1), 5, 0, &st, false, 1, 0,
		     l1_small);
	unit_end();

	unit_begin("cpuidrun OSPKE");
	st = s0;
	st.cr4 = CR4_PKE;
	expect_cpuid("cr4.pke 7.0", intel_tab, n, 7, 0, &st, true, 7, 0,
		     l7_pke);
	expect_cpuid("cr4.pke 7.1", intel_tab, n, 7, 1, &st, true, 7, 1, l71);
	expect_cpuid("cr4.pke unflagged 7, index 3", t7, N(t7), 7, 3, &st,
		     true, 7, 0, t7_pke);
	st.cr4 = ~CR4_PKE;
	expect_cpuid("cr4 all but pke", intel_tab, n, 7, 0, &st, true, 7, 0,
		     l7_nopke);
	st.cr4 = 0;
	expect_cpuid("cr4 0, 7.1", intel_tab, n, 7, 1, &st, true, 7, 1, l71);
	unit_end();
}

/* CPUID.0DH.0:EBX and .1:EBX follow XCR0, from the table's own layout. */
static void test_xsave_state(void)
{
	static const struct {
		uint64_t xcr0;
		const char *std, *cmp;
	} cases[] = {
		{ 0x1, "576", "576" },
		{ 0x3, "576", "576" },
		{ 0x7, "832", "832" },		/* 576 + 256 */
		{ 0x27, "1152", "896" },	/* 1088 + 64; 832 + 64 */
		{ 0x67, "1664", "1408" },	/* 1152 + 512; 896 + 512 */
		{ 0xe7, "2688", "2432" },
		{ 0x87, "2688", "1856" },	/* 832 + 1024 */
		{ 0x200e7, "2688", "2432" },	/* no 0DH.17 in the table */
	};
	static const struct kvm_cpuid_entry2 nocmp[] = {
		E(0x0, 0, 0, 0xd, INTEL),
		E(0xd, 0, SIG, 0x7, 0, 832, 0),
		E(0xd, 1, SIG, 0x5, 0x1234, 0, 0),	/* no XSAVEC */
		E(0xd, 2, SIG, 256, 576, 0, 0),
	};
	/* A made-up layout: ZMM_Hi256 aligned after an 8-byte opmask. */
	static const struct kvm_cpuid_entry2 xsaves[] = {
		E(0x0, 0, 0, 0xd, INTEL),
		E(0xd, 0, SIG, 0x67, 0, 1664, 0),
		E(0xd, 1, SIG, 0x8, 0x1234, 0, 0),	/* XSAVES only */
		E(0xd, 2, SIG, 256, 576, 0, 0),
		E(0xd, 5, SIG, 8, 1088, 0, 0),
		E(0xd, 6, SIG, 512, 1152, 0x2, 0),	/* aligned */
	};
	struct vmrun_cpuid_state st = s0;
	const unsigned int n = N(intel_tab);
	const char *d0[4] = { "0xe7", NULL, "2688", "0" };
	const char *d1[4] = { "xsaveopt xsavec", NULL, "0", "0" };
	static const char *const nc1[4] = {
		"xsaveopt xgetbv1", "0x1234", "0", "0" };
	static const char *const nc0[4] = { "7", "832", "832", "0" };
	/* 576 + 256 = 832, + 8 = 840, up to 896, + 512 = 1408. */
	static const char *const xs1[4] = { "xsaves", "1408", "0", "0" };
	static const char *const xs0[4] = { "0x67", "1664", "1664", "0" };
	char what[64];
	unsigned int i;

	unit_begin("cpuidrun xsave sizes");
	for (i = 0; i < N(cases); i++) {
		st.xcr0 = cases[i].xcr0;
		d0[1] = cases[i].std;
		d1[1] = cases[i].cmp;
		snprintf(what, sizeof(what), "xcr0 %#llx",
			 (unsigned long long)cases[i].xcr0);
		expect_cpuid(what, intel_tab, n, 0xd, 0, &st, true, 0xd, 0,
			     d0);
		expect_cpuid(what, intel_tab, n, 0xd, 1, &st, true, 0xd, 1,
			     d1);
		/* Also when an out-of-range leaf lands on leaf 0DH. */
		expect_cpuid(what, intel_tab, n, 0x80000010, 1, &st, false,
			     0xd, 1, d1);
	}
	st.xcr0 = 0x7;
	expect_cpuid("no xsavec", nocmp, N(nocmp), 0xd, 1, &st, true, 0xd, 1,
		     nc1);
	expect_cpuid("no xsavec, 0.ebx", nocmp, N(nocmp), 0xd, 0, &st, true,
		     0xd, 0, nc0);
	st.xcr0 = 0x67;
	expect_cpuid("xsaves only", xsaves, N(xsaves), 0xd, 1, &st, true, 0xd,
		     1, xs1);
	expect_cpuid("xsaves only, 0.ebx", xsaves, N(xsaves), 0xd, 0, &st,
		     true, 0xd, 0, xs0);
	unit_end();
}

/* The table rewritten with the state equals what the lookup gives. */
static void test_apply_state(void)
{
	struct kvm_cpuid_entry2 t[N(intel_tab)];
	struct vmrun_cpuid_regs r;
	struct vmrun_cpuid_state st = {
		.cr4 = CR4_OSXSAVE | CR4_PKE, .xcr0 = 0x27,
		.apic_base = APIC_BASE_BSP_OFF, .apic_id = 0x102,
	};
	static const char *const l1[4] = {
		"0x00050654", "0x02010800",
		"sse3 xsave osxsave avx hypervisor", "fpu sse2" };
	static const char *const d0[4] = { "0xe7", "1152", "2688", "0" };
	static const char *const d1[4] = {
		"xsaveopt xsavec", "896", "0", "0" };
	static const char *const b1[4] = { "4", "1", "0x201", "0x102" };
	uint32_t got[4];
	unsigned int i;

	unit_begin("cpuidrun apply state");
	memcpy(t, intel_tab, sizeof(t));
	vmrun_cpuid_apply_state(t, N(t), &st);
	for (i = 0; i < N(t); i++) {
		vmrun_cpuid_lookup(intel_tab, N(intel_tab), t[i].function,
				   t[i].index, &st, &r);
		EXPECT(r.eax == t[i].eax && r.ebx == t[i].ebx &&
		       r.ecx == t[i].ecx && r.edx == t[i].edx &&
		       t[i].function == intel_tab[i].function &&
		       t[i].index == intel_tab[i].index &&
		       t[i].flags == intel_tab[i].flags,
		       "%x.%u: applied %08x %08x %08x %08x, lookup %08x %08x "
		       "%08x %08x", t[i].function, t[i].index, t[i].eax,
		       t[i].ebx, t[i].ecx, t[i].edx, r.eax, r.ebx, r.ecx,
		       r.edx);
	}
	got[0] = t[1].eax;
	got[1] = t[1].ebx;
	got[2] = t[1].ecx;
	got[3] = t[1].edx;
	cpuid_expect_regs("applied leaf 1", 1, 0, got, l1);
	got[0] = t[8].eax;
	got[1] = t[8].ebx;
	got[2] = t[8].ecx;
	got[3] = t[8].edx;
	cpuid_expect_regs("applied 0dH.0", 0xd, 0, got, d0);
	got[0] = t[9].eax;
	got[1] = t[9].ebx;
	got[2] = t[9].ecx;
	got[3] = t[9].edx;
	cpuid_expect_regs("applied 0dH.1", 0xd, 1, got, d1);
	got[0] = t[7].eax;
	got[1] = t[7].ebx;
	got[2] = t[7].ecx;
	got[3] = t[7].edx;
	cpuid_expect_regs("applied 0bH.1", 0xb, 1, got, b1);
	/* Applying again changes nothing. */
	memcpy(t, intel_tab, sizeof(t));
	vmrun_cpuid_apply_state(t, N(t), &st);
	vmrun_cpuid_apply_state(t, N(t), &st);
	for (i = 0; i < N(t); i++) {
		vmrun_cpuid_lookup(t, N(t), t[i].function, t[i].index, &st,
				   &r);
		EXPECT(r.eax == t[i].eax && r.ebx == t[i].ebx &&
		       r.ecx == t[i].ecx && r.edx == t[i].edx,
		       "%x.%u: twice applied differs from its lookup",
		       t[i].function, t[i].index);
	}
	unit_end();
}

static void test_check(void)
{
	static struct kvm_cpuid_entry2 big[VMRUN_CPUID_MAX_ENTRIES + 1];
	static const struct {
		uint32_t eax;
		int ret;
	} virt[] = {
		{ 0x3028, 0 }, { 0x3928, 0 }, { 0x0028, 0 }, { 0x2728, -EINVAL },
		{ 0x4028, -EINVAL }, { 0x3128, -EINVAL }, { 0xff28, -EINVAL },
		{ 0xff003028, 0 },	/* only bits 15:8 count */
	};
	struct kvm_cpuid_entry2 t[4];
	unsigned int i;
	int r;

	unit_begin("cpuidrun KVM_SET_CPUID2 count");
	EXPECT(vmrun_cpuid_check(big, 256) == 0, "256 entries: ok");
	EXPECT(vmrun_cpuid_check(big, 0) == 0, "0 entries: ok");
	EXPECT(vmrun_cpuid_check(NULL, 0) == 0, "0 entries, NULL: ok");
	EXPECT(vmrun_cpuid_check(big, 257) == -E2BIG, "257: -E2BIG");
	EXPECT(vmrun_cpuid_check(NULL, 257) == -E2BIG, "257, NULL: -E2BIG");
	EXPECT(vmrun_cpuid_check(NULL, 0xffffffff) == -E2BIG,
	       "2^32-1, NULL: -E2BIG");
	/* The count first: a bad table of 257 is still -E2BIG. */
	big[3] = (struct kvm_cpuid_entry2)E(0x80000008, 0, 0, 0x2728, 0, 0, 0);
	EXPECT(vmrun_cpuid_check(big, 257) == -E2BIG, "257, bad: -E2BIG");
	EXPECT(vmrun_cpuid_check(big, 256) == -EINVAL, "256, bad: -EINVAL");
	memset(big, 0, sizeof(big));
	unit_end();

	unit_begin("cpuidrun KVM_SET_CPUID2 address sizes");
	for (i = 0; i < N(virt); i++) {
		t[0] = (struct kvm_cpuid_entry2)E(0x0, 0, 0, 0xd, INTEL);
		t[1] = (struct kvm_cpuid_entry2)E(0x80000008, 0, 0,
						  virt[i].eax, 0, 0, 0);
		r = vmrun_cpuid_check(t, 2);
		EXPECT(r == virt[i].ret, "80000008H.eax %#x: %d, want %d",
		       virt[i].eax, r, virt[i].ret);
	}
	/* Any 80000008H entry counts, flagged or not, whatever its index;
	 * the first one decides.
	 */
	t[1] = (struct kvm_cpuid_entry2)E(0x80000008, 3, SIG, 0x2728, 0, 0, 0);
	EXPECT(vmrun_cpuid_check(t, 2) == -EINVAL, "flagged, index 3");
	t[2] = (struct kvm_cpuid_entry2)E(0x80000008, 0, 0, 0x3028, 0, 0, 0);
	EXPECT(vmrun_cpuid_check(t, 3) == -EINVAL, "bad first, good second");
	EXPECT(vmrun_cpuid_check(t, 1) == 0, "no 80000008H: ok");
	/* Out of the extended range, it is still checked (KVM does). */
	t[1] = (struct kvm_cpuid_entry2)E(0x80000000, 0, 0, 0x80000001,
					  0, 0, 0);
	t[2] = (struct kvm_cpuid_entry2)E(0x80000008, 0, 0, 0x2728, 0, 0, 0);
	EXPECT(vmrun_cpuid_check(t, 3) == -EINVAL, "beyond 80000000H.eax");
	unit_end();

	unit_begin("cpuidrun KVM_SET_CPUID2 dynamic XSAVE state");
	t[0] = (struct kvm_cpuid_entry2)E(0x0, 0, 0, 0xd, INTEL);
	t[1] = (struct kvm_cpuid_entry2)E(0xd, 0, SIG, 0x40003, 0, 0, 0);
	EXPECT(vmrun_cpuid_check(t, 2) == -EPERM, "XTILE_DATA: -EPERM");
	t[1].eax = 0x60003;
	EXPECT(vmrun_cpuid_check(t, 2) == -EPERM, "XTILE: -EPERM");
	t[1].eax = 0x20003;
	EXPECT(vmrun_cpuid_check(t, 2) == 0, "XTILE_CFG alone: ok");
	t[1].eax = 0x3;
	t[1].edx = 0x40000;	/* XCR0 bit 50 */
	EXPECT(vmrun_cpuid_check(t, 2) == 0, "EDX bit 18: ok");
	/* Subleaf 0 as KVM finds it: an unflagged 0DH entry is it. */
	t[1] = (struct kvm_cpuid_entry2)E(0xd, 1, 0, 0x40003, 0, 0, 0);
	EXPECT(vmrun_cpuid_check(t, 2) == -EPERM, "unflagged 0DH");
	t[1] = (struct kvm_cpuid_entry2)E(0xd, 1, SIG, 0x40003, 0, 0, 0);
	t[2] = (struct kvm_cpuid_entry2)E(0xd, 0, SIG, 0x3, 0, 0, 0);
	EXPECT(vmrun_cpuid_check(t, 3) == 0, "flagged 0DH.1");
	EXPECT(vmrun_cpuid_check(intel_tab, N(intel_tab)) == 0, "intel_tab");
	unit_end();
}

static void test_check_equal(void)
{
	struct kvm_cpuid_entry2 a[N(intel_tab)];
	const struct kvm_cpuid_entry2 *b = intel_tab;
	const unsigned int n = N(intel_tab);
	struct vmrun_cpuid_state st = s0;

	unit_begin("cpuidrun KVM_SET_CPUID2 after KVM_RUN");
	memcpy(a, b, sizeof(a));
	EXPECT(!vmrun_cpuid_check_equal(a, n, b, n, &st), "same");
	EXPECT(vmrun_cpuid_check_equal(a, n - 1, b, n, &st) == -EINVAL,
	       "one fewer");
	EXPECT(vmrun_cpuid_check_equal(a, n, b, n - 1, &st) == -EINVAL,
	       "one more");
	EXPECT(!vmrun_cpuid_check_equal(a, 0, b, 0, &st), "both empty");
	EXPECT(!vmrun_cpuid_check_equal(NULL, 0, NULL, 0, &st), "both NULL");

	a[3].function = 5;
	EXPECT(vmrun_cpuid_check_equal(a, n, b, n, &st) == -EINVAL,
	       "function");
	memcpy(a, b, sizeof(a));
	a[3].index = 2;
	EXPECT(vmrun_cpuid_check_equal(a, n, b, n, &st) == -EINVAL, "index");
	memcpy(a, b, sizeof(a));
	a[3].flags = 0;
	EXPECT(vmrun_cpuid_check_equal(a, n, b, n, &st) == -EINVAL, "flags");
	memcpy(a, b, sizeof(a));
	a[3].eax ^= 1;
	EXPECT(vmrun_cpuid_check_equal(a, n, b, n, &st) == -EINVAL, "eax");
	memcpy(a, b, sizeof(a));
	a[1].ecx ^= 1;		/* SSE3 */
	EXPECT(vmrun_cpuid_check_equal(a, n, b, n, &st) == -EINVAL, "ecx");
	memcpy(a, b, sizeof(a));
	a[16].edx = 1;
	EXPECT(vmrun_cpuid_check_equal(a, n, b, n, &st) == -EINVAL, "edx");

	/* What the state decides is compared as the guest sees it. */
	memcpy(a, b, sizeof(a));
	a[1].ecx ^= 1u << 27;	/* OSXSAVE */
	a[1].ebx ^= 0x12000000;	/* APIC ID */
	a[4].ecx ^= 1u << 4;	/* OSPKE */
	a[6].edx = 99;		/* x2APIC ID */
	a[8].ebx = 0;		/* XSAVE size */
	a[9].ebx = 0;		/* compacted size */
	a[2].padding[1] = 7;
	EXPECT(!vmrun_cpuid_check_equal(a, n, b, n, &st), "state bits");
	st.cr4 = CR4_OSXSAVE | CR4_PKE;
	st.xcr0 = 0xe7;
	st.apic_id = 3;
	EXPECT(!vmrun_cpuid_check_equal(a, n, b, n, &st), "state bits, set");
	/* The APIC bit is cleared, not set, by the state. */
	a[1].edx ^= 1u << 9;
	EXPECT(vmrun_cpuid_check_equal(a, n, b, n, &st) == -EINVAL,
	       "APIC bit, APIC enabled");
	st.apic_base = APIC_BASE_BSP_OFF;
	EXPECT(!vmrun_cpuid_check_equal(a, n, b, n, &st),
	       "APIC bit, APIC disabled");
	unit_end();
}

void test_cpuid_run(void)
{
	test_exact();
	test_out_of_range();
	test_topology();
	test_state();
	test_xsave_state();
	test_apply_state();
	test_check();
	test_check_equal();
}
