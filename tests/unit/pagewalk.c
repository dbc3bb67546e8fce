// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests of kernel/x86/gwalk.c, the guest page-table walker. Guest page
 * tables are built in a byte array that the read callback serves as guest
 * RAM (plus a window under 4 GiB, like a BIOS ROM); everything else is "not
 * RAM" for the callback.
 *
 * The bit positions below are written out from the SDM (vol. 3: figure 2-7
 * for CR0/CR4, 2.2.1 for EFER, tables 4-4 to 4-20 for the entries, figure
 * 4-12 for the error code), not taken from gwalk.c, so that a wrong constant
 * there shows here. The first cases of each mode are tables put together by
 * hand at fixed addresses, with the entry offsets worked out in comments;
 * the rest use a small table builder.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gwalk.h"
#include "unit.h"

#define CR0_PE		0x1ULL
#define CR0_WP		0x10000ULL		/* bit 16 */
#define CR0_PG		0x80000000ULL		/* bit 31 */
#define CR4_PSE		0x10ULL			/* bit 4 */
#define CR4_PAE		0x20ULL			/* bit 5 */
#define CR4_LA57	0x1000ULL		/* bit 12 */
#define CR4_SMEP	0x100000ULL		/* bit 20 */
#define CR4_SMAP	0x200000ULL		/* bit 21 */
#define EFER_LME	0x100ULL		/* bit 8 */
#define EFER_LMA	0x400ULL		/* bit 10 */
#define EFER_NXE	0x800ULL		/* bit 11 */

#define P		0x1ULL
#define RW		0x2ULL
#define US		0x4ULL
#define PWT		0x8ULL
#define PCD		0x10ULL
#define ACC		0x20ULL
#define DIRTY		0x40ULL
#define PS		0x80ULL
#define GLOBAL		0x100ULL
#define XD		0x8000000000000000ULL

#define EC_P		0x1u
#define EC_W		0x2u
#define EC_U		0x4u
#define EC_RSVD		0x8u
#define EC_I		0x10u

#define RD		0
#define WR		VMRUN_GWALK_WRITE
#define FE		VMRUN_GWALK_FETCH
#define USR		VMRUN_GWALK_USER
#define IMP		VMRUN_GWALK_IMPLICIT
#define AC		VMRUN_GWALK_AC

#define OFF		VMRUN_GWALK_OFF
#define B32		VMRUN_GWALK_32BIT
#define PAE		VMRUN_GWALK_PAE
#define L4		VMRUN_GWALK_4LEVEL
#define L5		VMRUN_GWALK_5LEVEL

#define PF		VMRUN_GWALK_PF
#define GP		VMRUN_GWALK_GP

#define NELEMS(a)	(sizeof(a) / sizeof((a)[0]))

#define K4		0x1000ULL
#define M2		0x200000ULL
#define M4		0x400000ULL
#define G1		0x40000000ULL

/* Guest RAM: [0, MEM_SIZE) and [HIGH_BASE, 4 GiB); EIO_GPA fails -EIO. */
#define MEM_SIZE	0x80000ULL
#define HIGH_BASE	0xffff0000ULL
#define HIGH_SIZE	0x10000ULL
#define EIO_GPA		0x70000000ULL
#define NOT_RAM		0x40000000ULL
/* Tables come from here up; the pages below are for data. */
#define TABLES		0x40000ULL

static u8 ram[MEM_SIZE];
static u8 high[HIGH_SIZE];
static u64 next_frame;
static unsigned int calls;
static enum vmrun_gwalk_mode tmode;
static struct vmrun_gwalk_paging pg;
static struct vmrun_gwalk_result res;

static int mem_read(u64 gpa, void *buf, size_t len, void *opaque)
{
	calls++;
	if (opaque != &pg)
		return -EINVAL;
	if (gpa >= EIO_GPA && gpa < EIO_GPA + K4)
		return -EIO;
	if (gpa < MEM_SIZE && len <= MEM_SIZE - gpa) {
		memcpy(buf, ram + gpa, len);
		return 0;
	}
	if (gpa >= HIGH_BASE && gpa < HIGH_BASE + HIGH_SIZE &&
	    len <= HIGH_BASE + HIGH_SIZE - gpa) {
		memcpy(buf, high + (gpa - HIGH_BASE), len);
		return 0;
	}
	return -EFAULT;
}

/* A byte of "data" at each guest physical address, to tell pages apart. */
static u8 pattern(u64 gpa)
{
	return (u8)(gpa * 7 + (gpa >> 8) * 13 + 5);
}

static void fill_data(void)
{
	u64 a;

	for (a = 0; a < TABLES; a++)
		ram[a] = pattern(a);
	for (a = 0; a < HIGH_SIZE; a++)
		high[a] = pattern(HIGH_BASE + a);
}

static void put32(u64 gpa, u32 v)
{
	memcpy(ram + gpa, &v, 4);	/* the host is little-endian, as x86 */
}

static void put64(u64 gpa, u64 v)
{
	memcpy(ram + gpa, &v, 8);
}

static u64 get_entry(u64 gpa)
{
	u32 v32;
	u64 v;

	if (tmode == B32) {
		memcpy(&v32, ram + gpa, 4);
		return v32;
	}
	memcpy(&v, ram + gpa, 8);
	return v;
}

static void put_entry(u64 gpa, u64 v)
{
	if (tmode == B32)
		put32(gpa, (u32)v);
	else
		put64(gpa, v);
}

static u64 alloc_frame(void)
{
	u64 f = next_frame;

	next_frame += K4;
	if (next_frame > MEM_SIZE) {
		fprintf(stderr, "pagewalk: out of table frames\n");
		next_frame = TABLES;
	}
	return f;
}

/*
 * Starts a guest in a paging mode with empty tables. The PAE PDPT is put
 * 0x40 into its frame, and CR3 gets PWT as well, to check that CR3 bits
 * 31:5 locate it and that the flag bits are masked off.
 */
static void setup(enum vmrun_gwalk_mode mode)
{
	if (next_frame > TABLES)
		memset(ram + TABLES, 0, next_frame - TABLES);
	next_frame = TABLES;
	tmode = mode;
	memset(&pg, 0, sizeof(pg));
	pg.maxphyaddr = 46;
	pg.gbpages = true;
	pg.cr0 = CR0_PE | 0x10;		/* ET, set on every modern CPU */
	if (mode == OFF)
		return;
	pg.cr0 |= CR0_PG;
	pg.cr3 = alloc_frame();
	switch (mode) {
	case PAE:
		pg.cr3 += 0x40 | PWT;
		pg.cr4 = CR4_PAE;
		break;
	case L4:
	case L5:
		pg.cr4 = CR4_PAE | (mode == L5 ? CR4_LA57 : 0);
		pg.efer = EFER_LME | EFER_LMA;
		break;
	default:
		break;
	}
}

static unsigned int top_level(void)
{
	return tmode == B32 ? 2 : tmode == PAE ? 3 : tmode == L4 ? 4 : 5;
}

static u64 table_addr_mask(void)
{
	return tmode == B32 ? 0xfffff000ULL : 0x000ffffffffff000ULL;
}

