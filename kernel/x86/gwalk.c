// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest page-table walker: the translation an x86 CPU makes from a linear
 * address to a physical one, done in software over the guest's own tables,
 * for the backends' instruction fetch after an MMIO fault and for string
 * port I/O. All five paging modes: none, 32-bit (4-KByte and 4-MByte
 * pages, PSE-36), PAE (4 KBytes, 2 MBytes), 4-level and 5-level (4 KBytes,
 * 2 MBytes, 1 GByte), with the reserved-bit and access-rights checks of
 * SDM vol. 3, chapter 4, and the #PF error code they produce.
 *
 * Tables are read through the caller's callback; nothing is ever written,
 * so accessed and dirty bits are left as they are. Nothing here keeps
 * state between calls.
 */
#include <linux/errno.h>
#include <linux/export.h>

#include "gwalk.h"

/* Control register and EFER bits (SDM vol. 3, 2.2.1 and 2.5). */
#define CR0_WP		0x10000ULL		/* bit 16 */
#define CR0_PG		0x80000000ULL		/* bit 31 */
#define CR4_PSE		0x10ULL			/* bit 4 */
#define CR4_PAE		0x20ULL			/* bit 5 */
#define CR4_LA57	0x1000ULL		/* bit 12 */
#define CR4_SMEP	0x100000ULL		/* bit 20 */
#define CR4_SMAP	0x200000ULL		/* bit 21 */
#define EFER_LMA	0x400ULL		/* bit 10 */
#define EFER_NXE	0x800ULL		/* bit 11 */

/* Bits of a paging-structure entry (SDM vol. 3, 4.3 to 4.5). */
#define ENT_P		0x1ULL			/* bit 0: present */
#define ENT_RW		0x2ULL			/* bit 1: writable */
#define ENT_US		0x4ULL			/* bit 2: user */
#define ENT_PS		0x80ULL			/* bit 7: page size */
#define ENT_XD		0x8000000000000000ULL	/* bit 63: no execute */

#define SIZE_4K		0x1000ULL

/* The bits hi:lo of a 64-bit value; none if hi < lo. */
static u64 bit_range(unsigned int hi, unsigned int lo)
{
	if (hi < lo)
		return 0;
	return (~0ULL >> (63 - hi)) & (~0ULL << lo);
}

/* One walk: its inputs, and where its outcome goes. */
struct walk {
	const struct vmrun_gwalk_paging *pg;
	vmrun_gwalk_read_fn read;
	void *opaque;
	struct vmrun_gwalk_result *res;
	enum vmrun_gwalk_mode mode;
	unsigned int access;
};

enum vmrun_gwalk_mode vmrun_gwalk_mode(const struct vmrun_gwalk_paging *pg)
{
	if (!(pg->cr0 & CR0_PG))
		return VMRUN_GWALK_OFF;
	if (pg->efer & EFER_LMA)
		return pg->cr4 & CR4_LA57 ? VMRUN_GWALK_5LEVEL :
					    VMRUN_GWALK_4LEVEL;
	return pg->cr4 & CR4_PAE ? VMRUN_GWALK_PAE : VMRUN_GWALK_32BIT;
}
EXPORT_SYMBOL_GPL(vmrun_gwalk_mode);

/* Linear addresses have 32 bits: outside long mode, or when told so. */
static bool la_is_32bit(enum vmrun_gwalk_mode mode, unsigned int access)
{
	return mode < VMRUN_GWALK_4LEVEL || (access & VMRUN_GWALK_LA32);
}

static bool nx_enabled(const struct walk *w)
{
	return w->mode != VMRUN_GWALK_32BIT && (w->pg->efer & EFER_NXE);
}

/* A user-mode access: CPL 3, but not an implicit supervisor access. */
static bool user_access(const struct walk *w)
{
	return (w->access & (VMRUN_GWALK_USER | VMRUN_GWALK_IMPLICIT)) ==
	       VMRUN_GWALK_USER;
}

/* The W/R, U/S and I/D bits of the error code, from the access alone. */
static u32 access_code(const struct walk *w)
{
	u32 code = 0;

	if (w->access & VMRUN_GWALK_WRITE)
		code |= VMRUN_GWALK_PFEC_W;
	if (user_access(w))
		code |= VMRUN_GWALK_PFEC_U;
	/* SDM 4.7: I/D is reported only with SMEP, or with PAE and NXE */
	if ((w->access & VMRUN_GWALK_FETCH) &&
	    ((w->pg->cr4 & CR4_SMEP) ||
	     ((w->pg->cr4 & CR4_PAE) && (w->pg->efer & EFER_NXE))))
		code |= VMRUN_GWALK_PFEC_I;
	return code;
}

static int page_fault(struct walk *w, u64 la, unsigned int level, u32 code)
{
	w->res->error_code = code | access_code(w);
	w->res->fault_la = la;
	w->res->level = level;
	return VMRUN_GWALK_PF;
}

