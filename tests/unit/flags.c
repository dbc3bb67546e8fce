// SPDX-License-Identifier: GPL-2.0-only
/*
 * The arithmetic flags against the host CPU: for ADD, OR, ADC, SBB, AND,
 * SUB, XOR, CMP and TEST at every size, with CF clear and set, the result
 * and CF PF AF ZF SF OF of the emulator must be what the same instruction
 * gives on this machine, for edge values and pseudo-random ones. Both forms
 * are run: register destination (op r, [m]: complete() writes the register)
 * and memory destination (op [m], r: store_value() gives the memory result,
 * complete() the flags). AF is undefined after the logic operations and is
 * not compared for them.
 */
#include <stdio.h>
#include <string.h>

#include "unit.h"

#if defined(__x86_64__)

/* Runs "insn y, x" (AT&T order: x = x OP y) on the host with flags f. */
#define HOST_ALU(insn, T)						\
	do {								\
		T x = (T)a, y = (T)b;					\
		asm volatile("lea -128(%%rsp), %%rsp\n\t"		\
			     "push %[f]\n\tpopf\n\t"			\
			     insn " %[y], %[x]\n\t"			\
			     "pushf\n\tpop %[f]\n\t"			\
			     "lea 128(%%rsp), %%rsp"			\
			     : [x] "+r"(x), [f] "+r"(f)			\
			     : [y] "r"(y)				\
			     : "cc", "memory");				\
		res = x;						\
	} while (0)

#define HOST_SIZES(insn)						\
	do {								\
		switch (size) {						\
		case 1:							\
			HOST_ALU(insn, uint8_t);			\
			break;						\
		case 2:							\
			HOST_ALU(insn, uint16_t);			\
			break;						\
		case 4:							\
			HOST_ALU(insn, uint32_t);			\
			break;						\
		default:						\
			HOST_ALU(insn, uint64_t);			\
			break;						\
		}							\
	} while (0)

/* dst OP src on the host; *flags in and out. */
static uint64_t host_alu(unsigned int op, unsigned int size, uint64_t a,
			 uint64_t b, uint64_t *flags)
{
	uint64_t f, res = 0;

	asm volatile("pushf\n\tpop %0" : "=r"(f));
	f = (f & ~VMRUN_EMUL_ARITH_FLAGS) | (*flags & VMRUN_EMUL_ARITH_FLAGS);
	switch (op) {
	case VMRUN_EMUL_ADD:
		HOST_SIZES("add");
		break;
	case VMRUN_EMUL_OR:
		HOST_SIZES("or");
		break;
	case VMRUN_EMUL_ADC:
		HOST_SIZES("adc");
		break;
	case VMRUN_EMUL_SBB:
		HOST_SIZES("sbb");
		break;
	case VMRUN_EMUL_AND:
		HOST_SIZES("and");
		break;
	case VMRUN_EMUL_SUB:
		HOST_SIZES("sub");
		break;
	case VMRUN_EMUL_XOR:
		HOST_SIZES("xor");
		break;
	case VMRUN_EMUL_CMP:
		HOST_SIZES("cmp");
		break;
	default:
		HOST_SIZES("test");
		break;
	}
	*flags = f & VMRUN_EMUL_ARITH_FLAGS;
	return res;
}

