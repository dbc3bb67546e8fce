// SPDX-License-Identifier: GPL-2.0-only
/*
 * Decoder and emulator for the x86 instructions that device drivers use on
 * MMIO: MOV and its zero/sign-extending forms, STOS, the ALU group with a
 * memory operand, TEST, XCHG and BT/BTS/BTR/BTC. The backends call it on a
 * nested page fault outside every memory slot, with the bytes at CS:RIP.
 *
 * The hardware has already computed the address, so decoding only has to
 * find the length, the operation, the access size and the register or
 * immediate operand; the addressing bytes are still parsed in full, both
 * for the length and so that vmrun_emul_ea() can check the fault address.
 *
 * Anything outside this set is refused with -EOPNOTSUPP, never guessed at.
 * Nothing here keeps state between calls: the caller holds the decoded
 * instruction across its exits to user space.
 */
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/string.h>

#include "emulate.h"

#define REX_W	0x08
#define REX_R	0x04
#define REX_X	0x02
#define REX_B	0x01

/* The GPRs that 16-bit addressing names. */
#define GPR_BX	3
#define GPR_SP	4
#define GPR_BP	5
#define GPR_SI	6
#define GPR_DI	7

/* The bytes of an instruction and how far decoding has got. */
struct emul_cursor {
	const u8 *bytes;
	unsigned int avail;
	unsigned int pos;
};

/* Reads the next n (1, 2, 4 or 8) bytes as a little-endian number. */
static int fetch(struct emul_cursor *c, unsigned int n, u64 *val)
{
	unsigned int i;
	u64 v = 0;

	if (c->pos + n > VMRUN_EMUL_MAX_LEN)
		return -EINVAL;
	if (c->pos + n > c->avail)
		return -ENODATA;
	for (i = 0; i < n; i++)
		v |= (u64)c->bytes[c->pos + i] << (8 * i);
	c->pos += n;
	*val = v;
	return 0;
}

static u64 size_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

/* Sign-extends the low size bytes of v to 64 bits. */
static u64 sign_extend(u64 v, unsigned int size)
{
	unsigned int shift = 64 - 8 * size;

	return (u64)((s64)(v << shift) >> shift);
}

/* Reads and sign-extends an n-byte displacement or immediate. */
static int fetch_signed(struct emul_cursor *c, unsigned int n, u64 *val)
{
	int ret = fetch(c, n, val);

	if (!ret)
		*val = sign_extend(*val, n);
	return ret;
}

/* Segment of an override prefix byte. */
static u8 prefix_seg(u8 prefix)
{
	switch (prefix) {
	case 0x26:
		return VMRUN_EMUL_ES;
	case 0x2e:
		return VMRUN_EMUL_CS;
	case 0x36:
		return VMRUN_EMUL_SS;
	case 0x64:
		return VMRUN_EMUL_FS;
	case 0x65:
		return VMRUN_EMUL_GS;
	default:
		return VMRUN_EMUL_DS;
	}
}

/*
 * Legacy prefixes and REX, up to the first opcode byte, which it returns in
 * *opcode. A REX counts only right before the opcode: one followed by a
 * legacy prefix is ignored, as the hardware does.
 */
static int decode_prefixes(struct vmrun_emul_insn *insn,
			   struct emul_cursor *c, bool *opsize_prefix,
			   bool *addrsize_prefix, u8 *opcode)
{
	u64 b;
	int ret;

	for (;;) {
		ret = fetch(c, 1, &b);
		if (ret)
			return ret;
		switch (b) {
		case 0x66:
			*opsize_prefix = true;
			break;
		case 0x67:
			*addrsize_prefix = true;
			break;
		case 0x26:
		case 0x2e:
		case 0x36:
		case 0x3e:
		case 0x64:
		case 0x65:
			insn->seg_prefix = b;
			break;
		case 0xf0:
			insn->lock = true;
			break;
		case 0xf2:
		case 0xf3:
			insn->rep = b;
			break;
		default:
			if (insn->mode == VMRUN_EMUL_MODE64 &&
			    (b & 0xf0) == 0x40) {
				insn->rex = b;
				continue;
			}
			*opcode = b;
			return 0;
		}
		insn->rex = 0;
	}
}

