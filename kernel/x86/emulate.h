/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * x86 decoder and emulator for the instructions that touch MMIO, shared by
 * the SVM and VMX backends. See README.md in this folder for the exit flow.
 *
 * Only <linux/types.h>, <linux/errno.h> and <linux/string.h> are used, so
 * that tests/unit builds the same emulate.c on the host with a small shim.
 */
#ifndef VMRUN_X86_EMULATE_H
#define VMRUN_X86_EMULATE_H

#include <linux/types.h>

/* The longest x86 instruction; a longer one raises #GP. */
#define VMRUN_EMUL_MAX_LEN	15

/* Default operand and address size of the code being run. */
enum vmrun_emul_mode {
	VMRUN_EMUL_MODE16,	/* real, virtual-8086, or CS.D=0 protected */
	VMRUN_EMUL_MODE32,	/* CS.D=1 protected or compatibility mode */
	VMRUN_EMUL_MODE64,	/* long mode with CS.L=1 */
};

/* Segment registers, numbered as in the Sreg field of an encoding. */
enum vmrun_emul_seg {
	VMRUN_EMUL_ES,
	VMRUN_EMUL_CS,
	VMRUN_EMUL_SS,
	VMRUN_EMUL_DS,
	VMRUN_EMUL_FS,
	VMRUN_EMUL_GS,
	VMRUN_EMUL_NR_SEGS,
};

/*
 * The operations. ADD to CMP are in the order of the group 1 /digit field;
 * BT to BTC in that of group 8 (/4 to /7).
 */
enum vmrun_emul_op {
	VMRUN_EMUL_ADD,
	VMRUN_EMUL_OR,
	VMRUN_EMUL_ADC,
	VMRUN_EMUL_SBB,
	VMRUN_EMUL_AND,
	VMRUN_EMUL_SUB,
	VMRUN_EMUL_XOR,
	VMRUN_EMUL_CMP,
	VMRUN_EMUL_BT,
	VMRUN_EMUL_BTS,
	VMRUN_EMUL_BTR,
	VMRUN_EMUL_BTC,
	VMRUN_EMUL_MOV,		/* load into a register, or store */
	VMRUN_EMUL_MOVZX,	/* load, zero-extended to op_size */
	VMRUN_EMUL_MOVSX,	/* load, sign-extended to op_size (and MOVSXD) */
	VMRUN_EMUL_TEST,
	VMRUN_EMUL_XCHG,
	VMRUN_EMUL_STOS,
	VMRUN_EMUL_NR_OPS,
};

/* The exits an instruction takes to user space, in this order. */
enum vmrun_emul_dir {
	VMRUN_EMUL_READ,	/* one KVM_EXIT_MMIO with is_write = 0 */
	VMRUN_EMUL_WRITE,	/* one KVM_EXIT_MMIO with is_write = 1 */
	VMRUN_EMUL_RMW,		/* a read exit, then a write exit */
};

/* insn->reg when the instruction has no register operand. */
#define VMRUN_EMUL_NO_REG	0xff

/*
 * A decoded instruction. Everything the caller needs is in len, op, dir,
 * size and seg; the rest is what the execute step and the address helpers
 * use, and what an error report may print.
 */
struct vmrun_emul_insn {
	u8 len;		/* bytes, prefixes included */
	u8 op;		/* enum vmrun_emul_op */
	u8 dir;		/* enum vmrun_emul_dir */
	u8 size;	/* bytes of the memory access: 1, 2, 4 or 8 */
	u8 op_size;	/* register operand size: size, but the destination
			 * for MOVZX/MOVSX
			 */
	u8 addr_size;	/* 2, 4 or 8 */
	u8 mode;	/* enum vmrun_emul_mode it was decoded for */
	u8 seg;		/* enum vmrun_emul_seg of the memory operand */
	u8 seg_prefix;	/* last segment override byte (0x26...), or 0 */
	u8 rep;		/* last of 0xf2/0xf3, or 0 */
	u8 rex;		/* the REX prefix in effect, or 0 */
	u8 opcode;	/* opcode byte, the one after 0x0f if two_byte */
	u8 modrm;	/* 0 if has_modrm is false */
	u8 sib;		/* 0 if there is none */
	u8 reg;		/* GPR 0-15 (rAX, rCX, ... r15) or VMRUN_EMUL_NO_REG */
	bool reg_high;	/* reg names AH, CH, DH or BH */
	bool reg_dst;	/* the register is the first (destination) operand */
	bool has_imm;	/* the second operand is imm, not reg */
	bool two_byte;	/* 0x0f escape */
	bool has_modrm;
	bool lock;
	bool rip_rel;	/* RIP-relative memory operand */
	u8 base;	/* base GPR of the memory operand or VMRUN_EMUL_NO_REG */
	u8 index;	/* index GPR or VMRUN_EMUL_NO_REG */
	u8 scale;	/* 1, 2, 4 or 8 */
	u64 disp;	/* displacement sign-extended to 64 bits, or moffs */
	u64 imm;	/* immediate, sign-extended to 64 bits */
};