/* Reads the size-byte (4 or 8) little-endian entry at gpa. */
static int read_entry(struct walk *w, u64 gpa, unsigned int size,
		      unsigned int level, u64 *entry)
{
	u8 bytes[8];
	unsigned int i;
	int ret;

	ret = w->read(gpa, bytes, size, w->opaque);
	if (ret) {
		w->res->gpa = gpa;
		w->res->level = level;
		w->res->error_code = access_code(w);
		return ret < 0 ? ret : -EIO;
	}
	*entry = 0;
	for (i = 0; i < size; i++)
		*entry |= (u64)bytes[i] << (8 * i);
	return 0;
}

/*
 * The bits that must be 0 in a present entry at this level (1 = PTE), for
 * the PS bit it has: SDM vol. 3, tables 4-4 to 4-20 and 4.5.4.
 */
static u64 reserved_bits(const struct walk *w, unsigned int level, u64 entry)
{
	unsigned int m = w->pg->maxphyaddr;
	bool ps = entry & ENT_PS;
	u64 rsvd;

	switch (w->mode) {
	case VMRUN_GWALK_32BIT:
		/*
		 * Only a 4-MByte page has any: bits 21:(M-19), M being
		 * MAXPHYADDR capped at 40 (PSE-36); below them, bits
		 * (M-20):13 hold address bits (M-1):32.
		 */
		if (level == 2 && ps && (w->pg->cr4 & CR4_PSE))
			return bit_range(21, (m < 40 ? m : 40) - 19);
		return 0;
	case VMRUN_GWALK_PAE:
		/*
		 * A PDPTE has no R/W, U/S, PS or XD bit. The SDM reserves
		 * 8:5 too, but AMD CPUs (and QEMU's SVM) set A and D, bits 5
		 * and 6, in PDPTEs they used: a walker that only sees tables
		 * the CPU already accepted must let them be, as KVM does.
		 */
		if (level == 3)
			return bit_range(63, m) | bit_range(8, 7) |
			       bit_range(2, 1);
		rsvd = bit_range(62, m);
		break;
	default:
		/* 62:52 are ignored (or protection keys), not reserved */
		rsvd = bit_range(51, m);
		break;
	}
	if (!nx_enabled(w))
		rsvd |= ENT_XD;
	if (level >= 4)
		rsvd |= ENT_PS;
	else if (level == 3 && ps)
		rsvd |= w->pg->gbpages ? bit_range(29, 13) : ENT_PS;
	else if (level == 2 && ps)
		rsvd |= bit_range(20, 13);
	return rsvd;
}

/* Whether the access rights of the translation allow the access (4.6.1). */
static bool access_allowed(const struct walk *w, bool writable,
			   bool user_page, bool no_exec)
{
	bool write = w->access & VMRUN_GWALK_WRITE;
	u64 cr4 = w->pg->cr4;

	if (w->access & VMRUN_GWALK_FETCH) {
		if (no_exec)
			return false;
		if (user_access(w))
			return user_page;
		return !(user_page && (cr4 & CR4_SMEP));
	}
	if (user_access(w))
		return user_page && (writable || !write);
	/*
	 * Supervisor data access. SMAP denies user-mode pages to implicit
	 * accesses, and to explicit ones unless RFLAGS.AC is set; what it
	 * lets through is then subject to CR0.WP like any other page.
	 */
	if (user_page && (cr4 & CR4_SMAP) &&
	    ((w->access & VMRUN_GWALK_IMPLICIT) ||
	     !(w->access & VMRUN_GWALK_AC)))
		return false;
	return writable || !write || !(w->pg->cr0 & CR0_WP);
}