/* ModRM r/m with 16-bit addressing: base and index of each rm value. */
static int decode_mem16(struct vmrun_emul_insn *insn, struct emul_cursor *c,
			unsigned int mod, unsigned int rm)
{
	static const u8 base[8] = {
		GPR_BX, GPR_BX, GPR_BP, GPR_BP,
		VMRUN_EMUL_NO_REG, VMRUN_EMUL_NO_REG, GPR_BP, GPR_BX,
	};
	static const u8 index[8] = {
		GPR_SI, GPR_DI, GPR_SI, GPR_DI,
		GPR_SI, GPR_DI, VMRUN_EMUL_NO_REG, VMRUN_EMUL_NO_REG,
	};

	if (mod == 0 && rm == 6)
		return fetch_signed(c, 2, &insn->disp);
	insn->base = base[rm];
	insn->index = index[rm];
	if (mod == 1)
		return fetch_signed(c, 1, &insn->disp);
	if (mod == 2)
		return fetch_signed(c, 2, &insn->disp);
	return 0;
}

/* ModRM r/m, SIB and displacement with 32- or 64-bit addressing. */
static int decode_mem32(struct vmrun_emul_insn *insn, struct emul_cursor *c,
			unsigned int mod, unsigned int rm)
{
	unsigned int idx;
	u64 v;
	int ret;

	if (rm == 4) {
		ret = fetch(c, 1, &v);
		if (ret)
			return ret;
		insn->sib = v;
		insn->scale = 1 << (insn->sib >> 6);
		idx = ((insn->sib >> 3) & 7) | (insn->rex & REX_X ? 8 : 0);
		if (idx != GPR_SP)
			insn->index = idx;
		rm = insn->sib & 7;
		if (rm == 5 && mod == 0)
			return fetch_signed(c, 4, &insn->disp);
	} else if (rm == 5 && mod == 0) {
		insn->rip_rel = insn->mode == VMRUN_EMUL_MODE64;
		return fetch_signed(c, 4, &insn->disp);
	}
	insn->base = rm | (insn->rex & REX_B ? 8 : 0);
	if (mod == 1)
		return fetch_signed(c, 1, &insn->disp);
	if (mod == 2)
		return fetch_signed(c, 4, &insn->disp);
	return 0;
}

/*
 * ModRM and what follows it up to the immediate. Sets the memory operand
 * and its default segment; the reg field is left to the opcode.
 */
static int decode_modrm(struct vmrun_emul_insn *insn, struct emul_cursor *c)
{
	unsigned int mod, rm;
	u64 v;
	int ret;

	ret = fetch(c, 1, &v);
	if (ret)
		return ret;
	insn->has_modrm = true;
	insn->modrm = v;
	mod = insn->modrm >> 6;
	rm = insn->modrm & 7;
	if (mod == 3)
		return -EINVAL;		/* a register operand: no access */
	if (insn->addr_size == 2)
		ret = decode_mem16(insn, c, mod, rm);
	else
		ret = decode_mem32(insn, c, mod, rm);
	if (insn->base == GPR_SP || insn->base == GPR_BP)
		insn->seg = VMRUN_EMUL_SS;
	return ret;
}

/* The general register named by the ModRM reg field, for size bytes. */
static void set_modrm_reg(struct vmrun_emul_insn *insn, unsigned int size)
{
	insn->reg = ((insn->modrm >> 3) & 7) | (insn->rex & REX_R ? 8 : 0);
	if (size == 1 && !insn->rex && insn->reg >= 4) {
		insn->reg -= 4;
		insn->reg_high = true;
	}
}

