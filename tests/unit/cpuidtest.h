/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the CPUID suites (cpuidtab.c, cpuidrun.c): registers
 * written as feature names or numbers, and their bit-by-bit comparison.
 */
#ifndef VMRUN_TESTS_UNIT_CPUIDTEST_H
#define VMRUN_TESTS_UNIT_CPUIDTEST_H

#include <stdbool.h>
#include <stdint.h>

struct cpuid_bitname {
	unsigned int bit;
	const char *name;
};

/*
 * An expected entry. Each register is a number ("0x1f", "832") or, for the
 * registers that hold features (leaf 1 ECX/EDX, 6 EAX, 7.0 EBX/ECX/EDX,
 * 7.1 EAX, 0DH.1 EAX, 80000001H ECX/EDX, 80000007H EDX, 80000008H EBX),
 * the names of the bits set, space-separated ("" for none). Feature
 * registers are compared bit by bit either way.
 */
struct cpuid_want {
	uint32_t function, index, flags;
	const char *r[4];	/* EAX, EBX, ECX, EDX */
};

/* The bit names of a feature register; false for other registers. */
bool cpuid_reg_names(uint32_t leaf, uint32_t sub, int reg,
		     const struct cpuid_bitname **names, unsigned int *n);
/* A register as written in struct cpuid_want; false if it does not parse. */
bool cpuid_parse_reg(uint32_t leaf, uint32_t sub, int reg, const char *spec,
		     uint32_t *val);
/* EXPECT()s got (EAX..EDX) against want: each bit of a feature register. */
void cpuid_expect_regs(const char *what, uint32_t leaf, uint32_t sub,
		       const uint32_t got[4], const char *const want[4]);

#endif /* VMRUN_TESTS_UNIT_CPUIDTEST_H */
