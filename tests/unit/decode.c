// SPDX-License-Identifier: GPL-2.0-only
/*
 * Decoder rules the corpus cannot show through objdump's text: which of
 * several prefixes counts, REX placement, default segments, the 15-byte
 * limit, the address helpers, and the mode helper. The bytes are written
 * out here; each is a short, well-known encoding named in its comment.
 */
#include <errno.h>
#include <string.h>

#include "unit.h"

#define M16 VMRUN_EMUL_MODE16
#define M32 VMRUN_EMUL_MODE32
#define M64 VMRUN_EMUL_MODE64
#define NO VMRUN_EMUL_NO_REG

#define B(...) (const uint8_t[]){ __VA_ARGS__ }, \
	       sizeof((const uint8_t[]){ __VA_ARGS__ })

static struct vmrun_emul_insn insn;

/* Opens a case and decodes; true if the decoder returned want. */
static bool dec(const char *name, enum vmrun_emul_mode mode,
		const uint8_t *bytes, unsigned int n, int want)
{
	int ret;

	unit_begin("decode %s", name);
	ret = vmrun_emul_decode(&insn, bytes, n, mode);
	return EXPECT(ret == want, "returned %d, want %d", ret, want);
}

static void test_prefixes(void)
{
	/* REX then 0x66: the REX is void, the 0x66 counts */
	if (dec("REX.W before 0x66 is ignored", M64, B(0x48, 0x66, 0x89, 0x00), 0))
		EXPECT(insn.len == 4 && insn.size == 2 && !insn.rex,
		       "len %u size %u rex %#x", insn.len, insn.size, insn.rex);
	/* two REX: the last one counts */
	if (dec("second REX wins", M64, B(0x41, 0x48, 0x89, 0x00), 0))
		EXPECT(insn.rex == 0x48 && insn.size == 8 && insn.base == 0,
		       "rex %#x size %u base %u", insn.rex, insn.size,
		       insn.base);
	/* mov [rax], ah / spl / r12b */
	if (dec("no REX: reg 4 is AH", M64, B(0x88, 0x20), 0))
		EXPECT(insn.reg == 0 && insn.reg_high, "reg %u", insn.reg);
	if (dec("REX 0x40: reg 4 is SPL", M64, B(0x40, 0x88, 0x20), 0))
		EXPECT(insn.reg == 4 && !insn.reg_high, "reg %u", insn.reg);
	if (dec("REX.R: reg 12 is R12B", M64, B(0x44, 0x88, 0x20), 0))
		EXPECT(insn.reg == 12 && !insn.reg_high, "reg %u", insn.reg);
	dec("0x40 outside 64-bit is INC", M32, B(0x40, 0x88, 0x20),
	    -EOPNOTSUPP);
	/* 0x66 and REX.W on a byte operation change nothing */
	if (dec("0x66 on a byte store", M32, B(0x66, 0x88, 0x00), 0))
		EXPECT(insn.size == 1 && insn.op_size == 1, "size %u",
		       insn.size);
	if (dec("REX.W on a byte store", M64, B(0x48, 0x88, 0x00), 0))
		EXPECT(insn.size == 1, "size %u", insn.size);
	/* F3 on a plain store (XRELEASE): accepted, reported */
	if (dec("F3 on MOV", M64, B(0xf3, 0x89, 0x00), 0))
		EXPECT(insn.rep == 0xf3 && insn.op == VMRUN_EMUL_MOV,
		       "rep %#x", insn.rep);
	if (dec("F2 then F3: F3 counts", M64, B(0xf2, 0xf3, 0xaa), 0))
		EXPECT(insn.rep == 0xf3, "rep %#x", insn.rep);
	if (dec("LOCK XCHG", M32, B(0xf0, 0x87, 0x00), 0))
		EXPECT(insn.lock && insn.dir == VMRUN_EMUL_RMW, "lock %d",
		       insn.lock);
	dec("LOCK on a register XCHG", M32, B(0xf0, 0x87, 0xc0), -EINVAL);
	dec("LOCK MOVZX", M32, B(0xf0, 0x0f, 0xb6, 0x00), -EINVAL);
}