/*
 * Instructions of the 0x0f map: MOVZX, MOVSX and the BT family. Their F2/F3
 * forms are other instructions (POPCNT, TZCNT...), so those are refused.
 */
static int decode_0f(struct vmrun_emul_insn *insn, struct emul_cursor *c,
		     u8 opcode)
{
	int ret;

	if (insn->rep)
		return -EOPNOTSUPP;
	switch (opcode) {
	case 0xb6:
	case 0xb7:
	case 0xbe:
	case 0xbf:
		insn->op = opcode < 0xb8 ? VMRUN_EMUL_MOVZX : VMRUN_EMUL_MOVSX;
		insn->dir = VMRUN_EMUL_READ;
		insn->size = opcode & 1 ? 2 : 1;
		insn->reg_dst = true;
		ret = decode_modrm(insn, c);
		set_modrm_reg(insn, insn->op_size);
		return ret;
	case 0xa3:
	case 0xab:
	case 0xb3:
	case 0xbb:
		/* BT, BTS, BTR, BTC Ev,Gv */
		insn->op = VMRUN_EMUL_BT + ((opcode >> 3) & 3);
		insn->dir = insn->op == VMRUN_EMUL_BT ? VMRUN_EMUL_READ
						      : VMRUN_EMUL_RMW;
		insn->size = insn->op_size;
		ret = decode_modrm(insn, c);
		set_modrm_reg(insn, insn->size);
		return ret;
	case 0xba:
		/* group 8: BT, BTS, BTR, BTC Ev,Ib as /4 to /7 */
		ret = decode_modrm(insn, c);
		if (ret)
			return ret;
		if (!(insn->modrm & 0x20))
			return -EOPNOTSUPP;	/* /0 to /3 raise #UD */
		insn->op = VMRUN_EMUL_BT + ((insn->modrm >> 3) & 3);
		insn->dir = insn->op == VMRUN_EMUL_BT ? VMRUN_EMUL_READ
						      : VMRUN_EMUL_RMW;
		insn->size = insn->op_size;
		insn->has_imm = true;
		return fetch(c, 1, &insn->imm);
	default:
		return -EOPNOTSUPP;
	}
}

/* The immediate of a ModRM form: imm8, or imm16/imm32 for the full size. */
static int decode_imm(struct vmrun_emul_insn *insn, struct emul_cursor *c,
		      bool imm8)
{
	insn->has_imm = true;
	if (imm8)
		return fetch_signed(c, 1, &insn->imm);
	return fetch_signed(c, insn->size == 2 ? 2 : 4, &insn->imm);
}