/* The entry for la in the table at level (1 = PTE), SDM 4.3 to 4.5. */
static unsigned int entry_index(u64 la, unsigned int level)
{
	if (tmode == B32)
		return level == 2 ? (la >> 22) & 0x3ff : (la >> 12) & 0x3ff;
	if (tmode == PAE && level == 3)
		return (la >> 30) & 3;
	return (la >> (12 + 9 * (level - 1))) & 0x1ff;
}

static u64 root_table(void)
{
	if (tmode == B32)
		return pg.cr3 & 0xfffff000ULL;
	if (tmode == PAE)
		return pg.cr3 & 0xffffffe0ULL;
	return pg.cr3 & 0x000ffffffffff000ULL;
}

/* The address of the entry at level that translates la (tables exist). */
static u64 entry_addr(u64 la, unsigned int level)
{
	unsigned int l = top_level();
	unsigned int size = tmode == B32 ? 4 : 8;
	u64 table = root_table();

	for (; l > level; l--)
		table = get_entry(table + entry_index(la, l) * size) &
			table_addr_mask();
	return table + entry_index(la, level) * size;
}

/* The flags of a plain entry: writable, user; a PAE PDPTE has only P. */
static u64 plain(unsigned int level)
{
	return tmode == PAE && level == 3 ? P : P | RW | US;
}

/*
 * Maps la to pa with the entry at level leaf (PS is for the caller to put
 * in flags[leaf]); the entry at each level l gets flags[l], or the plain
 * flags where flags is NULL. Missing tables are allocated.
 */
static void map(u64 la, u64 pa, unsigned int leaf, const u64 *flags)
{
	unsigned int size = tmode == B32 ? 4 : 8;
	unsigned int l = top_level();
	u64 table = root_table(), gpa, next;

	for (;; l--) {
		gpa = table + entry_index(la, l) * size;
		if (l == leaf) {
			put_entry(gpa, pa | (flags ? flags[l] : plain(l)));
			return;
		}
		next = get_entry(gpa) & table_addr_mask();
		if (!next)
			next = alloc_frame();
		put_entry(gpa, next | (flags ? flags[l] : plain(l)));
		table = next;
	}
}

/* Maps la with plain flags, but extra (which may hold PS) on the leaf. */
static void map_leaf(u64 la, u64 pa, unsigned int leaf, u64 extra)
{
	u64 f[6];
	unsigned int l;

	for (l = 1; l <= 5; l++)
		f[l] = plain(l);
	f[leaf] |= extra;
	map(la, pa, leaf, f);
}

static int tr(u64 la, unsigned int access)
{
	return vmrun_gwalk_translate(&pg, la, access, mem_read, &pg, &res);
}

static const char *const mode_names[] = {
	"off", "32-bit", "PAE", "4-level", "5-level",
};

/* A case that translates la and wants gpa in a page of page_size bytes. */
static void want_gpa(const char *name, u64 la, unsigned int access, u64 gpa,
		     u64 page_size)
{
	int ret;

	unit_begin("gwalk %s: %s", mode_names[tmode], name);
	ret = tr(la, access);
	if (EXPECT(ret == 0, "la %#llx: returned %d (error code %#x)",
		   (unsigned long long)la, ret, res.error_code))
		EXPECT(res.gpa == gpa && res.page_size == page_size,
		       "la %#llx: gpa %#llx size %#llx, want %#llx size %#llx",
		       (unsigned long long)la, (unsigned long long)res.gpa,
		       (unsigned long long)res.page_size,
		       (unsigned long long)gpa,
		       (unsigned long long)page_size);
}

/* A case that wants #PF(code) at la, stopped at the entry of level. */
static void want_pf(const char *name, u64 la, unsigned int access, u32 code,
		    unsigned int level)
{
	int ret;

	unit_begin("gwalk %s: %s", mode_names[tmode], name);
	ret = tr(la, access);
	if (EXPECT(ret == PF, "la %#llx: returned %d, want #PF",
		   (unsigned long long)la, ret))
		EXPECT(res.error_code == code && res.level == level &&
		       res.fault_la == (tmode < L4 ? la & 0xffffffff : la),
		       "error code %#x level %u cr2 %#llx, want %#x level %u",
		       res.error_code, res.level,
		       (unsigned long long)res.fault_la, code, level);
}

static void test_mode(void)
{
	static const struct {
		u64 cr0, cr4, efer;
		enum vmrun_gwalk_mode mode;
	} t[] = {
		{ 0, 0, 0, OFF },
		{ CR0_PE, CR4_PAE, EFER_LME, OFF },
		{ CR0_PE | CR0_WP, CR4_PAE | CR4_LA57, EFER_LMA, OFF },
		{ CR0_PE | CR0_PG, 0, 0, B32 },
		{ CR0_PE | CR0_PG, CR4_PSE | CR4_LA57, EFER_NXE, B32 },
		{ CR0_PE | CR0_PG, CR4_PAE, 0, PAE },
		{ CR0_PE | CR0_PG, CR4_PAE | CR4_LA57, EFER_NXE, PAE },
		{ CR0_PE | CR0_PG, CR4_PAE, EFER_LME | EFER_LMA, L4 },
		{ CR0_PE | CR0_PG, CR4_PAE | CR4_LA57, EFER_LME | EFER_LMA,
		  L5 },
	};
	struct vmrun_gwalk_paging p = { .maxphyaddr = 36 };
	unsigned int i;

	unit_begin("gwalk vmrun_gwalk_mode");
	for (i = 0; i < NELEMS(t); i++) {
		p.cr0 = t[i].cr0;
		p.cr4 = t[i].cr4;
		p.efer = t[i].efer;
		EXPECT(vmrun_gwalk_mode(&p) == t[i].mode, "row %u: mode %d",
		       i, vmrun_gwalk_mode(&p));
	}
}

static void test_args(void)
{
	u8 b[4];

	setup(L4);
	unit_begin("gwalk arguments: WRITE with FETCH");
	EXPECT(tr(0x1000, WR | FE) == -EINVAL, "translate accepted it");
	EXPECT(vmrun_gwalk_read(&pg, 0x1000, b, 4, WR | FE, mem_read, &pg,
				&res) == -EINVAL, "read accepted it");
	unit_begin("gwalk arguments: MAXPHYADDR");
	pg.maxphyaddr = 31;
	EXPECT(tr(0x1000, RD) == -EINVAL, "31 accepted");
	pg.maxphyaddr = 53;
	EXPECT(tr(0x1000, RD) == -EINVAL, "53 accepted");
	pg.maxphyaddr = 52;
	EXPECT(tr(0x1000, RD) == PF, "52 refused");
	pg.maxphyaddr = 32;
	EXPECT(tr(0x1000, RD) == PF, "32 refused");
}

