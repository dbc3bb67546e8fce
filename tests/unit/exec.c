// SPDX-License-Identifier: GPL-2.0-only
/*
 * Execution tests: the instructions of sem.S, decoded, then run through the
 * exit flow a backend follows (store_value for the write exit, complete after
 * the last exit) on a register file where every GPR holds a distinct value.
 * Each case states the registers it sets, the value the device returns, and
 * what must come out: the access direction and size, the value stored, the
 * registers that change (every other one must not), the whole of RFLAGS,
 * RIP and, where given, the effective address.
 */
#include <stdio.h>
#include <string.h>

#include "unit.h"

struct sem_insn {
	const char *name;
	const uint8_t *bytes;
	uint32_t len;
	uint32_t mode;
};

extern const struct sem_insn sem_insns[], sem_insns_end[];

/* Register names of the table; 0 ends a list (and is what an unused one
 * holds), so that gpr[] index n is n + 1 here.
 */
enum { END, RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
       R8, R9, R10, R11, R12, R13, R14, R15, RIP };

#define CF VMRUN_EMUL_CF
#define PF VMRUN_EMUL_PF
#define AF VMRUN_EMUL_AF
#define ZF VMRUN_EMUL_ZF
#define SF VMRUN_EMUL_SF
#define DF VMRUN_EMUL_DF
#define OF VMRUN_EMUL_OF
#define F0 0x202ULL		/* IF and the fixed bit: must survive */

#define R VMRUN_EMUL_READ
#define W VMRUN_EMUL_WRITE
#define RMW VMRUN_EMUL_RMW

/* The device's answer: garbage above the access size must be ignored. */
#define LOADED 0xdeadbeefcafef00dULL
#define LOADED_NEG 0xdeadbeefcafef08dULL
#define X64 0x1122334455667788ULL

struct reg_val {
	int reg;
	uint64_t val;
};

struct exec_case {
	const char *insn;
	unsigned int dir, size;
	uint64_t loaded;		/* READ, RMW */
	uint64_t store;			/* WRITE, RMW */
	struct reg_val in[4];		/* END-terminated if shorter */
	uint64_t flags_in;		/* F0 if 0 */
	struct reg_val out[4];		/* registers that change; RIP if not
					 * start + length
					 */
	uint64_t flags_out;		/* flags_in if 0 */
	bool has_ea;
	uint64_t ea;
};

#define IN(...) .in = { __VA_ARGS__ }
#define OUT(...) .out = { __VA_ARGS__ }
#define EA(x) .has_ea = true, .ea = (x)