static void test_segments(void)
{
	if (dec("last segment override wins", M32, B(0x64, 0x65, 0x8b, 0x00), 0))
		EXPECT(insn.seg == VMRUN_EMUL_GS && insn.seg_prefix == 0x65,
		       "seg %u prefix %#x", insn.seg, insn.seg_prefix);
	if (dec("ES override in 32-bit", M32, B(0x26, 0x8b, 0x00), 0))
		EXPECT(insn.seg == VMRUN_EMUL_ES, "seg %u", insn.seg);
	if (dec("ES override ignored in 64-bit", M64, B(0x26, 0x8b, 0x00), 0))
		EXPECT(insn.seg == VMRUN_EMUL_DS && insn.seg_prefix == 0x26,
		       "seg %u prefix %#x", insn.seg, insn.seg_prefix);
	if (dec("FS override in 64-bit", M64, B(0x64, 0x8b, 0x00), 0))
		EXPECT(insn.seg == VMRUN_EMUL_FS, "seg %u", insn.seg);
	/* mov eax, [ebp+8] / [esp] / ds:[ebp+8] */
	if (dec("[ebp+8] defaults to SS", M32, B(0x8b, 0x45, 0x08), 0))
		EXPECT(insn.seg == VMRUN_EMUL_SS, "seg %u", insn.seg);
	if (dec("[esp] defaults to SS", M32, B(0x8b, 0x04, 0x24), 0))
		EXPECT(insn.seg == VMRUN_EMUL_SS && insn.base == 4,
		       "seg %u", insn.seg);
	if (dec("DS override on [ebp+8]", M32, B(0x3e, 0x8b, 0x45, 0x08), 0))
		EXPECT(insn.seg == VMRUN_EMUL_DS, "seg %u", insn.seg);
	/* mov ax, [bp+si] */
	if (dec("[bp+si] defaults to SS", M16, B(0x8b, 0x02), 0))
		EXPECT(insn.seg == VMRUN_EMUL_SS && insn.base == 5 &&
		       insn.index == 6, "seg %u", insn.seg);
	/* mov eax, [r13+8]: not rBP */
	if (dec("[r13+8] is DS", M64, B(0x41, 0x8b, 0x45, 0x08), 0))
		EXPECT(insn.seg == VMRUN_EMUL_DS && insn.base == 13,
		       "seg %u base %u", insn.seg, insn.base);
	/* stos with an FS override still writes ES:rDI */
	if (dec("STOS ignores FS", M64, B(0x64, 0xaa), 0))
		EXPECT(insn.seg == VMRUN_EMUL_ES && insn.seg_prefix == 0x64,
		       "seg %u", insn.seg);
}