static void test_off(void)
{
	int ret;

	setup(OFF);
	pg.cr3 = 0xdead000;		/* ignored without paging */
	pg.cr4 = CR4_PAE | CR4_SMEP | CR4_SMAP;
	pg.efer = EFER_NXE;
	calls = 0;
	want_gpa("linear is physical", 0x12345678, RD, 0x12345678, K4);
	want_gpa("32 bits only", 0xabcd00001234ULL, WR | USR, 0x1234, K4);
	want_gpa("any access", 0xfffff000, FE | USR, 0xfffff000, K4);
	EXPECT(calls == 0, "%u reads of guest memory", calls);
	unit_begin("gwalk off: rights");
	ret = tr(0x5000, WR);
	EXPECT(!ret && res.writable && res.user && res.executable &&
	       res.level == 0, "ret %d rights %d%d%d level %u", ret,
	       res.writable, res.user, res.executable, res.level);
}

/* 32-bit paging: tables by hand, then the builder. */
static void test_32bit(void)
{
	u64 pde, pte;
	int ret;

	setup(B32);
	/*
	 * CR3 = 0x40000. la 0x00403abc: PDE index 1 (bits 31:22) at
	 * 0x40004, PTE index 3 (bits 21:12) at 0x4100c, page 0x5000.
	 */
	pg.cr3 = 0x40000 | PWT | PCD;
	put32(0x40004, 0x41000 | P | RW | US | ACC);
	put32(0x4100c, 0x5000 | P | RW | US | ACC | DIRTY | GLOBAL);
	next_frame = 0x42000;
	want_gpa("by hand: 4 KiB", 0x00403abc, WR | USR, 0x5abc, K4);
	EXPECT(res.level == 1 && res.writable && res.user && res.executable,
	       "level %u rights %d%d%d", res.level, res.writable, res.user,
	       res.executable);
	want_gpa("by hand: bits 63:32 of la ignored", 0xffffffff00403abcULL,
		 RD, 0x5abc, K4);
	want_pf("by hand: PTE index 4 not present", 0x00404000, RD, 0, 1);
	want_pf("by hand: PDE index 2 not present, user write", 0x00800000,
		WR | USR, EC_W | EC_U, 2);
	want_pf("by hand: cr2 is the 32-bit la", 0x1234000000800000ULL, RD,
		0, 2);

	/* 4-MByte page: PDE index 3 (la 0x00c00000-0x00ffffff) at 0x4000c */
	put32(0x4000c, 0x01c00000 | P | RW | PS);
	unit_begin("gwalk 32-bit: PS without CR4.PSE points to a table");
	ret = tr(0x00c12345, RD);
	/* the PTE index is bits 21:12 of la, 0x012 */
	EXPECT(ret == -EFAULT && res.level == 1 &&
	       res.gpa == 0x01c00000 + 0x12 * 4,
	       "ret %d level %u gpa %#llx", ret, res.level,
	       (unsigned long long)res.gpa);
	pg.cr4 |= CR4_PSE;
	want_gpa("4 MiB page with CR4.PSE", 0x00c12345, WR, 0x01c12345, M4);
	EXPECT(res.level == 2, "level %u", res.level);
	/* PSE-36: PDE bits 20:13 are address bits 39:32 */
	put32(0x4000c, 0x01c00000 | (0x5 << 13) | P | RW | PS);
	pg.maxphyaddr = 36;
	want_gpa("PSE-36 address bits 34:32", 0x00c12345, RD,
		 0x501c12345ULL, M4);
	pg.maxphyaddr = 33;
	want_pf("PSE-36 bit 34 above MAXPHYADDR 33", 0x00c12345, RD,
		EC_P | EC_RSVD, 2);
	pg.maxphyaddr = 32;
	want_pf("PSE-36 bit 32 with MAXPHYADDR 32", 0x00c12345, RD,
		EC_P | EC_RSVD, 2);
	put32(0x4000c, 0x01c00000 | (0xffu << 13) | P | PS);
	pg.maxphyaddr = 40;
	want_gpa("PSE-36 bits 20:13 all set, MAXPHYADDR 40", 0x00c00001, RD,
		 0xff01c00001ULL, M4);
	pg.maxphyaddr = 52;
	want_gpa("PSE-36 is capped at 40 bits", 0x00c00001, RD,
		 0xff01c00001ULL, M4);
	put32(0x4000c, 0x01c00000 | (1u << 21) | P | PS);
	want_pf("4 MiB page: bit 21 reserved", 0x00c00000, RD | USR,
		EC_P | EC_RSVD | EC_U, 2);
	put32(0x4000c, 0x01c00000 | (1u << 12) | P | PS);
	want_gpa("4 MiB page: bit 12 is PAT", 0x00c00000, RD, 0x01c00000,
		 M4);

	/* with the builder */
	setup(B32);
	map_leaf(0xfffff000, 0x7000, 1, 0);
	want_gpa("last page", 0xffffffff, RD, 0x7fff, K4);
	/* 32-bit entries have no XD: NXE changes nothing but I/D */
	pg.efer = EFER_NXE;
	want_gpa("NXE: fetch allowed", 0xfffff010, FE, 0x7010, K4);
	EXPECT(res.executable, "not executable");
	want_pf("NXE, no SMEP: no I/D in the error code", 0xffffe000,
		FE | USR, EC_U, 1);
	pg.cr4 |= CR4_SMEP;
	want_pf("SMEP: I/D in the error code", 0xffffe000, FE | USR,
		EC_U | EC_I, 1);
	/* bits that are not reserved in 32-bit entries */
	pde = get_entry(entry_addr(0xfffff000, 2));
	put_entry(entry_addr(0xfffff000, 2), pde | PS | 0xe00);
	pte = get_entry(entry_addr(0xfffff000, 1));
	put_entry(entry_addr(0xfffff000, 1), pte | 0xf80);
	pg.cr4 &= ~CR4_PSE;
	want_gpa("no reserved bits in a PDE without PSE or in a PTE",
		 0xfffff123, RD, 0x7123, K4);
}

