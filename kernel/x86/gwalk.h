/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * x86 guest page-table walker, shared by the SVM and VMX backends: turns a
 * guest linear address into a guest physical address for the instruction
 * fetch after an MMIO fault and for the memory operands of INS/OUTS. See
 * README.md in this folder.
 *
 * Only <linux/types.h> and <linux/errno.h> are used, so that tests/unit
 * builds the same gwalk.c on the host with a small shim.
 */
#ifndef VMRUN_X86_GWALK_H
#define VMRUN_X86_GWALK_H

#include <linux/types.h>

/*
 * The guest's paging state, as the backend reads it from the VMCB or VMCS.
 * Only the bits named in gwalk.c are looked at; the others may hold
 * anything.
 */
struct vmrun_gwalk_paging {
	u64 cr0;		/* PG, WP */
	u64 cr3;		/* the root table; PCID and flag bits ignored */
	u64 cr4;		/* PSE, PAE, LA57, SMEP, SMAP */
	u64 efer;		/* LMA, NXE */
	u8 maxphyaddr;		/* the guest's CPUID.80000008H:EAX[7:0], 32-52 */
	bool gbpages;		/* the guest has 1-GByte pages
				 * (CPUID.80000001H:EDX[26]); if not, PS is
				 * reserved in a 4-level PDPTE
				 */
};

/* The paging mode vmrun_gwalk_mode() reports. */
enum vmrun_gwalk_mode {
	VMRUN_GWALK_OFF,	/* CR0.PG = 0: linear is physical */
	VMRUN_GWALK_32BIT,	/* two levels of 32-bit entries */
	VMRUN_GWALK_PAE,	/* the four PDPTEs, then two levels */
	VMRUN_GWALK_4LEVEL,	/* EFER.LMA = 1 */
	VMRUN_GWALK_5LEVEL,	/* EFER.LMA = 1 and CR4.LA57 = 1 */
};

/*
 * The access, for vmrun_gwalk_translate() and vmrun_gwalk_read(): a data
 * read unless WRITE or FETCH is given (not both), a supervisor-mode access
 * unless USER is given. CR0.WP, CR4.SMEP, CR4.SMAP and EFER.NXE come from
 * the paging state; clear them there to walk without those checks.
 */
#define VMRUN_GWALK_WRITE	0x01	/* a data write */
#define VMRUN_GWALK_FETCH	0x02	/* an instruction fetch */
#define VMRUN_GWALK_USER	0x04	/* made at CPL 3 */
#define VMRUN_GWALK_IMPLICIT	0x08	/* an implicit supervisor-mode access
					 * (GDT, LDT, IDT, TSS) at any CPL:
					 * USER is ignored and SMAP applies
					 * whatever RFLAGS.AC is
					 */
#define VMRUN_GWALK_AC		0x10	/* RFLAGS.AC is set (lifts SMAP for
					 * explicit supervisor accesses)
					 */
#define VMRUN_GWALK_LA32	0x20	/* 32-bit linear addresses in long
					 * mode (compatibility mode): truncate
					 * and wrap at 4 GiB, as outside it
					 */

/* Bits of the #PF error code (SDM vol. 3, 4.7). */
#define VMRUN_GWALK_PFEC_P	0x01	/* a protection or reserved-bit
					 * fault; 0 for a not-present entry
					 */
#define VMRUN_GWALK_PFEC_W	0x02	/* the access was a write */
#define VMRUN_GWALK_PFEC_U	0x04	/* a user-mode access */
#define VMRUN_GWALK_PFEC_RSVD	0x08	/* a reserved bit was set */
#define VMRUN_GWALK_PFEC_I	0x10	/* an instruction fetch, reported
					 * only with CR4.SMEP or with
					 * CR4.PAE and EFER.NXE
					 */

/* What the walk returns besides 0 and a negative errno. */
#define VMRUN_GWALK_PF		1	/* inject #PF(error_code), CR2 =
					 * fault_la
					 */