/* The one-byte opcode map. */
static int decode_1b(struct vmrun_emul_insn *insn, struct emul_cursor *c,
		     u8 opcode)
{
	bool byte_op = !(opcode & 1);
	unsigned int digit;
	int ret;

	insn->size = byte_op ? 1 : insn->op_size;
	switch (opcode) {
	case 0x00 ... 0x3f:
		/* ALU Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev; the rest is no access */
		if ((opcode & 7) > 3)
			return -EOPNOTSUPP;
		insn->op = opcode >> 3;
		insn->reg_dst = opcode & 2;
		if (insn->reg_dst || insn->op == VMRUN_EMUL_CMP)
			insn->dir = VMRUN_EMUL_READ;
		else
			insn->dir = VMRUN_EMUL_RMW;
		break;
	case 0x63:
		/*
		 * MOVSXD r64, r/m32. Without REX.W it is a 32- or 16-bit move
		 * that compilers do not emit, and outside 64-bit mode ARPL.
		 */
		if (insn->mode != VMRUN_EMUL_MODE64 || !(insn->rex & REX_W))
			return -EOPNOTSUPP;
		insn->op = VMRUN_EMUL_MOVSX;
		insn->dir = VMRUN_EMUL_READ;
		insn->size = 4;
		insn->reg_dst = true;
		break;
	case 0x80 ... 0x83:
		if (opcode == 0x82 && insn->mode == VMRUN_EMUL_MODE64)
			return -EINVAL;
		insn->size = opcode & 1 ? insn->op_size : 1;
		ret = decode_modrm(insn, c);
		if (ret)
			return ret;
		insn->op = (insn->modrm >> 3) & 7;
		insn->dir = insn->op == VMRUN_EMUL_CMP ? VMRUN_EMUL_READ
						       : VMRUN_EMUL_RMW;
		return decode_imm(insn, c, opcode != 0x81);
	case 0x84:
	case 0x85:
		insn->op = VMRUN_EMUL_TEST;
		insn->dir = VMRUN_EMUL_READ;
		break;
	case 0x86:
	case 0x87:
		insn->op = VMRUN_EMUL_XCHG;
		insn->dir = VMRUN_EMUL_RMW;
		break;
	case 0x88 ... 0x8b:
		insn->op = VMRUN_EMUL_MOV;
		insn->reg_dst = opcode & 2;
		insn->dir = insn->reg_dst ? VMRUN_EMUL_READ : VMRUN_EMUL_WRITE;
		break;
	case 0xa0 ... 0xa3:
		/* MOV AL/rAX <-> moffs: an address-size offset, no ModRM */
		insn->op = VMRUN_EMUL_MOV;
		insn->reg = VMRUN_EMUL_RAX;
		insn->reg_dst = !(opcode & 2);
		insn->dir = insn->reg_dst ? VMRUN_EMUL_READ : VMRUN_EMUL_WRITE;
		return fetch(c, insn->addr_size, &insn->disp);
	case 0xaa:
	case 0xab:
		/* STOS to ES:rDI, which no override changes */
		insn->op = VMRUN_EMUL_STOS;
		insn->dir = VMRUN_EMUL_WRITE;
		insn->reg = VMRUN_EMUL_RAX;
		insn->base = VMRUN_EMUL_RDI;
		insn->seg = VMRUN_EMUL_ES;
		return 0;
	case 0xc6:
	case 0xc7:
	case 0xf6:
	case 0xf7:
		/* MOV Eb/Ev,imm (/0); TEST Eb/Ev,imm (/0); others not ours */
		ret = decode_modrm(insn, c);
		if (ret)
			return ret;
		digit = (insn->modrm >> 3) & 7;
		if (digit)
			return -EOPNOTSUPP;
		insn->op = opcode < 0xf0 ? VMRUN_EMUL_MOV : VMRUN_EMUL_TEST;
		insn->dir = opcode < 0xf0 ? VMRUN_EMUL_WRITE : VMRUN_EMUL_READ;
		return decode_imm(insn, c, byte_op);
	default:
		return -EOPNOTSUPP;
	}
	/* the ModRM forms with a register operand */
	ret = decode_modrm(insn, c);
	set_modrm_reg(insn, insn->size);
	return ret;
}