static const struct exec_case cases[] = {
	/* 64-bit stores */
	{ "st8_al", W, 1, .store = 0x88, IN({ RAX, X64 }) },
	{ "st8_ah", W, 1, .store = 0x77, IN({ RAX, X64 }) },
	{ "st8_bh", W, 1, .store = 0x42, IN({ RBX, 0x4200 }, { RAX, 0x1000 }),
	  EA(0x1010) },
	{ "st8_sil", W, 1, .store = 0xab, IN({ RSI, 0x12ab }) },
	{ "st8_r9b", W, 1, .store = 0x78, IN({ R9, 0x12345678 }) },
	{ "st16", W, 2, .store = 0x7788, IN({ RAX, X64 }) },
	{ "st16_r10w", W, 2, .store = 0x8001,
	  IN({ R10, 0xffffffffffff8001ULL }) },
	{ "st32", W, 4, .store = 0x55667788, IN({ RAX, X64 }) },
	{ "st64", W, 8, .store = X64, IN({ RAX, X64 }) },
	{ "st64_r15", W, 8, .store = 0xdeadbeefcafef00dULL,
	  IN({ R15, 0xdeadbeefcafef00dULL }, { R8, 0x1000 }, { R9, 0x10 }),
	  EA(0x123466b8) },
	{ "st8_imm", W, 1, .store = 0x80 },
	{ "st16_imm", W, 2, .store = 0x8001 },
	{ "st32_imm", W, 4, .store = 0x89abcdef },
	{ "st64_imm_neg", W, 8, .store = 0xfffffffffffffffeULL },
	{ "st64_imm_pos", W, 8, .store = 0x7fffffff },
	{ "st_moffs64", W, 8, .store = X64, IN({ RAX, X64 }),
	  EA(0x1122334455667788ULL) },
	{ "st_moffs32_fs", W, 4, .store = 0x55667788, IN({ RAX, X64 }),
	  EA(0x10) },

	/* 64-bit loads: 8/16-bit keep the rest, 32-bit zero-extends */
	{ "ld8_al", R, 1, LOADED, IN({ RAX, X64 }),
	  OUT({ RAX, 0x112233445566770dULL }) },
	{ "ld8_ah", R, 1, LOADED, IN({ RAX, X64 }),
	  OUT({ RAX, 0x1122334455660d88ULL }) },
	{ "ld8_dh", R, 1, LOADED, IN({ RDX, X64 }),
	  OUT({ RDX, 0x1122334455660d88ULL }) },
	{ "ld8_sil", R, 1, LOADED, IN({ RSI, X64 }),
	  OUT({ RSI, 0x112233445566770dULL }) },
	{ "ld8_r10b", R, 1, LOADED, IN({ R10, X64 }),
	  OUT({ R10, 0x112233445566770dULL }) },
	{ "ld16", R, 2, LOADED, IN({ RCX, X64 }),
	  OUT({ RCX, 0x112233445566f00dULL }) },
	{ "ld32", R, 4, LOADED, IN({ RDX, X64 }), OUT({ RDX, 0xcafef00d }) },
	{ "ld32_r13d", R, 4, LOADED, IN({ R13, X64 }),
	  OUT({ R13, 0xcafef00d }) },
	{ "ld64", R, 8, LOADED, OUT({ R11, LOADED }) },
	{ "ld_moffs8", R, 1, LOADED, IN({ RAX, X64 }),
	  OUT({ RAX, 0x112233445566770dULL }), EA(0x1122334455667788ULL) },
	{ "ld_rip", R, 4, LOADED, IN({ RIP, 0x401000 }),
	  OUT({ RSI, 0xcafef00d }), EA(0x401016) },
	{ "ld_gs", R, 8, LOADED, OUT({ RAX, LOADED }), EA(0x28) },
	{ "ld_es_ignored", R, 4, LOADED, IN({ RDX, 0x2000 }),
	  OUT({ RAX, 0xcafef00d }), EA(0x2008) },

	/* 64-bit zero and sign extension, from a negative value */
	{ "movzbw", R, 1, LOADED_NEG, IN({ RAX, X64 }),
	  OUT({ RAX, 0x112233445566008dULL }) },
	{ "movzbl", R, 1, LOADED_NEG, IN({ RAX, X64 }), OUT({ RAX, 0x8d }) },
	{ "movzbq", R, 1, LOADED_NEG, OUT({ R8, 0x8d }) },
	{ "movzwl", R, 2, LOADED_NEG, OUT({ RCX, 0xf08d }) },
	{ "movzwq", R, 2, LOADED_NEG, OUT({ RCX, 0xf08d }) },
	{ "movsbw", R, 1, LOADED_NEG, IN({ RAX, X64 }),
	  OUT({ RAX, 0x112233445566ff8dULL }) },
	{ "movsbl", R, 1, LOADED_NEG, IN({ RAX, X64 }),
	  OUT({ RAX, 0xffffff8d }) },
	{ "movsbq", R, 1, LOADED_NEG, OUT({ RDI, 0xffffffffffffff8dULL }) },
	{ "movsbq", R, 1, 0x12345, OUT({ RDI, 0x45 }) },
	{ "movswl", R, 2, LOADED_NEG, OUT({ RSI, 0xfffff08d }) },
	{ "movswq", R, 2, LOADED_NEG, OUT({ R14, 0xfffffffffffff08dULL }) },
	{ "movslq", R, 4, LOADED_NEG, OUT({ RDX, 0xffffffffcafef08dULL }) },
	{ "movslq", R, 4, 0xffffffff7ffffff0ULL, OUT({ RDX, 0x7ffffff0 }) },

	/* 64-bit ALU */
	{ "add32_mr", RMW, 4, 0xffffffff, 0, IN({ RCX, 0xaaaaaaaa00000001ULL }),
	  F0 | SF | OF, .flags_out = F0 | CF | ZF | PF | AF },
	{ "add8_imm", RMW, 1, 0x7f, 0x80, .flags_in = F0 | CF | ZF | PF,
	  .flags_out = F0 | OF | SF | AF },
	{ "sub16_rm", R, 2, 0x0002, IN({ RDX, 0xffffffffffff0001ULL }),
	  OUT({ RDX, 0xffffffffffffffffULL }),
	  .flags_out = F0 | CF | SF | AF | PF },
	{ "cmp64_imm8", R, 8, 0xffffffffffffffffULL,
	  .flags_in = F0 | CF | SF | OF | AF, .flags_out = F0 | ZF | PF },
	{ "cmp8_rm_bh", R, 1, 0x01, IN({ RBX, 0x8000 }),
	  .flags_out = F0 | OF | AF },
	{ "lock_or32", RMW, 4, 0x7fffff00, 0x7fffff80,
	  .flags_in = F0 | CF | OF | AF | ZF, .flags_out = F0 },
	{ "xor8_ah", RMW, 1, 0x0f, 0xf0, IN({ RAX, 0xff00 }),
	  .flags_out = F0 | SF | PF },
	{ "and64_rm", R, 8, 0x0ff00ff00ff00ff0ULL,
	  IN({ R12, 0xff00ff00ff00ff00ULL }),
	  OUT({ R12, 0x0f000f000f000f00ULL }), .flags_out = F0 | PF },
	{ "adc32_imm0", RMW, 4, 0xffffffff, 0, .flags_in = F0 | CF,
	  .flags_out = F0 | CF | ZF | PF | AF },
	{ "adc32_imm0", RMW, 4, 0xffffffff, 0xffffffff, .flags_in = F0,
	  .flags_out = F0 | SF | PF },
	{ "sbb8_cl", RMW, 1, 0x00, 0xff, IN({ RCX, 0x1200 }), F0 | CF,
	  .flags_out = F0 | CF | SF | PF | AF },
	{ "sub64_imm8", RMW, 8, 0x7fffffffffffffffULL, 0x8000000000000000ULL,
	  .flags_out = F0 | OF | SF | CF | PF },
	{ "and32_imm32", RMW, 4, 0x12345678, 0x5670, .flags_in = F0 | AF | CF,
	  .flags_out = F0 },
	{ "or16_rm", R, 2, 0x8000, IN({ RSI, 0xaaaaaaaaaaaa0000ULL }),
	  OUT({ RSI, 0xaaaaaaaaaaaa8000ULL }), .flags_out = F0 | SF | PF },
	{ "add32_rm", R, 4, 1, IN({ R9, 0xffffffff7fffffffULL }),
	  OUT({ R9, 0x80000000 }), .flags_out = F0 | OF | SF | AF | PF },
	{ "test32_imm", R, 4, 0x80000001, .flags_in = F0 | CF | OF,
	  .flags_out = F0 | SF | PF },
	{ "test8_cl", R, 1, 0xf0, IN({ RCX, 0x0f }), .flags_out = F0 | ZF | PF },
	{ "test64_rm", R, 8, 0x8000000000000000ULL,
	  IN({ RDX, 0x8000000000000000ULL }), .flags_out = F0 | SF | PF },

	/* XCHG: the register gets the old memory value, flags untouched */
	{ "xchg32", RMW, 4, LOADED, 0x11223344,
	  IN({ RCX, 0xaaaaaaaa11223344ULL }), F0 | CF | ZF,
	  OUT({ RCX, 0xcafef00d }) },
	{ "xchg8_ah", RMW, 1, LOADED, 0x77, IN({ RAX, X64 }),
	  OUT({ RAX, 0x1122334455660d88ULL }) },
	{ "xchg64_lock", RMW, 8, LOADED, 0x0123456789abcdefULL,
	  IN({ R8, 0x0123456789abcdefULL }), OUT({ R8, LOADED }) },

	/* bit tests: CF only, the other flags kept */
	{ "bt32_imm", R, 4, 0x20, IN({ RAX, 0x3000 }),
	  F0 | ZF | SF | OF | AF | PF,
	  .flags_out = F0 | ZF | SF | OF | AF | PF | CF, EA(0x3000) },
	{ "bt64_reg", R, 8, 0x8, IN({ RCX, 67 }, { RBX, 0x1000 }),
	  .flags_out = F0 | CF, EA(0x1008) },
	{ "bts16_imm", RMW, 2, 0x0001, 0x0003, .flags_in = F0 | CF,
	  .flags_out = F0 },
	{ "btr32_reg_neg", RMW, 4, 0x80000001, 0x00000001,
	  IN({ RCX, 0xffffffffffffffffULL }, { RBX, 0x1000 }),
	  .flags_out = F0 | CF, EA(0xffc) },
	{ "btc64_imm", RMW, 8, 0, 0x8000000000000000ULL, .flags_in = F0 | CF,
	  .flags_out = F0 },

	/* STOS: rDI moves by the size, down with DF; REP one element a call */
	{ "stosb", W, 1, .store = 0x88, IN({ RAX, X64 }, { RDI, 0x2000 }),
	  OUT({ RDI, 0x2001 }), EA(0x2000) },
	{ "stosq", W, 8, .store = X64, IN({ RAX, X64 }, { RDI, 0x2000 }),
	  F0 | DF, OUT({ RDI, 0x1ff8 }) },
	{ "rep_stosl", W, 4, .store = 0x55667788,
	  IN({ RAX, X64 }, { RDI, 0x2000 }, { RCX, 3 }),
	  OUT({ RDI, 0x2004 }, { RCX, 2 }, { RIP, 0x1000 }) },
	{ "rep_stosl", W, 4, .store = 0x55667788,
	  IN({ RAX, X64 }, { RDI, 0x2000 }, { RCX, 1 }),
	  OUT({ RDI, 0x2004 }, { RCX, 0 }) },
	{ "addr32_rep_stosw", W, 2, .store = 0x7788,
	  IN({ RAX, X64 }, { RDI, 0x1fffffffeULL },
	     { RCX, 0xffffffff00000005ULL }),
	  OUT({ RDI, 0 }, { RCX, 4 }, { RIP, 0x1000 }), EA(0xfffffffe) },

	/* 32-bit mode */
	{ "p32_ld8_ah", R, 1, LOADED, IN({ RAX, 0x55667788 }),
	  OUT({ RAX, 0x55660d88 }) },
	{ "p32_ld32", R, 4, LOADED, IN({ RAX, 0xffffffff00000000ULL }),
	  OUT({ RAX, 0xcafef00d }) },
	{ "p32_st16", W, 2, .store = 0x7788, IN({ RAX, X64 }) },
	{ "p32_add_imm", RMW, 4, 0x7fffffff, 0x80000000,
	  IN({ RIP, 0xfffffffe }), OUT({ RIP, 1 }),
	  .flags_out = F0 | OF | SF | AF | PF },
	{ "p32_moffs", R, 4, LOADED, OUT({ RAX, 0xcafef00d }),
	  EA(0x12345678) },
	{ "p32_movzbl", R, 1, LOADED_NEG, OUT({ RCX, 0x8d }) },
	{ "p32_movsbw", R, 1, LOADED_NEG, IN({ RCX, 0x11223344 }),
	  OUT({ RCX, 0x1122ff8d }) },
	{ "p32_stosl", W, 4, .store = 0x55667788,
	  IN({ RAX, X64 }, { RDI, 0x1000 }), F0 | DF, OUT({ RDI, 0xffc }) },
	{ "p32_sib", W, 4, .store = 0x44332211,
	  IN({ RDX, 0x44332211 }, { RSP, 0xfffffff0 }, { RDI, 0x10 }),
	  EA(0xf0) },
	{ "p32_addr16", R, 4, LOADED, IN({ RBX, 0x1234ffff }, { RSI, 2 }),
	  OUT({ RAX, 0xcafef00d }), EA(1) },

	/* 16-bit mode */
	{ "r16_ld16", R, 2, 0x1234, IN({ RAX, X64 }),
	  OUT({ RAX, 0x1122334455661234ULL }) },
	{ "r16_ld32", R, 4, LOADED, IN({ RAX, X64 }), OUT({ RAX, 0xcafef00d }) },
	{ "r16_st8_ah", W, 1, .store = 0x77, IN({ RAX, X64 }, { RBP, 0xffff }),
	  EA(1) },
	{ "r16_sub_imm8", RMW, 2, 0x0001, 0x0004, IN({ RIP, 0xfffe }),
	  OUT({ RIP, 1 }), .flags_out = F0 | CF | AF },
	{ "r16_rep_stosb", W, 1, .store = 0x88,
	  IN({ RAX, X64 }, { RCX, 0x12340002 }, { RDI, 0x5678ffff }),
	  OUT({ RCX, 0x12340001 }, { RDI, 0x56780000 }, { RIP, 0x1000 }),
	  EA(0xffff) },
	{ "r16_moffs", R, 1, LOADED, IN({ RAX, X64 }),
	  OUT({ RAX, 0x112233445566770dULL }), EA(0x1234) },
	{ "r16_movsbl", R, 1, LOADED_NEG, OUT({ RDX, 0xffffff8d }) },
	{ "r16_addr32", W, 2, .store = 0x5678,
	  IN({ RDX, 0x12345678 }, { RAX, 0xfffffff0 }, { RCX, 1 }), EA(2) },
};