static int walk_tables(struct walk *w, u64 la)
{
	const struct vmrun_gwalk_paging *pg = w->pg;
	struct vmrun_gwalk_result *res = w->res;
	bool wide = w->mode != VMRUN_GWALK_32BIT;
	unsigned int size = wide ? 8 : 4;
	u64 addr_mask = wide ? bit_range(51, 12) : bit_range(31, 12);
	bool writable = true, user_page = true, no_exec = false;
	unsigned int level, shift = 0;
	u64 table, entry = 0, rsvd;
	bool leaf = false;
	int ret;

	switch (w->mode) {
	case VMRUN_GWALK_32BIT:
		level = 2;
		table = pg->cr3 & bit_range(31, 12);
		break;
	case VMRUN_GWALK_PAE:
		/*
		 * A CPU reads the four PDPTEs only when it loads CR3 (and at
		 * MOV to CR0/CR4 that change paging, task switches and VM
		 * entries), checks them then (#GP, or a failed entry) and
		 * translates with those copies. There are no such copies
		 * here: the PDPTEs are read from CR3 on every walk, so a
		 * change to the PDPT shows before the guest reloads CR3, and
		 * a present PDPTE with a reserved bit set gives an RSVD #PF.
		 */
		level = 3;
		table = pg->cr3 & bit_range(31, 5);
		break;
	case VMRUN_GWALK_4LEVEL:
	case VMRUN_GWALK_5LEVEL:
	default:
		level = w->mode == VMRUN_GWALK_5LEVEL ? 5 : 4;
		table = pg->cr3 & bit_range(pg->maxphyaddr - 1, 12);
		break;
	}

	for (;; level--) {
		/* 10 bits of index a level with 4-byte entries, else 9 */
		shift = wide ? 12 + 9 * (level - 1) : 12 + 10 * (level - 1);
		ret = read_entry(w, table + ((la >> shift) &
					     (wide ? 0x1ff : 0x3ff)) * size,
				 size, level, &entry);
		if (ret)
			return ret;
		if (!(entry & ENT_P))
			return page_fault(w, la, level, 0);
		rsvd = reserved_bits(w, level, entry);
		if (entry & rsvd)
			return page_fault(w, la, level, VMRUN_GWALK_PFEC_P |
						       VMRUN_GWALK_PFEC_RSVD);
		if (w->mode == VMRUN_GWALK_PAE && level == 3) {
			table = entry & addr_mask;
			continue;
		}
		writable &= !!(entry & ENT_RW);
		user_page &= !!(entry & ENT_US);
		if (nx_enabled(w) && (entry & ENT_XD))
			no_exec = true;
		if (level == 1)
			break;
		if (entry & ENT_PS) {
			/* 32-bit paging honours PS only with CR4.PSE */
			leaf = wide || (pg->cr4 & CR4_PSE);
			if (leaf)
				break;
		}
		table = entry & addr_mask;
	}

	if (!access_allowed(w, writable, user_page, no_exec))
		return page_fault(w, la, level, VMRUN_GWALK_PFEC_P);

	res->page_size = 1ULL << shift;
	if (leaf && !wide)
		/* a 4-MByte page: bits 20:13 are address bits 39:32 */
		res->gpa = (entry & bit_range(31, 22)) |
			   ((entry & bit_range(20, 13)) << 19);
	else
		res->gpa = entry & addr_mask & ~(res->page_size - 1);
	res->gpa |= la & (res->page_size - 1);
	res->level = level;
	res->writable = writable;
	res->user = user_page;
	res->executable = !no_exec;
	return 0;
}

/* Whether bits 63:bits-1 of la are all equal. */
static bool canonical(u64 la, unsigned int bits)
{
	unsigned int shift = 64 - bits;

	return (u64)((s64)(la << shift) >> shift) == la;
}

int vmrun_gwalk_translate(const struct vmrun_gwalk_paging *pg, u64 la,
			  unsigned int access, vmrun_gwalk_read_fn read,
			  void *opaque, struct vmrun_gwalk_result *res)
{
	struct walk w = {
		.pg = pg,
		.read = read,
		.opaque = opaque,
		.res = res,
		.mode = vmrun_gwalk_mode(pg),
		.access = access,
	};

	*res = (struct vmrun_gwalk_result){};
	if ((access & VMRUN_GWALK_WRITE) && (access & VMRUN_GWALK_FETCH))
		return -EINVAL;
	if (pg->maxphyaddr < 32 || pg->maxphyaddr > 52)
		return -EINVAL;

	if (la_is_32bit(w.mode, access)) {
		la &= 0xffffffff;
	} else if (!canonical(la, w.mode == VMRUN_GWALK_5LEVEL ? 57 : 48)) {
		res->fault_la = la;
		return VMRUN_GWALK_GP;
	}

	if (w.mode == VMRUN_GWALK_OFF) {
		res->gpa = la;
		res->page_size = SIZE_4K;
		res->writable = true;
		res->user = true;
		res->executable = true;
		return 0;
	}
	return walk_tables(&w, la);
}
EXPORT_SYMBOL_GPL(vmrun_gwalk_translate);

int vmrun_gwalk_read(const struct vmrun_gwalk_paging *pg, u64 la, void *buf,
		     size_t len, unsigned int access, vmrun_gwalk_read_fn read,
		     void *opaque, struct vmrun_gwalk_result *res)
{
	struct vmrun_gwalk_result first = {}, cur = {};
	size_t done = 0, chunk;
	u8 *dst = buf;
	int ret = 0;

	/* la may pass 4 GiB: the walk truncates it where it has 32 bits */
	while (done < len) {
		ret = vmrun_gwalk_translate(pg, la, access, read, opaque, &cur);
		if (ret)
			break;
		if (!done)
			first = cur;
		/* up to the end of the page, which may be a large one */
		chunk = cur.page_size - (la & (cur.page_size - 1));
		if (chunk > len - done)
			chunk = len - done;
		ret = read(cur.gpa, dst + done, chunk, opaque);
		if (ret) {
			cur.level = 0;
			if (ret > 0)
				ret = -EIO;
			break;
		}
		done += chunk;
		la += chunk;
	}
	*res = ret ? cur : first;
	res->copied = done;
	return ret;
}
EXPORT_SYMBOL_GPL(vmrun_gwalk_read);