static void test_pae(void)
{
	setup(PAE);
	/*
	 * CR3 = 0x40020: the PDPT at 0x40020. la 0xc0203abc: PDPTE 3
	 * (bits 31:30) at 0x40038; PDE 1 (bits 29:21) at 0x41008; PTE 3
	 * (bits 20:12) at 0x42018; page 0x7000.
	 */
	pg.cr3 = 0x40020;
	put64(0x40038, 0x41000 | P);
	put64(0x41008, 0x42000 | P | RW | US);
	put64(0x42018, 0x7000 | P | RW);
	next_frame = 0x43000;
	want_gpa("by hand: 4 KiB", 0xc0203abc, WR, 0x7abc, K4);
	EXPECT(res.level == 1 && res.writable && !res.user, "level %u",
	       res.level);
	want_pf("by hand: user access to a supervisor page", 0xc0203abc,
		RD | USR, EC_P | EC_U, 1);
	want_pf("by hand: PDPTE 2 not present", 0x80000000, WR,
		EC_W, 3);
	put64(0x40038, 0x41000 | P | RW);
	want_pf("by hand: PDPTE bit 1 (R/W) reserved", 0xc0203abc, RD,
		EC_P | EC_RSVD, 3);
	put64(0x40038, 0x41000 | P | US);
	want_pf("by hand: PDPTE bit 2 (U/S) reserved", 0xc0203abc, RD,
		EC_P | EC_RSVD, 3);
	/* AMD sets A and D (5, 6) in PDPTEs: seen in QEMU's SVM testbed. */
	put64(0x40038, 0x41000 | P | (1 << 5) | (1 << 6));
	want_gpa("by hand: PDPTE bits 5, 6 (AMD's A, D) allowed", 0xc0203abc,
		 RD, 0x7abc, K4);
	put64(0x40038, 0x41000 | P | PS);
	want_pf("by hand: PDPTE bit 7 (PS) reserved", 0xc0203abc, RD,
		EC_P | EC_RSVD, 3);
	put64(0x40038, 0x41000 | P | (1 << 8));
	want_pf("by hand: PDPTE bit 8 reserved", 0xc0203abc, RD,
		EC_P | EC_RSVD, 3);
	pg.efer = EFER_NXE;
	put64(0x40038, 0x41000 | P | XD);
	want_pf("by hand: PDPTE bit 63 reserved even with NXE", 0xc0203abc,
		FE, EC_P | EC_RSVD | EC_I, 3);
	pg.efer = 0;
	put64(0x40038, 0x41000 | P | PWT | PCD | 0xe00);
	want_gpa("by hand: PDPTE PWT, PCD and 11:9 allowed", 0xc0203abc, RD,
		 0x7abc, K4);
	put64(0x40038, 0x41000 | P | (1ULL << 46));
	want_pf("by hand: PDPTE bit 46 above MAXPHYADDR", 0xc0203abc, RD,
		EC_P | EC_RSVD, 3);
	pg.maxphyaddr = 52;
	put64(0x40038, 0x41000 | P | (1ULL << 52));
	want_pf("by hand: PDPTE bit 52 reserved (63:M)", 0xc0203abc, RD,
		EC_P | EC_RSVD, 3);

	setup(PAE);
	map_leaf(0x00600000, 0x00a00000, 2, PS);
	want_gpa("2 MiB page", 0x0067abcd, RD, 0x00a7abcd, M2);
	EXPECT(res.level == 2, "level %u", res.level);
	map_leaf(0x00600000, 0x00a00000 | (1 << 13), 2, PS);
	want_pf("2 MiB page: bit 13 reserved", 0x00600000, RD,
		EC_P | EC_RSVD, 2);
	map_leaf(0x00600000, 0x00a00000 | (1 << 20), 2, PS);
	want_pf("2 MiB page: bit 20 reserved", 0x00600000, WR,
		EC_P | EC_RSVD | EC_W, 2);
	map_leaf(0x00600000, 0x00a00000 | (1 << 12), 2, PS);
	want_gpa("2 MiB page: bit 12 is PAT", 0x00600000, RD, 0x00a00000,
		 M2);
	map_leaf(0x00600000, 0x3fffe00000ULL, 2, PS);
	want_gpa("2 MiB page above 4 GiB", 0x007fffff, RD, 0x3fffffffffULL,
		 M2);
	/* 62:M reserved in PAE PDEs and PTEs, unlike 4-level paging */
	map_leaf(0x00600000, 0x00a00000 | (1ULL << 52), 2, PS);
	want_pf("2 MiB page: bit 52 reserved", 0x00600000, RD,
		EC_P | EC_RSVD, 2);
	map_leaf(0x00600000, 0x00a00000 | (1ULL << 62), 2, PS);
	want_pf("2 MiB page: bit 62 reserved", 0x00600000, RD,
		EC_P | EC_RSVD, 2);
	map_leaf(0x00800000, 0x9000 | (1ULL << 57), 1, 0);
	want_pf("PTE: bit 57 reserved", 0x00800000, RD, EC_P | EC_RSVD, 1);
	map_leaf(0x00800000, 0x9000 | (1ULL << 46), 1, 0);
	want_pf("PTE: bit 46 = MAXPHYADDR reserved", 0x00800000, RD,
		EC_P | EC_RSVD, 1);
	map_leaf(0x00800000, 0x9000 | (1ULL << 45), 1, PS);
	want_gpa("PTE: bit 45 below MAXPHYADDR, bit 7 is PAT", 0x00800000,
		 RD, 0x200000009000ULL, K4);
	map_leaf(0x00800000, 0x9000 | XD, 1, 0);
	want_pf("PTE: XD reserved without NXE", 0x00800000, RD,
		EC_P | EC_RSVD, 1);
	pg.efer = EFER_NXE;
	want_gpa("PTE: XD with NXE, read", 0x00800000, RD, 0x9000, K4);
	EXPECT(!res.executable, "executable");
	want_pf("PTE: XD with NXE, fetch", 0x00800000, FE, EC_P | EC_I, 1);
	pg.efer = 0;
	want_pf("fetch without SMEP or NXE: no I/D", 0x00a00000, FE, 0, 2);
}

