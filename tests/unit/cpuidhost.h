/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Recorded host CPUs for the tests of kernel/x86/cpuid.c, and a host CPUID
 * callback that answers from them (cpuidhost.c).
 */
#ifndef VMRUN_TESTS_UNIT_CPUIDHOST_H
#define VMRUN_TESTS_UNIT_CPUIDHOST_H

#include <stdint.h>

#include "cpuid.h"

/* One CPUID result as recorded: leaf, subleaf, EAX, EBX, ECX, EDX. */
struct cpuid_row {
	uint32_t leaf, sub;
	uint32_t eax, ebx, ecx, edx;
};

struct cpuid_recording {
	const char *name;
	const struct cpuid_row *rows;
	unsigned int nrows;
	uint64_t xcr0;		/* what a host kernel sets: every component */
};

extern const struct cpuid_recording cpuid_epyc;	/* QEMU -cpu EPYC */
extern const struct cpuid_recording cpuid_skx;	/* Bochs corei7_skylake_x */

#define CPUID_FAKE_MAX_OVER 16

/*
 * A host CPU: a recording, some rows of which may be replaced or added
 * (over[], looked at first). It counts the questions it is asked outside
 * the leaf ranges it reports, which a real CPU would answer with another
 * leaf's data (Intel) or zeros (AMD).
 */
struct cpuid_fake {
	const struct cpuid_recording *rec;
	struct cpuid_row over[CPUID_FAKE_MAX_OVER];
	unsigned int nover;
	unsigned int calls;
	unsigned int out_of_range;
};

/* Replaces (or adds) the row for leaf and subleaf. */
void cpuid_fake_set(struct cpuid_fake *f, uint32_t leaf, uint32_t sub,
		    uint32_t eax, uint32_t ebx, uint32_t ecx, uint32_t edx);
/* The vmrun_cpuid_host_fn; opaque is the struct cpuid_fake. */
void cpuid_fake_cpuid(u32 function, u32 index, struct vmrun_cpuid_regs *out,
		      void *opaque);

#endif /* VMRUN_TESTS_UNIT_CPUIDHOST_H */