int vmrun_emul_decode(struct vmrun_emul_insn *insn, const u8 *bytes,
		      unsigned int avail, enum vmrun_emul_mode mode)
{
	struct emul_cursor c = { .bytes = bytes, .avail = avail };
	bool opsize_prefix = false, addrsize_prefix = false;
	u64 b;
	u8 opcode;
	int ret;

	memset(insn, 0, sizeof(*insn));
	if (mode > VMRUN_EMUL_MODE64)
		return -EINVAL;
	insn->mode = mode;
	insn->reg = VMRUN_EMUL_NO_REG;
	insn->base = VMRUN_EMUL_NO_REG;
	insn->index = VMRUN_EMUL_NO_REG;
	insn->scale = 1;
	insn->seg = VMRUN_EMUL_DS;

	ret = decode_prefixes(insn, &c, &opsize_prefix, &addrsize_prefix,
			      &opcode);
	if (ret)
		return ret;

	switch (mode) {
	case VMRUN_EMUL_MODE16:
		insn->op_size = opsize_prefix ? 4 : 2;
		insn->addr_size = addrsize_prefix ? 4 : 2;
		break;
	case VMRUN_EMUL_MODE32:
		insn->op_size = opsize_prefix ? 2 : 4;
		insn->addr_size = addrsize_prefix ? 2 : 4;
		break;
	default:
		insn->op_size = insn->rex & REX_W ? 8 : opsize_prefix ? 2 : 4;
		insn->addr_size = addrsize_prefix ? 4 : 8;
		break;
	}

	if (opcode == 0x0f) {
		ret = fetch(&c, 1, &b);
		if (ret)
			return ret;
		insn->two_byte = true;
		insn->opcode = b;
		ret = decode_0f(insn, &c, insn->opcode);
	} else {
		insn->opcode = opcode;
		ret = decode_1b(insn, &c, opcode);
	}
	if (ret)
		return ret;

	if (insn->op != VMRUN_EMUL_MOVZX && insn->op != VMRUN_EMUL_MOVSX)
		insn->op_size = insn->size;
	/* LOCK is allowed on read-modify-write forms only (else #UD) */
	if (insn->lock && insn->dir != VMRUN_EMUL_RMW)
		return -EINVAL;
	/* only FS and GS overrides count in 64-bit mode */
	if (insn->seg_prefix && insn->op != VMRUN_EMUL_STOS &&
	    (insn->mode != VMRUN_EMUL_MODE64 || insn->seg_prefix >= 0x64))
		insn->seg = prefix_seg(insn->seg_prefix);
	insn->len = c.pos;
	return 0;
}
EXPORT_SYMBOL_GPL(vmrun_emul_decode);

static u64 get_reg(const struct vmrun_emul_regs *regs, unsigned int reg,
		   bool high, unsigned int size)
{
	if (high)
		return (regs->gpr[reg] >> 8) & 0xff;
	return regs->gpr[reg] & size_mask(size);
}

/*
 * Writes size bytes of a register: 8- and 16-bit writes keep the rest,
 * 32-bit writes zero-extend (the upper half is only visible in 64-bit
 * mode, where that is the rule).
 */
static void set_reg(struct vmrun_emul_regs *regs, unsigned int reg,
		    bool high, unsigned int size, u64 val)
{
	u64 *r = &regs->gpr[reg];
	u64 mask = size_mask(size);

	if (high)
		*r = (*r & ~0xff00ULL) | ((val & 0xff) << 8);
	else if (size == 4)
		*r = (u32)val;
	else
		*r = (*r & ~mask) | (val & mask);
}

/* The register or immediate operand, at the operation's size. */
static u64 src_value(const struct vmrun_emul_insn *insn,
		     const struct vmrun_emul_regs *regs)
{
	if (insn->has_imm)
		return insn->imm & size_mask(insn->size);
	return get_reg(regs, insn->reg, insn->reg_high, insn->size);
}

static bool parity_even(u64 v)
{
	u8 b = v;

	b ^= b >> 4;
	b ^= b >> 2;
	b ^= b >> 1;
	return !(b & 1);
}

/*
 * dst OP src on size bytes, with CF, PF, AF, ZF, SF and OF set in *rflags as
 * the SDM gives them. AF, undefined after AND/OR/XOR/TEST, is cleared.
 */