static const struct sem_insn *find_insn(const char *name)
{
	const struct sem_insn *s;

	for (s = sem_insns; s < sem_insns_end; s++)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

static enum vmrun_emul_mode mode_of(unsigned int bits)
{
	return bits == 16 ? VMRUN_EMUL_MODE16 :
	       bits == 32 ? VMRUN_EMUL_MODE32 : VMRUN_EMUL_MODE64;
}

static void run_case(const struct exec_case *c)
{
	struct vmrun_emul_regs before, regs;
	const struct sem_insn *s = find_insn(c->insn);
	struct vmrun_emul_insn insn;
	uint64_t want_flags, want_rip, store;
	bool changed[18] = { false };
	const struct reg_val *rv;
	char hex[64];
	int ret, i;

	if (!s) {
		unit_begin("exec %s", c->insn);
		EXPECT(false, "no instruction %s in sem.S", c->insn);
		return;
	}
	unit_hex(hex, s->bytes, s->len);
	unit_begin("exec %u-bit %s [%s]", s->mode, c->insn, hex);

	for (i = 0; i < 16; i++)
		before.gpr[i] = 0x0f1e2d3c4b5a6978ULL ^ (0x0101010101010101ULL * i);
	before.rip = 0x1000;
	before.rflags = c->flags_in ? c->flags_in : F0;
	for (rv = c->in; rv < c->in + 4 && rv->reg != END; rv++) {
		if (rv->reg == RIP)
			before.rip = rv->val;
		else
			before.gpr[rv->reg - 1] = rv->val;
	}
	regs = before;

	ret = vmrun_emul_decode(&insn, s->bytes, s->len, mode_of(s->mode));
	if (!EXPECT(ret == 0, "decode returned %d", ret))
		return;
	EXPECT(insn.len == s->len, "length %u, as says %u", insn.len, s->len);
	EXPECT(insn.dir == c->dir, "dir %u, want %u", insn.dir, c->dir);
	EXPECT(insn.size == c->size, "size %u, want %u", insn.size, c->size);
	if (c->has_ea)
		EXPECT(vmrun_emul_ea(&insn, &regs) == c->ea,
		       "ea %#llx, want %#llx",
		       (unsigned long long)vmrun_emul_ea(&insn, &regs),
		       (unsigned long long)c->ea);

	/* the exits, as a backend makes them */
	store = vmrun_emul_store_value(&insn, &regs, c->loaded);
	if (insn.dir == VMRUN_EMUL_READ)
		EXPECT(store == 0, "store_value %#llx for a read",
		       (unsigned long long)store);
	else
		EXPECT(store == c->store, "stored %#llx, want %#llx",
		       (unsigned long long)store,
		       (unsigned long long)c->store);
	EXPECT(!memcmp(&regs, &before, sizeof(regs)),
	       "store_value changed the registers");
	vmrun_emul_complete(&insn, &regs, c->loaded);

	want_rip = before.rip + s->len;
	for (rv = c->out; rv < c->out + 4 && rv->reg != END; rv++) {
		changed[rv->reg] = true;
		if (rv->reg == RIP) {
			want_rip = rv->val;
			continue;
		}
		EXPECT(regs.gpr[rv->reg - 1] == rv->val,
		       "gpr %d %#llx, want %#llx", rv->reg - 1,
		       (unsigned long long)regs.gpr[rv->reg - 1],
		       (unsigned long long)rv->val);
	}
	for (i = 0; i < 16; i++)
		if (!changed[i + 1])
			EXPECT(regs.gpr[i] == before.gpr[i],
			       "gpr %d changed to %#llx", i,
			       (unsigned long long)regs.gpr[i]);
	EXPECT(regs.rip == want_rip, "rip %#llx, want %#llx",
	       (unsigned long long)regs.rip, (unsigned long long)want_rip);
	want_flags = c->flags_out ? c->flags_out : before.rflags;
	EXPECT(regs.rflags == want_flags, "rflags %#llx, want %#llx",
	       (unsigned long long)regs.rflags,
	       (unsigned long long)want_flags);
}

void test_exec(void)
{
	const struct sem_insn *s;
	unsigned int i, used;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);

	/* every instruction of sem.S has a case */
	for (s = sem_insns; s < sem_insns_end; s++) {
		unit_begin("exec %s has a case", s->name);
		for (used = 0, i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			used += !strcmp(cases[i].insn, s->name);
		EXPECT(used, "no case runs it");
	}
}