static void test_long(void)
{
	u64 la, e;
	unsigned int l;

	setup(L4);
	/*
	 * la 0x00007f8040203abc: PML4 index 0xff (bits 47:39) at CR3 +
	 * 0x7f8, PDPT index 1 (38:30) at +8, PD index 1 (29:21) at +8, PT
	 * index 3 (20:12) at +0x18.
	 */
	pg.cr3 = 0x40000;
	put64(0x407f8, 0x41000 | P | RW | US);
	put64(0x41008, 0x42000 | P | RW | US);
	put64(0x42008, 0x43000 | P | RW | US);
	put64(0x43018, 0x6000 | P | US);
	next_frame = 0x44000;
	want_gpa("by hand: 4 KiB", 0x00007f8040203abcULL, RD | USR, 0x6abc,
		 K4);
	EXPECT(res.level == 1 && !res.writable && res.user, "level %u",
	       res.level);
	pg.cr3 |= 0xfff | (1ULL << 62) | (1ULL << 61) | (1ULL << 63);
	want_gpa("by hand: CR3 PCID, LAM and no-flush bits ignored",
		 0x00007f8040203abcULL, RD, 0x6abc, K4);
	pg.cr3 = 0x40000;
	want_pf("by hand: PML4 index 0xfe not present", 0x00007f0000000000ULL,
		FE | USR, EC_U, 4);
	put64(0x43018, 0x6000 | P | US | (0x7ffULL << 52));
	want_gpa("by hand: PTE bits 62:52 ignored", 0x00007f8040203abcULL,
		 RD, 0x6abc, K4);
	put64(0x407f8, 0x41000 | P | RW | US | (0x7ffULL << 52) | 0xf00);
	want_gpa("by hand: PML4E bits 62:52 and 11:8 ignored",
		 0x00007f8040203abcULL, RD, 0x6abc, K4);
	put64(0x407f8, 0x41000 | P | RW | US | PS);
	want_pf("by hand: PML4E PS reserved", 0x00007f8040203abcULL, RD,
		EC_P | EC_RSVD, 4);

	/* reserved bits 51:M, at each level, and XD without NXE */
	for (l = 1; l <= 4; l++) {
		setup(L4);
		la = 0xffff800000201000ULL;
		map_leaf(la, 0x8000, 1, 0);
		e = get_entry(entry_addr(la, l));
		put_entry(entry_addr(la, l), e | (1ULL << 46));
		unit_begin("gwalk 4-level: level %u bit 46 = MAXPHYADDR", l);
		EXPECT(tr(la, WR | USR) == PF &&
		       res.error_code == (EC_P | EC_RSVD | EC_W | EC_U) &&
		       res.level == l, "error code %#x level %u",
		       res.error_code, res.level);
		pg.maxphyaddr = 47;
		unit_begin("gwalk 4-level: level %u bit 46 below MAXPHYADDR 47",
			   l);
		EXPECT(tr(la, RD) == (l == 1 ? 0 : -EFAULT),
		       "returned %d", tr(la, RD));
		put_entry(entry_addr(la, l), e | (1ULL << 51));
		pg.maxphyaddr = 51;
		unit_begin("gwalk 4-level: level %u bit 51, MAXPHYADDR 51", l);
		EXPECT(tr(la, RD) == PF && res.error_code == (EC_P | EC_RSVD),
		       "error code %#x", res.error_code);
		put_entry(entry_addr(la, l), e | XD);
		pg.maxphyaddr = 46;
		unit_begin("gwalk 4-level: level %u XD without NXE", l);
		EXPECT(tr(la, FE) == PF && res.error_code == (EC_P | EC_RSVD) &&
		       res.level == l, "error code %#x level %u",
		       res.error_code, res.level);
		pg.efer |= EFER_NXE;
		unit_begin("gwalk 4-level: level %u XD with NXE", l);
		EXPECT(tr(la, FE) == PF && res.error_code == (EC_P | EC_I) &&
		       res.level == 1, "error code %#x level %u",
		       res.error_code, res.level);
		EXPECT(tr(la, WR) == 0 && !res.executable, "data write: %d",
		       tr(la, WR));
		put_entry(entry_addr(la, l), e & ~P);
		unit_begin("gwalk 4-level: level %u not present", l);
		EXPECT(tr(la, FE | USR) == PF &&
		       res.error_code == (EC_U | EC_I) && res.level == l,
		       "error code %#x level %u", res.error_code, res.level);
	}

	/* MAXPHYADDR 52: no reserved address bits, a 52-bit address */
	setup(L4);
	pg.maxphyaddr = 52;
	map_leaf(0x1000, 0xfffffffffe000ULL, 1, 0);
	want_gpa("MAXPHYADDR 52: top page", 0x1fff, RD, 0xfffffffffefffULL,
		 K4);

	/* large pages */
	setup(L4);
	map_leaf(0x40000000, 0x00e00000, 2, PS);
	want_gpa("2 MiB page", 0x401fffff, RD, 0x00ffffff, M2);
	EXPECT(res.level == 2, "level %u", res.level);
	map_leaf(0x40000000, 0x00e00000 | (1 << 16), 2, PS);
	want_pf("2 MiB page: bit 16 reserved", 0x40000000, RD,
		EC_P | EC_RSVD, 2);
	map_leaf(0x40000000, 0x00e00000 | (1 << 12) | (1ULL << 60), 2, PS);
	want_gpa("2 MiB page: PAT and bit 60 (protection key) ignored",
		 0x40012345, RD, 0x00e12345, M2);
	map_leaf(0x80000000, 0x1c0000000ULL, 3, PS);
	want_gpa("1 GiB page", 0xbfffffff, RD, 0x1ffffffffULL, G1);
	EXPECT(res.level == 3, "level %u", res.level);
	map_leaf(0x80000000, 0x1c0000000ULL | (1 << 29), 3, PS);
	want_pf("1 GiB page: bit 29 reserved", 0x80000000, RD,
		EC_P | EC_RSVD, 3);
	map_leaf(0x80000000, 0x1c0000000ULL | (1 << 13), 3, PS);
	want_pf("1 GiB page: bit 13 reserved", 0x80000000, RD,
		EC_P | EC_RSVD, 3);
	map_leaf(0x80000000, 0x1c0000000ULL | (1 << 12), 3, PS);
	want_gpa("1 GiB page: bit 12 is PAT", 0x80000000, RD, 0x1c0000000ULL,
		 G1);
	pg.gbpages = false;
	want_pf("1 GiB page without 1-GByte pages: PS reserved", 0x80000000,
		RD, EC_P | EC_RSVD, 3);

	/* canonical addresses */
	setup(L4);
	map_leaf(0x00007ffffffff000ULL, 0x3000, 1, 0);
	map_leaf(0xffff800000000000ULL, 0x4000, 1, 0);
	want_gpa("top of the lower half", 0x00007fffffffffffULL, RD, 0x3fff,
		 K4);
	want_gpa("bottom of the upper half", 0xffff800000000000ULL, RD,
		 0x4000, K4);
	want_pf("canonical, not mapped", 0xffffffffffffffffULL, RD, 0, 4);
	{
		static const u64 bad[] = {
			0x0000800000000000ULL, 0xffff7fffffffffffULL,
			0x8000000000000000ULL, 0x0001000000000000ULL,
			0x00ff800000000000ULL,
		};
		unsigned int i;

		unit_begin("gwalk 4-level: non-canonical addresses: #GP");
		for (i = 0; i < NELEMS(bad); i++)
			EXPECT(tr(bad[i], RD) == GP && res.fault_la == bad[i],
			       "%#llx: returned %d", (unsigned long long)bad[i],
			       tr(bad[i], RD));
		calls = 0;
		tr(bad[0], FE | USR);
		EXPECT(calls == 0, "%u reads for a non-canonical address",
		       calls);
	}
	map_leaf(0x12345000, 0x5000, 1, 0);
	want_gpa("LA32: bits 63:32 dropped, no #GP", 0x8000000012345678ULL,
		 RD | VMRUN_GWALK_LA32, 0x5678, K4);
}

static void test_5level(void)
{
	setup(L5);
	/*
	 * la 0x00017f8040203abc: PML5 index 1 (bits 56:48) at CR3 + 8, then
	 * as the 4-level case: PML4 0xff, PDPT 1, PD 1, PT 3.
	 */
	pg.cr3 = 0x40000;
	put64(0x40008, 0x41000 | P | RW | US);
	put64(0x417f8, 0x42000 | P | RW | US);
	put64(0x42008, 0x43000 | P | RW | US);
	put64(0x43008, 0x44000 | P | RW | US);
	put64(0x44018, 0x6000 | P | RW | US);
	next_frame = 0x45000;
	want_gpa("by hand: 4 KiB", 0x00017f8040203abcULL, WR | USR, 0x6abc,
		 K4);
	want_pf("by hand: PML5 index 0 not present", 0x00007f8040203abcULL,
		RD, 0, 5);
	put64(0x40008, 0x41000 | P | RW | US | PS);
	want_pf("by hand: PML5E PS reserved", 0x00017f8040203abcULL, RD,
		EC_P | EC_RSVD, 5);
	put64(0x40008, 0x41000 | P | RW);
	want_pf("by hand: U/S clear in the PML5E", 0x00017f8040203abcULL,
		RD | USR, EC_P | EC_U, 1);

	setup(L5);
	map_leaf(0xff00000080000000ULL, 0x40000000, 3, PS);
	want_gpa("1 GiB page in the upper half", 0xff000000bfffffffULL, RD,
		 0x7fffffff, G1);
	map_leaf(0x00ff800000000000ULL, 0x2000, 1, 0);
	want_gpa("57-bit canonical, not 48-bit", 0x00ff800000000123ULL, RD,
		 0x2123, K4);
	unit_begin("gwalk 5-level: non-canonical addresses: #GP");
	EXPECT(tr(0x0100000000000000ULL, RD) == GP, "bit 56 clear, 57 set");
	EXPECT(tr(0xfeffffffffffffffULL, RD) == GP, "bit 56 clear, 63 set");
	EXPECT(tr(0xff00000000000000ULL, RD) == PF, "canonical, unmapped");
}