static u64 alu(unsigned int op, u64 dst, u64 src, unsigned int size,
	       u64 *rflags)
{
	u64 mask = size_mask(size), sign = 1ULL << (8 * size - 1);
	u64 carry = 0, res, f = 0;

	dst &= mask;
	src &= mask;
	if (op == VMRUN_EMUL_ADC || op == VMRUN_EMUL_SBB)
		carry = *rflags & VMRUN_EMUL_CF;
	switch (op) {
	case VMRUN_EMUL_ADD:
	case VMRUN_EMUL_ADC:
		res = (dst + src + carry) & mask;
		if (carry ? res <= dst : res < dst)
			f |= VMRUN_EMUL_CF;
		if ((dst ^ res) & (src ^ res) & sign)
			f |= VMRUN_EMUL_OF;
		f |= (dst ^ src ^ res) & VMRUN_EMUL_AF;
		break;
	case VMRUN_EMUL_SUB:
	case VMRUN_EMUL_SBB:
	case VMRUN_EMUL_CMP:
		res = (dst - src - carry) & mask;
		if (carry ? dst <= src : dst < src)
			f |= VMRUN_EMUL_CF;
		if ((dst ^ src) & (dst ^ res) & sign)
			f |= VMRUN_EMUL_OF;
		f |= (dst ^ src ^ res) & VMRUN_EMUL_AF;
		break;
	case VMRUN_EMUL_OR:
		res = dst | src;
		break;
	case VMRUN_EMUL_XOR:
		res = dst ^ src;
		break;
	default:	/* AND, TEST */
		res = dst & src;
		break;
	}
	if (!res)
		f |= VMRUN_EMUL_ZF;
	if (res & sign)
		f |= VMRUN_EMUL_SF;
	if (parity_even(res))
		f |= VMRUN_EMUL_PF;
	*rflags = (*rflags & ~VMRUN_EMUL_ARITH_FLAGS) | f;
	return res;
}

/* The bit a BT-family instruction selects within its operand. */
static unsigned int bit_index(const struct vmrun_emul_insn *insn,
			      const struct vmrun_emul_regs *regs)
{
	return src_value(insn, regs) & (8 * insn->size - 1);
}

u64 vmrun_emul_store_value(const struct vmrun_emul_insn *insn,
			   const struct vmrun_emul_regs *regs, u64 loaded)
{
	u64 rflags = regs->rflags, bit, val;

	if (insn->dir == VMRUN_EMUL_READ)
		return 0;
	switch (insn->op) {
	case VMRUN_EMUL_ADD ... VMRUN_EMUL_XOR:
		val = alu(insn->op, loaded, src_value(insn, regs), insn->size,
			  &rflags);
		break;
	case VMRUN_EMUL_BTS ... VMRUN_EMUL_BTC:
		bit = 1ULL << bit_index(insn, regs);
		if (insn->op == VMRUN_EMUL_BTS)
			val = loaded | bit;
		else if (insn->op == VMRUN_EMUL_BTR)
			val = loaded & ~bit;
		else
			val = loaded ^ bit;
		break;
	case VMRUN_EMUL_MOV:
	case VMRUN_EMUL_XCHG:
		val = src_value(insn, regs);
		break;
	case VMRUN_EMUL_STOS:
		val = regs->gpr[VMRUN_EMUL_RAX];
		break;
	default:
		return 0;
	}
	return val & size_mask(insn->size);
}
EXPORT_SYMBOL_GPL(vmrun_emul_store_value);

/*
 * One element of STOS: rDI (and rCX for REP) move on at the address size.
 * Returns true when the instruction is done and RIP may advance.
 */
static bool stos_step(const struct vmrun_emul_insn *insn,
		      struct vmrun_emul_regs *regs)
{
	unsigned int as = insn->addr_size;
	u64 step = insn->size, count = 0;

	if (insn->rep) {
		count = get_reg(regs, VMRUN_EMUL_RCX, false, as);
		if (!count)
			return true;
	}
	if (regs->rflags & VMRUN_EMUL_DF)
		step = -step;
	set_reg(regs, VMRUN_EMUL_RDI, false, as,
		regs->gpr[VMRUN_EMUL_RDI] + step);
	if (!insn->rep)
		return true;
	set_reg(regs, VMRUN_EMUL_RCX, false, as, count - 1);
	return count == 1;
}

void vmrun_emul_complete(const struct vmrun_emul_insn *insn,
			 struct vmrun_emul_regs *regs, u64 loaded)
{
	unsigned int size = insn->size;
	u64 bit, res;