/* The guest state the execute step reads and changes. */
struct vmrun_emul_regs {
	u64 gpr[16];	/* rAX, rCX, rDX, rBX, rSP, rBP, rSI, rDI, r8-r15 */
	u64 rip;
	u64 rflags;
};

/* Indexes of gpr[] for the registers the string forms name. */
#define VMRUN_EMUL_RAX	0
#define VMRUN_EMUL_RCX	1
#define VMRUN_EMUL_RDI	7

/* RFLAGS bits the emulator reads or writes. */
#define VMRUN_EMUL_CF	0x0001UL
#define VMRUN_EMUL_PF	0x0004UL
#define VMRUN_EMUL_AF	0x0010UL
#define VMRUN_EMUL_ZF	0x0040UL
#define VMRUN_EMUL_SF	0x0080UL
#define VMRUN_EMUL_DF	0x0400UL
#define VMRUN_EMUL_OF	0x0800UL
#define VMRUN_EMUL_ARITH_FLAGS	(VMRUN_EMUL_CF | VMRUN_EMUL_PF | \
				 VMRUN_EMUL_AF | VMRUN_EMUL_ZF | \
				 VMRUN_EMUL_SF | VMRUN_EMUL_OF)

/*
 * The mode of a vCPU from CR0.PE, RFLAGS.VM, EFER.LMA and the CS
 * descriptor's L and D bits.
 */
static inline enum vmrun_emul_mode
vmrun_emul_cpu_mode(bool cr0_pe, bool rflags_vm, bool efer_lma, bool cs_l,
		    bool cs_d)
{
	if (!cr0_pe || rflags_vm)
		return VMRUN_EMUL_MODE16;
	if (efer_lma && cs_l)
		return VMRUN_EMUL_MODE64;
	return cs_d ? VMRUN_EMUL_MODE32 : VMRUN_EMUL_MODE16;
}

/*
 * Decodes the instruction at bytes[0..avail) (avail may exceed 15; the rest
 * is not read). Returns 0, or:
 *   -ENODATA	the instruction goes on past avail bytes: fetch more
 *   -EOPNOTSUPP	an instruction this emulator does not handle
 *   -EINVAL	bytes that cannot have made a data access to MMIO: no
 *		memory operand, an encoding that raises #UD (a misplaced
 *		LOCK), or more than 15 bytes
 * On error *insn is unspecified.
 */
int vmrun_emul_decode(struct vmrun_emul_insn *insn, const u8 *bytes,
		      unsigned int avail, enum vmrun_emul_mode mode);

/*
 * The value to store to the device, in the low insn->size bytes: for a
 * VMRUN_EMUL_WRITE instruction (loaded is ignored) and for the write exit of
 * a VMRUN_EMUL_RMW one (loaded is what its read exit returned). Changes no
 * register. Returns 0 for VMRUN_EMUL_READ.
 */
u64 vmrun_emul_store_value(const struct vmrun_emul_insn *insn,
			   const struct vmrun_emul_regs *regs, u64 loaded);

/*
 * Completes the instruction after its last exit: writes the destination
 * register, the arithmetic flags, RDI/RCX for STOS, and RIP. loaded is the
 * value the read exit returned (READ and RMW; only its low insn->size bytes
 * are used) and is ignored for WRITE. A REP STOS does one element a call and
 * leaves RIP on the instruction while the count is not yet zero.
 */
void vmrun_emul_complete(const struct vmrun_emul_insn *insn,
			 struct vmrun_emul_regs *regs, u64 loaded);

/*
 * The offset in insn->seg of the bytes accessed, from the registers before
 * completion (for checking the fault address; the hardware gives it).
 */
u64 vmrun_emul_ea(const struct vmrun_emul_insn *insn,
		  const struct vmrun_emul_regs *regs);

/*
 * The linear address accessed: seg_base[insn->seg] + the offset, with the
 * segment bases ignored in 64-bit mode but for FS and GS, and wrapped to 32
 * bits outside it. Limits and access rights are not checked.
 */
u64 vmrun_emul_linear(const struct vmrun_emul_insn *insn,
		      const struct vmrun_emul_regs *regs,
		      const u64 seg_base[VMRUN_EMUL_NR_SEGS]);

#endif /* VMRUN_X86_EMULATE_H */