static void test_addressing(void)
{
	/* mov eax, [disp32] through SIB: no base, no index */
	if (dec("SIB disp32 absolute", M64,
		B(0x8b, 0x04, 0x25, 0x78, 0x56, 0x34, 0x12), 0))
		EXPECT(insn.base == NO && insn.index == NO && !insn.rip_rel &&
		       insn.disp == 0x12345678, "base %u index %u",
		       insn.base, insn.index);
	/* REX.B does not make SIB base 5 with mod 0 into r13 */
	if (dec("SIB base 5, mod 0, REX.B: still no base", M64,
		B(0x41, 0x8b, 0x04, 0x25, 0x78, 0x56, 0x34, 0x12), 0))
		EXPECT(insn.base == NO && insn.len == 8, "base %u",
		       insn.base);
	/* REX.X makes index 4 into r12, which exists */
	if (dec("REX.X index 4 is r12", M64,
		B(0x42, 0x8b, 0x04, 0x25, 0x78, 0x56, 0x34, 0x12), 0))
		EXPECT(insn.index == 12 && insn.scale == 1, "index %u",
		       insn.index);
	/* mod 0 rm 5: disp32 in 32-bit, RIP-relative in 64-bit */
	if (dec("mod 0 rm 5 in 32-bit", M32,
		B(0x8b, 0x05, 0x78, 0x56, 0x34, 0x12), 0))
		EXPECT(!insn.rip_rel && insn.base == NO, "rip_rel %d",
		       insn.rip_rel);
	if (dec("mod 0 rm 5 in 64-bit", M64,
		B(0x8b, 0x05, 0x78, 0x56, 0x34, 0x12), 0))
		EXPECT(insn.rip_rel && insn.base == NO, "rip_rel %d",
		       insn.rip_rel);
	/* mov eax, [rip+disp] with 0x67: wraps at 4 GiB */
	if (dec("EIP-relative wraps", M64,
		B(0x67, 0x8b, 0x05, 0xf0, 0xff, 0xff, 0xff), 0)) {
		struct vmrun_emul_regs regs = { .rip = 0xfffffff0 };

		EXPECT(vmrun_emul_ea(&insn, &regs) == 0xffffffe7,
		       "ea %#llx",
		       (unsigned long long)vmrun_emul_ea(&insn, &regs));
	}
	/* 16-bit: [bx+si+0x7fff] wraps at 64 KiB */
	if (dec("16-bit EA wraps", M16, B(0x8b, 0x80, 0xff, 0x7f), 0)) {
		struct vmrun_emul_regs regs = { .gpr = { [3] = 0x1234ffff,
							 [6] = 0x8002 } };

		EXPECT(vmrun_emul_ea(&insn, &regs) == 0x0000,
		       "ea %#llx",
		       (unsigned long long)vmrun_emul_ea(&insn, &regs));
	}
	/* bt [rax], cx with CX = -16: the word two bytes below */
	if (dec("BT negative 16-bit offset", M64, B(0x66, 0x0f, 0xa3, 0x08), 0)) {
		struct vmrun_emul_regs regs = { .gpr = { [0] = 0x1000,
							 [1] = 0x5555fff0 } };

		EXPECT(vmrun_emul_ea(&insn, &regs) == 0xffe, "ea %#llx",
		       (unsigned long long)vmrun_emul_ea(&insn, &regs));
	}
	/* mov eax, moffs32 with 0x67 in 64-bit: 4-byte offset */
	if (dec("moffs with 0x67 in 64-bit", M64,
		B(0x67, 0xa1, 0x78, 0x56, 0x34, 0x12), 0))
		EXPECT(insn.len == 6 && insn.addr_size == 4 &&
		       insn.disp == 0x12345678, "len %u", insn.len);
}

static void test_linear(void)
{
	const uint64_t bases[VMRUN_EMUL_NR_SEGS] = {
		[VMRUN_EMUL_ES] = 0xfffff000, [VMRUN_EMUL_SS] = 0x20000,
		[VMRUN_EMUL_DS] = 0x12340, [VMRUN_EMUL_FS] = 0x7000,
		[VMRUN_EMUL_GS] = 0xffff800000000000ULL,
	};
	struct vmrun_emul_regs regs = { .gpr = { [0] = 0x2000, [3] = 0x10,
						 [5] = 0x20 } };

	if (dec("linear: FS base in 64-bit", M64, B(0x64, 0x8b, 0x00), 0))
		EXPECT(vmrun_emul_linear(&insn, &regs, bases) == 0x9000,
		       "%#llx", (unsigned long long)
		       vmrun_emul_linear(&insn, &regs, bases));
	if (dec("linear: GS base in 64-bit", M64, B(0x65, 0x8b, 0x00), 0))
		EXPECT(vmrun_emul_linear(&insn, &regs, bases) ==
		       0xffff800000002000ULL, "%#llx", (unsigned long long)
		       vmrun_emul_linear(&insn, &regs, bases));
	if (dec("linear: DS base not used in 64-bit", M64, B(0x8b, 0x00), 0))
		EXPECT(vmrun_emul_linear(&insn, &regs, bases) == 0x2000,
		       "%#llx", (unsigned long long)
		       vmrun_emul_linear(&insn, &regs, bases));
	if (dec("linear: ES base wraps in 32-bit", M32, B(0x26, 0x8b, 0x00), 0))
		EXPECT(vmrun_emul_linear(&insn, &regs, bases) == 0x1000,
		       "%#llx", (unsigned long long)
		       vmrun_emul_linear(&insn, &regs, bases));
	/* mov ax, [bx] / mov ax, [bp+0] in real mode */
	if (dec("linear: real-mode DS", M16, B(0x8b, 0x07), 0))
		EXPECT(vmrun_emul_linear(&insn, &regs, bases) == 0x12350,
		       "%#llx", (unsigned long long)
		       vmrun_emul_linear(&insn, &regs, bases));
	if (dec("linear: real-mode SS for [bp]", M16, B(0x8b, 0x46, 0x00), 0))
		EXPECT(vmrun_emul_linear(&insn, &regs, bases) == 0x20020,
		       "%#llx", (unsigned long long)
		       vmrun_emul_linear(&insn, &regs, bases));
}