/*
 * Access rights as SDM vol. 3, 4.6.1 states them, item by item, for a
 * translation whose entries have R/W, U/S and XD as given (combined over
 * the levels). Returns whether the access is allowed.
 */
static bool sdm_allows(bool cpl3, bool implicit, unsigned int kind, bool ac,
		       bool wp, bool smep, bool smap, bool nx_paging,
		       bool rw, bool us, bool xd)
{
	bool user_address = us;

	if (!cpl3 || implicit) {
		/* supervisor-mode access */
		if (kind == RD) {
			if (!user_address || !smap)
				return true;
			return ac && !implicit;
		}
		if (kind == WR) {
			if (!user_address)
				return !wp || rw;
			if (!wp)
				return !smap || (ac && !implicit);
			if (!smap)
				return rw;
			return ac && !implicit && rw;
		}
		if (!user_address)
			return !nx_paging || !xd;
		if (smep)
			return false;
		return !nx_paging || !xd;
	}
	/* user-mode access */
	if (kind == RD)
		return user_address;
	if (kind == WR)
		return user_address && rw;
	return user_address && (!nx_paging || !xd);
}

static const unsigned int privs[] = { 0, USR, USR | IMP, IMP };
static const char *const priv_names[] = {
	"supervisor", "user", "implicit at CPL 3", "implicit at CPL 0",
};

static const unsigned int kinds[] = { RD, WR, FE };
static const char *const kind_names[] = { "read", "write", "fetch" };

/* One case: a paging mode, a kind of access and a privilege. */
static void rights_case(enum vmrun_gwalk_mode mode, unsigned int ki,
			unsigned int pi)
{
	const u64 la = mode == L4 ? 0xffffc90000403000ULL : 0x80403000ULL;
	unsigned int kind = kinds[ki], combo, k, levels, lu, lw, lx, l;
	bool rw, us, xd, ac, wp, smep, smap, nxe, allowed;
	unsigned int access, code;
	u64 flags[6];
	int ret;

	unit_begin("gwalk %s: rights, %s %s", mode_names[mode],
		   priv_names[pi], kind_names[ki]);
	for (combo = 0; combo < 256; combo++) {
		rw = combo & 1;
		us = combo & 2;
		xd = combo & 4;
		ac = combo & 8;
		wp = combo & 16;
		smep = combo & 32;
		smap = combo & 64;
		nxe = combo & 128;
		if (mode == B32 && xd)
			continue;
		setup(mode);
		/* the levels that carry rights: not the PAE PDPTE */
		levels = mode == PAE ? 2 : top_level();
		k = combo + 3 * pi + 5 * ki;
		lu = 1 + k % levels;
		lw = 1 + (k / 2) % levels;
		lx = 1 + (k / 3) % levels;
		for (l = 1; l <= 5; l++)
			flags[l] = plain(l);
		if (!us)
			flags[lu] &= ~US;
		if (!rw)
			flags[lw] &= ~RW;
		if (xd)
			flags[lx] |= XD;
		map(la, 0x9000, 1, flags);
		pg.cr0 |= wp ? CR0_WP : 0;
		pg.cr4 |= (smep ? CR4_SMEP : 0) | (smap ? CR4_SMAP : 0);
		pg.efer |= nxe ? EFER_NXE : 0;
		access = kind | privs[pi] | (ac ? AC : 0);

		code = (kind == WR ? EC_W : 0) | (pi == 1 ? EC_U : 0) |
		       (kind == FE && (smep || (mode != B32 && nxe)) ?
			EC_I : 0);
		ret = tr(la + 0x456, access);
		if (xd && !nxe) {
			EXPECT(ret == PF &&
			       res.error_code == (code | EC_P | EC_RSVD) &&
			       res.level == lx,
			       "combo %#x: XD without NXE: ret %d code %#x level %u",
			       combo, ret, res.error_code, res.level);
			continue;
		}
		allowed = sdm_allows(pi == 1 || pi == 2, pi >= 2, kind, ac,
				     wp, smep, smap, mode != B32 && nxe, rw,
				     us, xd);
		if (allowed)
			EXPECT(ret == 0 && res.gpa == 0x9456 &&
			       res.writable == rw && res.user == us &&
			       res.executable == !xd,
			       "combo %#x: ret %d code %#x, want allowed",
			       combo, ret, res.error_code);
		else
			EXPECT(ret == PF && res.error_code == (code | EC_P) &&
			       res.level == 1 && res.fault_la == la + 0x456,
			       "combo %#x: ret %d code %#x level %u, want #PF %#x",
			       combo, ret, res.error_code, res.level,
			       code | EC_P);
	}
}

/*
 * Every combination of page rights, access and control bits, in 32-bit,
 * PAE and 4-level paging, against sdm_allows(). The restricting bit of
 * each kind (U/S clear, R/W clear, XD set) is put at a level that varies
 * with the combination, so that all levels are tried.
 */
static void test_rights_matrix(void)
{
	static const enum vmrun_gwalk_mode modes[] = { B32, PAE, L4 };
	unsigned int mi, ki, pi;

	for (mi = 0; mi < NELEMS(modes); mi++) {
		for (ki = 0; ki < NELEMS(kinds); ki++) {
			for (pi = 0; pi < NELEMS(privs); pi++)
				rights_case(modes[mi], ki, pi);
		}
	}
}