#define VMRUN_GWALK_GP		2	/* non-canonical address: inject
					 * #GP(0) (#SS(0) for a stack access)
					 */

/* The outcome of a walk; which fields hold what depends on the return. */
struct vmrun_gwalk_result {
	u64 gpa;		/* 0: the guest physical address (of the first
				 * byte, for vmrun_gwalk_read()); -errno: the
				 * address the read callback failed on
				 */
	u64 fault_la;		/* PF: the address for CR2; GP: the
				 * non-canonical address
				 */
	u64 page_size;		/* 0: bytes of the page mapping gpa (4 KiB,
				 * 2 MiB, 4 MiB or 1 GiB; 4 KiB without paging)
				 */
	u32 error_code;		/* PF: the #PF error code; -errno in a table
				 * walk: the not-present error code, for a
				 * backend that injects #PF then, as KVM does
				 * (0 when the data itself failed)
				 */
	size_t copied;		/* vmrun_gwalk_read(): bytes copied to buf */
	u8 level;		/* PF, -errno: the entry the walk stopped at
				 * (1 = PTE ... 5 = PML5E), 0 for the data
				 * itself; 0: the level of the leaf entry
				 * (0 without paging)
				 */
	bool writable;		/* 0: R/W = 1 at every level */
	bool user;		/* 0: U/S = 1 at every level */
	bool executable;	/* 0: no XD at any level (or XD not in use) */
};

/*
 * Reads len bytes of guest physical memory at gpa into buf. Returns 0, or
 * a negative errno (say -EFAULT) if gpa..gpa+len-1 is not all guest RAM;
 * vmrun_gwalk_translate() and vmrun_gwalk_read() pass it on unchanged.
 */
typedef int (*vmrun_gwalk_read_fn)(u64 gpa, void *buf, size_t len,
				   void *opaque);

/* The paging mode of pg: what CR0.PG, EFER.LMA, CR4.LA57 and CR4.PAE say. */
enum vmrun_gwalk_mode vmrun_gwalk_mode(const struct vmrun_gwalk_paging *pg);

/*
 * Translates the linear address la for the access (VMRUN_GWALK_* flags),
 * reading the guest's tables through read(). Sets no accessed or dirty
 * bit. Returns:
 *   0			res->gpa, page_size, level and the rights are set
 *   VMRUN_GWALK_PF	res->error_code, fault_la and level are set
 *   VMRUN_GWALK_GP	la is not canonical (long mode); res->fault_la = la
 *   -errno		what read() returned for res->gpa, the address of a
 *			paging-structure entry: the guest's tables point
 *			outside its RAM (res->level, res->error_code set)
 *   -EINVAL		also: WRITE with FETCH, or maxphyaddr outside 32-52
 */
int vmrun_gwalk_translate(const struct vmrun_gwalk_paging *pg, u64 la,
			  unsigned int access, vmrun_gwalk_read_fn read,
			  void *opaque, struct vmrun_gwalk_result *res);

/*
 * Copies len bytes of guest memory at the linear address la into buf, a
 * walk for each page the range touches: up to 15 bytes at CS:RIP with
 * VMRUN_GWALK_FETCH, or a string I/O source. Addresses wrap at 4 GiB
 * outside long mode (and with VMRUN_GWALK_LA32). Returns what
 * vmrun_gwalk_translate() returns for the first page that fails, or the
 * error of read() on the data (res->level 0, res->gpa its address);
 * res->copied bytes were copied before that, so that a fetch can decode an
 * instruction that ends before a faulting page. On 0, res describes the
 * first byte (and is all 0 if len is 0: nothing is walked).
 */
int vmrun_gwalk_read(const struct vmrun_gwalk_paging *pg, u64 la, void *buf,
		     size_t len, unsigned int access, vmrun_gwalk_read_fn read,
		     void *opaque, struct vmrun_gwalk_result *res);

#endif /* VMRUN_X86_GWALK_H */