static void test_limits(void)
{
	uint8_t buf[20];

	dec("no bytes", M64, buf, 0, -ENODATA);
	dec("bad mode", (enum vmrun_emul_mode)3, B(0x8b, 0x00), -EINVAL);
	/* 3 DS overrides + add qword [rax+rcx*8+disp32], imm32: 15 bytes */
	if (dec("15 bytes", M64, B(0x3e, 0x3e, 0x3e, 0x48, 0x81, 0x84, 0xc8,
				   1, 2, 3, 4, 5, 6, 7, 8), 0))
		EXPECT(insn.len == 15, "len %u", insn.len);
	dec("16 bytes, 15 given", M64, B(0x3e, 0x3e, 0x3e, 0x3e, 0x48, 0x81,
					 0x84, 0xc8, 1, 2, 3, 4, 5, 6, 7),
	    -EINVAL);
	memset(buf, 0x3e, sizeof(buf));
	dec("20 prefixes", M64, buf, sizeof(buf), -EINVAL);
	dec("prefixes only, cut short", M64, buf, 5, -ENODATA);
	dec("MOVSXD without REX.W", M64, B(0x63, 0x00), -EOPNOTSUPP);
	dec("ARPL", M32, B(0x63, 0x00), -EOPNOTSUPP);
	if (dec("0x82 in 32-bit", M32, B(0x82, 0x00, 0x01), 0))
		EXPECT(insn.op == VMRUN_EMUL_ADD && insn.size == 1, "op %u",
		       insn.op);
	dec("0x82 in 64-bit", M64, B(0x82, 0x00, 0x01), -EINVAL);
	dec("register form", M64, B(0x89, 0xc0), -EINVAL);
}

static void test_exec_edges(void)
{
	struct vmrun_emul_regs regs = { .rip = 0x100, .rflags = 0x2 };

	/* rep stosb with rCX = 0 stores nothing and only moves RIP on */
	if (dec("REP STOS with count 0", M64, B(0xf3, 0xaa), 0)) {
		regs.gpr[7] = 0x5000;
		vmrun_emul_complete(&insn, &regs, 0);
		EXPECT(regs.rip == 0x102 && regs.gpr[7] == 0x5000 &&
		       regs.gpr[1] == 0, "rip %#llx rdi %#llx",
		       (unsigned long long)regs.rip,
		       (unsigned long long)regs.gpr[7]);
	}
	/* a load has nothing to store */
	if (dec("store_value of a load", M64, B(0x8b, 0x00), 0))
		EXPECT(vmrun_emul_store_value(&insn, &regs, 0x1234) == 0,
		       "not 0");
}

static void test_cpu_mode(void)
{
	unit_begin("decode vmrun_emul_cpu_mode");
	EXPECT(vmrun_emul_cpu_mode(false, false, false, false, false) == M16,
	       "real mode");
	EXPECT(vmrun_emul_cpu_mode(false, false, false, false, true) == M16,
	       "real mode, CS.D set");
	EXPECT(vmrun_emul_cpu_mode(true, true, false, false, false) == M16,
	       "virtual-8086");
	EXPECT(vmrun_emul_cpu_mode(true, false, false, false, false) == M16,
	       "16-bit protected");
	EXPECT(vmrun_emul_cpu_mode(true, false, false, false, true) == M32,
	       "32-bit protected");
	EXPECT(vmrun_emul_cpu_mode(true, false, true, false, true) == M32,
	       "compatibility mode");
	EXPECT(vmrun_emul_cpu_mode(true, false, true, true, false) == M64,
	       "64-bit");
	EXPECT(vmrun_emul_cpu_mode(true, false, false, true, true) == M32,
	       "CS.L without LMA");
}

void test_decode(void)
{
	test_prefixes();
	test_segments();
	test_addressing();
	test_linear();
	test_limits();
	test_exec_edges();
	test_cpu_mode();
}