/* The common cases, each with its error code written out. */
static void test_rights_named(void)
{
	const u64 la = 0x00007fff00001000ULL;

	setup(L4);
	map_leaf(la, 0x9000, 1, 0);			/* user, writable */
	map_leaf(la + K4, 0xa000, 1, 0);
	put_entry(entry_addr(la + K4, 1), 0xa000 | P);	/* supervisor RO */
	want_gpa("user write to a user page", la, WR | USR, 0x9000, K4);
	want_pf("user write to a read-only supervisor page", la + K4,
		WR | USR, 0x7, 1);
	want_pf("user read of a supervisor page", la + K4, RD | USR, 0x5, 1);
	want_gpa("supervisor write, read-only, WP=0", la + K4, WR, 0xa000,
		 K4);
	pg.cr0 |= CR0_WP;
	want_pf("supervisor write, read-only, WP=1", la + K4, WR, 0x3, 1);
	want_gpa("implicit write at CPL 3 to a user page", la,
		 WR | USR | IMP, 0x9000, K4);
	want_pf("implicit write at CPL 3, read-only: U/S clear", la + K4,
		WR | USR | IMP, 0x3, 1);
	want_pf("user write, not present", la + 2 * K4, WR | USR, 0x6, 1);
	want_pf("implicit write at CPL 3, not present", la + 2 * K4,
		WR | USR | IMP, 0x2, 1);
	pg.cr4 |= CR4_SMAP;
	want_pf("SMAP: supervisor read of a user page, AC=0", la, RD, 0x1, 1);
	want_gpa("SMAP: explicit read, AC=1", la, RD | AC, 0x9000, K4);
	want_pf("SMAP: implicit read, AC=1", la, RD | AC | IMP, 0x1, 1);
	want_pf("SMAP: implicit read at CPL 3", la, RD | USR | IMP, 0x1, 1);
	want_gpa("SMAP: user read (CPL 3) unaffected", la, RD | USR, 0x9000,
		 K4);
	want_gpa("SMAP: supervisor page unaffected", la + K4, RD, 0xa000, K4);
	want_pf("SMAP: write, AC=0", la, WR, 0x3, 1);
	want_gpa("SMAP: fetch not affected", la, FE, 0x9000, K4);
	pg.cr4 |= CR4_SMEP;
	want_pf("SMEP: supervisor fetch from a user page", la, FE, 0x11, 1);
	want_gpa("SMEP: supervisor fetch from a supervisor page", la + K4, FE,
		 0xa000, K4);
	want_gpa("SMEP: user fetch from a user page", la, FE | USR, 0x9000,
		 K4);
	want_pf("SMEP: user fetch from a supervisor page", la + K4, FE | USR,
		0x15, 1);
	pg.cr4 &= ~CR4_SMEP;
	pg.efer |= EFER_NXE;
	put_entry(entry_addr(la, 1), 0x9000 | P | RW | US | XD);
	want_pf("NX: user fetch", la, FE | USR, 0x15, 1);
	want_pf("NX: supervisor fetch", la, FE, 0x11, 1);
	want_gpa("NX: user read", la, RD | USR, 0x9000, K4);
	pg.efer &= ~EFER_NXE;
	want_pf("XD without NXE: user fetch, RSVD", la, FE | USR, 0xd, 1);
	want_pf("not present, supervisor read", la + 3 * K4, RD, 0x0, 1);
}

static void test_callback_errors(void)
{
	u64 la = 0x00007fff00001000ULL;
	unsigned int l;
	int ret;

	for (l = 1; l <= 4; l++) {
		setup(L4);
		map_leaf(la, 0x9000, 1, 0);
		if (l == 4)
			pg.cr3 = NOT_RAM;
		else
			put_entry(entry_addr(la, l + 1), NOT_RAM | plain(l + 1));
		unit_begin("gwalk callback error: table at level %u not RAM", l);
		ret = tr(la, WR | USR);
		EXPECT(ret == -EFAULT && res.level == l &&
		       res.gpa == NOT_RAM + 8 * entry_index(la, l) &&
		       res.error_code == (EC_W | EC_U),
		       "ret %d level %u gpa %#llx code %#x", ret, res.level,
		       (unsigned long long)res.gpa, res.error_code);
	}
	setup(PAE);
	pg.cr3 = EIO_GPA + 0x60;
	unit_begin("gwalk callback error: PAE PDPT, -EIO passed on");
	ret = tr(0xc0000000, FE);
	EXPECT(ret == -EIO && res.level == 3 && res.gpa == EIO_GPA + 0x78 &&
	       res.error_code == 0, "ret %d level %u gpa %#llx code %#x", ret,
	       res.level, (unsigned long long)res.gpa, res.error_code);
	setup(B32);
	map_leaf(0x1000, 0x9000, 1, 0);
	put_entry(entry_addr(0x1000, 2), EIO_GPA | P | RW);
	unit_begin("gwalk callback error: 32-bit page table, -EIO");
	ret = tr(0x1000, RD);
	EXPECT(ret == -EIO && res.level == 1 && res.gpa == EIO_GPA + 4,
	       "ret %d level %u gpa %#llx", ret, res.level,
	       (unsigned long long)res.gpa);
	unit_begin("gwalk callback error: a page outside RAM translates");
	put_entry(entry_addr(0x1000, 2), 0);
	map_leaf(0x1000, NOT_RAM, 1, 0);
	EXPECT(tr(0x1000, RD) == 0 && res.gpa == NOT_RAM,
	       "the walker read the page itself");
}

static void test_no_writes(void)
{
	static u8 before[MEM_SIZE];
	u8 buf[16];

	setup(L4);
	map_leaf(0x1000, 0x9000, 1, 0);
	map_leaf(0x200000, 0x400000, 2, PS);
	memcpy(before, ram, MEM_SIZE);
	unit_begin("gwalk: guest memory is never written (no A/D bits)");
	EXPECT(tr(0x1000, WR) == 0, "walk");
	EXPECT(tr(0x200000, WR | USR) == 0, "walk");
	EXPECT(vmrun_gwalk_read(&pg, 0xff8, buf, 16, FE, mem_read, &pg,
				&res) == PF, "read");
	EXPECT(!memcmp(before, ram, MEM_SIZE), "memory changed");
}

/* Reads len bytes at la; true if buf holds the pattern of pa0 then pa1. */
static bool bytes_are(const u8 *buf, size_t n0, u64 pa0, size_t n1,
		      u64 pa1)
{
	size_t i;

	for (i = 0; i < n0; i++)
		if (buf[i] != pattern(pa0 + i))
			return false;
	for (i = 0; i < n1; i++)
		if (buf[n0 + i] != pattern(pa1 + i))
			return false;
	return true;
}

static int rd(u64 la, void *buf, size_t len, unsigned int access)
{
	return vmrun_gwalk_read(&pg, la, buf, len, access, mem_read, &pg,
				&res);
}

