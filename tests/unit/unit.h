/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small harness for the host-side unit tests. A test case is opened with
 * unit_begin(), makes one or more EXPECT() checks and is closed with
 * unit_end(), which counts it as passed only if it made at least one check
 * and none failed. main() prints "N passed, N failed" last.
 */
#ifndef VMRUN_TESTS_UNIT_H
#define VMRUN_TESTS_UNIT_H

#include <stdbool.h>
#include <stdint.h>

#include "emulate.h"

#define UNIT_PRINTF(a, b) __attribute__((format(printf, a, b)))

void unit_begin(const char *fmt, ...) UNIT_PRINTF(1, 2);
bool unit_expect(bool ok, const char *file, int line, const char *fmt, ...)
	UNIT_PRINTF(4, 5);
void unit_end(void);
void unit_summary(unsigned int *passed, unsigned int *failed);

#define EXPECT(cond, ...) unit_expect((cond), __FILE__, __LINE__, __VA_ARGS__)

/* Suites, each in its own file. */
void test_corpus(const char *table);
void test_decode(void);
void test_exec(void);
void test_flags(void);
void test_gwalk(void);
void test_cpuid_table(void);
void test_cpuid_run(void);

/* Helpers shared by the suites. */
const char *unit_op_name(unsigned int op);
void unit_hex(char *buf, const uint8_t *bytes, unsigned int n);

#endif /* VMRUN_TESTS_UNIT_H */