static uint64_t mask_of(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

/* Encodes "op cl/cx/ecx/rcx, [rax]" (reg_dst) or "op [rax], ..." in 64-bit. */
static unsigned int encode(uint8_t *p, unsigned int op, unsigned int size,
			   bool reg_dst)
{
	unsigned int n = 0;
	uint8_t opc;

	if (op == VMRUN_EMUL_TEST)
		opc = 0x84;		/* TEST Eb,Gb; commutative */
	else
		opc = op * 8 + (reg_dst ? 2 : 0);
	if (size == 2)
		p[n++] = 0x66;
	if (size == 8)
		p[n++] = 0x48;
	p[n++] = opc + (size > 1);
	p[n++] = 0x08;			/* mod 0, reg rCX, rm [rAX] */
	return n;
}

/* A register holding v in its low size bytes and upper's bits above. */
static uint64_t regs_before(uint64_t upper, uint64_t v, unsigned int size)
{
	return (upper & ~mask_of(size)) | v;
}

static uint64_t next_random(uint64_t *state)
{
	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	return *state ^ (*state >> 29);
}

static const uint64_t edge_values[] = {
	0, 1, 2, 0xf, 0x10, 0x7f, 0x80, 0x81, 0xfe, 0xff, 0x100, 0x7fff,
	0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff,
	0x100000000ULL, 0x7fffffffffffffffULL, 0x8000000000000000ULL,
	0xfffffffffffffffeULL, 0xffffffffffffffffULL, 0x5555555555555555ULL,
};

#define NR_EDGE (sizeof(edge_values) / sizeof(edge_values[0]))
#define NR_RANDOM 48

/* One (op, size, carry-in) combination over every pair of values. */
static void check_op(unsigned int op, unsigned int size, bool carry)
{
	static const uint64_t upper = 0xa5a5a5a5a5a5a5a5ULL;
	uint64_t values[NR_EDGE + NR_RANDOM], seed = op * 131 + size * 7 + carry;
	unsigned int i, j, n, fails = 0;
	const unsigned int nv = NR_EDGE + NR_RANDOM;
	uint64_t flag_mask = VMRUN_EMUL_ARITH_FLAGS;
	struct vmrun_emul_insn insn;
	uint8_t bytes[4];

	if (op == VMRUN_EMUL_OR || op == VMRUN_EMUL_AND ||
	    op == VMRUN_EMUL_XOR || op == VMRUN_EMUL_TEST)
		flag_mask &= ~VMRUN_EMUL_AF;
	memcpy(values, edge_values, sizeof(edge_values));
	for (i = NR_EDGE; i < nv; i++)
		values[i] = next_random(&seed);

	unit_begin("flags %s size %u CF=%d: host CPU vs emulator, %u pairs",
		   unit_op_name(op), size, carry, nv * nv);
	for (i = 0; i < nv && fails < 4; i++) {
		for (j = 0; j < nv && fails < 4; j++) {
			uint64_t a = values[i] & mask_of(size);
			uint64_t b = values[j] & mask_of(size);
			uint64_t in = carry ? VMRUN_EMUL_CF | VMRUN_EMUL_ZF
					    : VMRUN_EMUL_AF | VMRUN_EMUL_OF;
			uint64_t hflags = in, hres, got, want_reg;
			struct vmrun_emul_regs regs;
			bool ok;

			hres = host_alu(op, size, a, b, &hflags);

			/* op rcx, [rax]: a in rCX, b loaded */
			n = encode(bytes, op, size, op != VMRUN_EMUL_TEST);
			ok = vmrun_emul_decode(&insn, bytes, n,
					       VMRUN_EMUL_MODE64) == 0;
			memset(&regs, 0, sizeof(regs));
			regs.gpr[1] = regs_before(upper, a, size);
			regs.rflags = 0x2 | in;
			vmrun_emul_complete(&insn, &regs, b);
			/* a 32-bit write zero-extends, narrower ones merge */
			if (op == VMRUN_EMUL_CMP || op == VMRUN_EMUL_TEST)
				want_reg = regs_before(upper, a, size);
			else if (size == 4)
				want_reg = hres;
			else
				want_reg = regs_before(upper, hres, size);
			ok = ok && regs.gpr[1] == want_reg &&
			     (regs.rflags & flag_mask) == (hflags & flag_mask) &&
			     regs.rip == n;
			if (!EXPECT(ok, "reg form %#llx, %#llx: rcx %#llx flags %#llx, host %#llx flags %#llx",
				    (unsigned long long)a, (unsigned long long)b,
				    (unsigned long long)regs.gpr[1],
				    (unsigned long long)regs.rflags,
				    (unsigned long long)hres,
				    (unsigned long long)hflags))
				fails++;
			if (op == VMRUN_EMUL_TEST)
				continue;

			/* op [rax], rcx: a loaded, b in rCX */
			n = encode(bytes, op, size, false);
			ok = vmrun_emul_decode(&insn, bytes, n,
					       VMRUN_EMUL_MODE64) == 0;
			memset(&regs, 0, sizeof(regs));
			regs.gpr[1] = regs_before(upper, b, size);
			regs.rflags = 0x2 | in;
			got = vmrun_emul_store_value(&insn, &regs, a);
			vmrun_emul_complete(&insn, &regs, a);
			ok = ok && (op == VMRUN_EMUL_CMP ? got == 0 : got == hres) &&
			     (regs.rflags & flag_mask) == (hflags & flag_mask) &&
			     regs.gpr[1] == regs_before(upper, b, size);
			if (!EXPECT(ok, "mem form %#llx, %#llx: stored %#llx flags %#llx, host %#llx flags %#llx",
				    (unsigned long long)a, (unsigned long long)b,
				    (unsigned long long)got,
				    (unsigned long long)regs.rflags,
				    (unsigned long long)hres,
				    (unsigned long long)hflags))
				fails++;
		}
	}
}

void test_flags(void)
{
	static const unsigned int sizes[] = { 1, 2, 4, 8 };
	unsigned int op, s, carry;

	for (op = VMRUN_EMUL_ADD; op <= VMRUN_EMUL_TEST; op++) {
		if (op > VMRUN_EMUL_CMP && op != VMRUN_EMUL_TEST)
			continue;
		for (s = 0; s < 4; s++)
			for (carry = 0; carry < 2; carry++)
				check_op(op, sizes[s], carry);
	}
}

#else

void test_flags(void)
{
	printf("# flags: not an x86-64 host, the CPU comparison is left out\n");
}

#endif
