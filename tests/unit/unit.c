// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host-side unit tests of kernel/x86/emulate.c and kernel/x86/gwalk.c.
 *
 *   unit CORPUS-TABLE
 *
 * CORPUS-TABLE is what the Makefile makes from gen-corpus.sh and objdump.
 * Failures are printed as they happen, with the case's name; the last line
 * is "N passed, N failed". The exit status is 1 if any case failed.
 * UNIT_VERBOSE=1 in the environment also prints each passing case.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

static char case_name[256];
static unsigned int case_checks, case_failures;
static unsigned int passed, failed;
static bool verbose, open_case;

void unit_begin(const char *fmt, ...)
{
	va_list ap;

	if (open_case)
		unit_end();
	va_start(ap, fmt);
	vsnprintf(case_name, sizeof(case_name), fmt, ap);
	va_end(ap);
	case_checks = 0;
	case_failures = 0;
	open_case = true;
}

bool unit_expect(bool ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	case_checks++;
	if (ok)
		return true;
	if (!case_failures)
		printf("not ok %s\n", case_name);
	case_failures++;
	printf("#   %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return false;
}

void unit_end(void)
{
	if (!open_case)
		return;
	open_case = false;
	if (!case_checks) {
		printf("not ok %s\n#   the case checked nothing\n", case_name);
		failed++;
	} else if (case_failures) {
		failed++;
	} else {
		passed++;
		if (verbose)
			printf("ok %s (%u checks)\n", case_name, case_checks);
	}
}

void unit_summary(unsigned int *p, unsigned int *f)
{
	unit_end();
	*p = passed;
	*f = failed;
}

const char *unit_op_name(unsigned int op)
{
	static const char *const names[VMRUN_EMUL_NR_OPS] = {
		"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp",
		"bt", "bts", "btr", "btc", "mov", "movzx", "movsx", "test",
		"xchg", "stos",
	};

	return op < VMRUN_EMUL_NR_OPS ? names[op] : "?";
}

void unit_hex(char *buf, const uint8_t *bytes, unsigned int n)
{
	unsigned int i;

	buf[0] = 0;
	for (i = 0; i < n; i++)
		sprintf(buf + 3 * i, "%02x ", bytes[i]);
	if (n)
		buf[3 * n - 1] = 0;
}

static void suite(const char *name, unsigned int *p0, unsigned int *f0)
{
	unsigned int p, f;

	unit_summary(&p, &f);
	printf("# %-8s %u passed, %u failed\n", name, p - *p0, f - *f0);
	*p0 = p;
	*f0 = f;
}

int main(int argc, char **argv)
{
	unsigned int p = 0, f = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS-TABLE\n", argv[0]);
		return 2;
	}
	verbose = getenv("UNIT_VERBOSE") && atoi(getenv("UNIT_VERBOSE"));
	test_decode();
	suite("decode", &p, &f);
	test_exec();
	suite("exec", &p, &f);
	test_flags();
	suite("flags", &p, &f);
	test_corpus(argv[1]);
	suite("corpus", &p, &f);
	test_gwalk();
	suite("gwalk", &p, &f);
	test_cpuid_table();
	suite("cpuidtab", &p, &f);
	test_cpuid_run();
	suite("cpuidrun", &p, &f);
	unit_summary(&p, &f);
	printf("%u passed, %u failed\n", p, f);
	return f ? 1 : 0;
}