static void test_read(void)
{
	u8 buf[0x2100];
	unsigned int off;
	int ret;

	fill_data();
	setup(L4);
	/* two pages whose frames are in the reverse order */
	map_leaf(0x400000, 0x3000, 1, 0);
	map_leaf(0x401000, 0x1000, 1, 0);

	unit_begin("gwalk read: within a page");
	calls = 0;
	ret = rd(0x400100, buf, 15, FE);
	EXPECT(ret == 0 && res.copied == 15 && res.gpa == 0x3100 &&
	       bytes_are(buf, 15, 0x3100, 0, 0), "ret %d copied %zu", ret,
	       res.copied);
	EXPECT(calls == 5, "%u reads: want 4 entries and the data", calls);

	unit_begin("gwalk read: 15 bytes across a page boundary");
	calls = 0;
	ret = rd(0x400ff8, buf, 15, FE);
	EXPECT(ret == 0 && res.copied == 15 && res.gpa == 0x3ff8 &&
	       res.page_size == K4 && bytes_are(buf, 8, 0x3ff8, 7, 0x1000),
	       "ret %d copied %zu gpa %#llx", ret, res.copied,
	       (unsigned long long)res.gpa);
	EXPECT(calls == 10, "%u reads: want two walks and two copies", calls);

	unit_begin("gwalk read: every start offset that crosses");
	for (off = 0xff1; off < 0x1000; off++) {
		memset(buf, 0, 15);
		ret = rd(0x400000 + off, buf, 15, FE);
		EXPECT(ret == 0 && res.copied == 15 &&
		       bytes_are(buf, 0x1000 - off, 0x3000 + off,
				 15 - (0x1000 - off), 0x1000),
		       "offset %#x: ret %d", off, ret);
	}

	unit_begin("gwalk read: ends at the page end: one walk");
	calls = 0;
	ret = rd(0x400ff8, buf, 8, RD);
	EXPECT(ret == 0 && calls == 5, "ret %d, %u reads", ret, calls);

	unit_begin("gwalk read: three pages");
	map_leaf(0x402000, 0x5000, 1, 0);
	ret = rd(0x400800, buf, 0x2100, RD);
	EXPECT(ret == 0 && res.copied == 0x2100 &&
	       bytes_are(buf, 0x800, 0x3800, 0x1000, 0x1000) &&
	       bytes_are(buf + 0x1800, 0x900, 0x5000, 0, 0),
	       "ret %d copied %zu", ret, res.copied);

	unit_begin("gwalk read: length 0");
	calls = 0;
	ret = rd(0x12345678, buf, 0, FE);
	EXPECT(ret == 0 && res.copied == 0 && calls == 0, "ret %d calls %u",
	       ret, calls);

	unit_begin("gwalk read: second page not present");
	pg.efer |= EFER_NXE;
	memset(buf, 0, 16);
	ret = rd(0x402ffa, buf, 15, FE);
	EXPECT(ret == PF && res.copied == 6 && res.fault_la == 0x403000 &&
	       res.error_code == EC_I && res.level == 1 &&
	       bytes_are(buf, 6, 0x5ffa, 0, 0),
	       "ret %d copied %zu cr2 %#llx code %#x", ret, res.copied,
	       (unsigned long long)res.fault_la, res.error_code);

	unit_begin("gwalk read: second page supervisor, user fetch");
	put_entry(entry_addr(0x402000, 1), 0x5000 | P | RW);
	ret = rd(0x401ff8, buf, 15, FE | USR);
	EXPECT(ret == PF && res.copied == 8 &&
	       res.error_code == (EC_P | EC_U | EC_I) &&
	       res.fault_la == 0x402000, "ret %d copied %zu code %#x", ret,
	       res.copied, res.error_code);

	unit_begin("gwalk read: first page faults: nothing copied");
	ret = rd(0x402ff8, buf, 15, RD | USR);
	EXPECT(ret == PF && res.copied == 0 && res.fault_la == 0x402ff8 &&
	       res.error_code == (EC_P | EC_U), "ret %d copied %zu", ret,
	       res.copied);

	unit_begin("gwalk read: data outside RAM");
	map_leaf(0x404000, NOT_RAM, 1, 0);
	map_leaf(0x403000, 0x2000, 1, 0);
	ret = rd(0x403ffc, buf, 8, RD);
	EXPECT(ret == -EFAULT && res.copied == 4 && res.level == 0 &&
	       res.gpa == NOT_RAM && bytes_are(buf, 4, 0x2ffc, 0, 0),
	       "ret %d copied %zu level %u gpa %#llx", ret, res.copied,
	       res.level, (unsigned long long)res.gpa);

	/* a large page: no second walk at a 4 KiB boundary */
	setup(L4);
	map_leaf(0x7fe00000, 0, 2, PS);
	unit_begin("gwalk read: across 4 KiB inside a 2 MiB page");
	calls = 0;
	ret = rd(0x7fe03ff8, buf, 15, FE);
	EXPECT(ret == 0 && bytes_are(buf, 15, 0x3ff8, 0, 0) &&
	       res.page_size == M2, "ret %d", ret);
	EXPECT(calls == 4, "%u reads: want 3 entries and the data", calls);

	/* non-canonical second page */
	map_leaf(0x00007ffffffff000ULL, 0x2000, 1, 0);
	unit_begin("gwalk read: into non-canonical addresses");
	ret = rd(0x00007ffffffffff8ULL, buf, 15, FE);
	EXPECT(ret == GP && res.copied == 8 &&
	       res.fault_la == 0x0000800000000000ULL &&
	       bytes_are(buf, 8, 0x2ff8, 0, 0), "ret %d copied %zu", ret,
	       res.copied);

	/* wrapping at 4 GiB */
	setup(OFF);
	unit_begin("gwalk read: paging off wraps at 4 GiB");
	ret = rd(0xfffffffc, buf, 8, FE);
	EXPECT(ret == 0 && bytes_are(buf, 4, 0xfffffffc, 4, 0),
	       "ret %d copied %zu", ret, res.copied);

	setup(B32);
	map_leaf(0xfffff000, 0x2000, 1, 0);
	map_leaf(0, 0x5000, 1, 0);
	unit_begin("gwalk read: 32-bit paging wraps at 4 GiB");
	ret = rd(0xfffffffd, buf, 6, FE);
	EXPECT(ret == 0 && bytes_are(buf, 3, 0x2ffd, 3, 0x5000),
	       "ret %d copied %zu", ret, res.copied);

	setup(PAE);
	map_leaf(0xfffff000, 0x2000, 1, 0);
	map_leaf(0, 0x5000, 1, 0);
	unit_begin("gwalk read: PAE paging wraps at 4 GiB");
	ret = rd(0xfffffffd, buf, 6, FE);
	EXPECT(ret == 0 && bytes_are(buf, 3, 0x2ffd, 3, 0x5000),
	       "ret %d copied %zu", ret, res.copied);

	setup(L4);
	map_leaf(0xfffff000, 0x2000, 1, 0);
	map_leaf(0, 0x5000, 1, 0);
	unit_begin("gwalk read: LA32 in long mode wraps at 4 GiB");
	ret = rd(0xfffffffd, buf, 6, FE | VMRUN_GWALK_LA32);
	EXPECT(ret == 0 && bytes_are(buf, 3, 0x2ffd, 3, 0x5000),
	       "ret %d copied %zu", ret, res.copied);
	unit_begin("gwalk read: 64-bit addresses go on past 4 GiB");
	ret = rd(0xfffffffd, buf, 6, FE);
	EXPECT(ret == PF && res.copied == 3 && res.fault_la == 0x100000000ULL,
	       "ret %d copied %zu cr2 %#llx", ret, res.copied,
	       (unsigned long long)res.fault_la);
}

void test_gwalk(void)
{
	test_mode();
	test_args();
	test_off();
	test_32bit();
	test_pae();
	test_long();
	test_5level();
	test_rights_matrix();
	test_rights_named();
	test_callback_errors();
	test_no_writes();
	test_read();
}