	loaded &= size_mask(size);
	switch (insn->op) {
	case VMRUN_EMUL_ADD ... VMRUN_EMUL_CMP:
		if (!insn->reg_dst) {
			/* the memory result went out by the write exit */
			alu(insn->op, loaded, src_value(insn, regs), size,
			    &regs->rflags);
			break;
		}
		res = alu(insn->op, src_value(insn, regs), loaded, size,
			  &regs->rflags);
		if (insn->op != VMRUN_EMUL_CMP)
			set_reg(regs, insn->reg, insn->reg_high, size, res);
		break;
	case VMRUN_EMUL_TEST:
		alu(VMRUN_EMUL_AND, loaded, src_value(insn, regs), size,
		    &regs->rflags);
		break;
	case VMRUN_EMUL_BT ... VMRUN_EMUL_BTC:
		/* CF only: ZF is kept, OF SF AF PF (undefined) as well */
		bit = (loaded >> bit_index(insn, regs)) & 1;
		regs->rflags = (regs->rflags & ~VMRUN_EMUL_CF) | bit;
		break;
	case VMRUN_EMUL_MOV:
	case VMRUN_EMUL_XCHG:
		if (insn->dir != VMRUN_EMUL_WRITE)
			set_reg(regs, insn->reg, insn->reg_high, size, loaded);
		break;
	case VMRUN_EMUL_MOVZX:
		set_reg(regs, insn->reg, false, insn->op_size, loaded);
		break;
	case VMRUN_EMUL_MOVSX:
		set_reg(regs, insn->reg, false, insn->op_size,
			sign_extend(loaded, size));
		break;
	case VMRUN_EMUL_STOS:
		if (!stos_step(insn, regs))
			return;
		break;
	}
	switch (insn->mode) {
	case VMRUN_EMUL_MODE16:
		regs->rip = (regs->rip + insn->len) & 0xffff;
		break;
	case VMRUN_EMUL_MODE32:
		regs->rip = (regs->rip + insn->len) & 0xffffffff;
		break;
	default:
		regs->rip += insn->len;
		break;
	}
}
EXPORT_SYMBOL_GPL(vmrun_emul_complete);

u64 vmrun_emul_ea(const struct vmrun_emul_insn *insn,
		  const struct vmrun_emul_regs *regs)
{
	u64 ea = insn->disp;
	s64 offset;

	if (insn->base != VMRUN_EMUL_NO_REG)
		ea += regs->gpr[insn->base];
	if (insn->index != VMRUN_EMUL_NO_REG)
		ea += regs->gpr[insn->index] * insn->scale;
	if (insn->rip_rel)
		ea += regs->rip + insn->len;
	if (insn->op >= VMRUN_EMUL_BT && insn->op <= VMRUN_EMUL_BTC &&
	    !insn->has_imm) {
		/* a register bit offset is signed and may leave the operand */
		offset = sign_extend(src_value(insn, regs), insn->size);
		ea += (offset >> (3 + __builtin_ctz(insn->size))) * insn->size;
	}
	return ea & size_mask(insn->addr_size);
}
EXPORT_SYMBOL_GPL(vmrun_emul_ea);

u64 vmrun_emul_linear(const struct vmrun_emul_insn *insn,
		      const struct vmrun_emul_regs *regs,
		      const u64 seg_base[VMRUN_EMUL_NR_SEGS])
{
	u64 ea = vmrun_emul_ea(insn, regs);

	if (insn->mode != VMRUN_EMUL_MODE64)
		return (seg_base[insn->seg] + ea) & 0xffffffff;
	if (insn->seg == VMRUN_EMUL_FS || insn->seg == VMRUN_EMUL_GS)
		return seg_base[insn->seg] + ea;
	return ea;
}
EXPORT_SYMBOL_GPL(vmrun_emul_linear);
