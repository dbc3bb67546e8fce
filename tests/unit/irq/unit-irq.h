/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The few helpers every test-*.c of tests/unit/irq uses: CHECK() prints
 * "ok N - what" or "not ok N - what" with the values, and DONE() prints
 * the "N passed, N failed" line the Makefile sums and returns the exit
 * status.
 */
#ifndef UNIT_IRQ_H
#define UNIT_IRQ_H

#include <stdio.h>
#include <stdlib.h>

static unsigned int unit_pass, unit_fail;

#define CHECK(cond, ...) do {						\
	if (cond) {							\
		unit_pass++;						\
		if (getenv("UNIT_VERBOSE")) {				\
			printf("ok %u - ", unit_pass + unit_fail);	\
			printf(__VA_ARGS__);				\
			printf("\n");					\
		}							\
	} else {							\
		unit_fail++;						\
		printf("not ok %u - ", unit_pass + unit_fail);		\
		printf(__VA_ARGS__);					\
		printf("  [%s:%d: %s]\n", __FILE__, __LINE__, #cond);	\
	}								\
} while (0)

#define CHECK_EQ(got, want, ...) do {					\
	unsigned long long g_ = (got), w_ = (want);			\
	CHECK(g_ == w_, __VA_ARGS__);					\
	if (g_ != w_)							\
		printf("#   got 0x%llx, want 0x%llx\n", g_, w_);	\
} while (0)

#define DONE() (printf("%u passed, %u failed\n", unit_pass, unit_fail), \
		unit_fail ? 1 : 0)

#endif /* UNIT_IRQ_H */
