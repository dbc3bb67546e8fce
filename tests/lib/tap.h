/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tap.h - a small TAP (Test Anything Protocol, version 13) producer with
 * assertion helpers, following the kselftest exit-code conventions:
 *
 *   exit 0  every check passed (skipped checks count as passed)
 *   exit 1  at least one check failed, the plan was not met, or the run
 *           was bailed out
 *   exit 4  the whole binary was skipped ("1..0 # SKIP reason")
 *
 * Usage:
 *
 *	tap_plan(N);                       prints "TAP version 13" and "1..N"
 *	tap_check(cond, "desc %d", x);     "ok K desc" or "not ok K desc"
 *	tap_skip("why", "desc");           "ok K desc # SKIP why"
 *	tap_diag("text");                  "# text"
 *	return tap_finish();               checks the count, returns exit code
 *
 * Every check is numbered in order.  The plan is printed first, so each
 * binary must emit exactly N results on every path; checks that do not apply
 * are reported with tap_skip().  tap_finish() turns a count mismatch into a
 * failure so that a miscounted plan can never pass silently.
 *
 * System-call results are checked through struct tap_res, built by TAP_CALL()
 * which captures errno right after the call:
 *
 *	tap_expect_errno(TAP_CALL(ioctl(fd, KVM_X, p)), EFAULT, "KVM_X(NULL) -> EFAULT");
 */
#ifndef VMRUN_TESTS_TAP_H
#define VMRUN_TESTS_TAP_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#define TAP_EXIT_PASS 0
#define TAP_EXIT_FAIL 1
#define TAP_EXIT_SKIP 4

#define TAP_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define TAP_NORETURN __attribute__((noreturn))

/* Result of one system call: ret as returned, err = errno if ret < 0 else 0. */
struct tap_res {
	long ret;
	int err;
};

/*
 * Evaluate a system call expression and capture errno before anything else
 * can clobber it.  GNU statement expression: the call is sequenced before the
 * errno read.
 */
#define TAP_CALL(expr)							\
	({								\
		long __tap_r;						\
		errno = 0;						\
		__tap_r = (long)(expr);					\
		(struct tap_res){ .ret = __tap_r,			\
				  .err = __tap_r < 0 ? errno : 0 };	\
	})

/* Plan and lifecycle. */
void tap_plan(unsigned int planned);
TAP_NORETURN void tap_skip_all(const char *fmt, ...) TAP_PRINTF(1, 2);
TAP_NORETURN void tap_bail(const char *fmt, ...) TAP_PRINTF(1, 2);
int tap_finish(void);

/* Plain results. */
bool tap_check(bool pass, const char *fmt, ...) TAP_PRINTF(2, 3);
void tap_skip(const char *reason, const char *fmt, ...) TAP_PRINTF(2, 3);
void tap_diag(const char *fmt, ...) TAP_PRINTF(1, 2);

/* Number of results emitted so far and failures among them. */
unsigned int tap_count(void);
unsigned int tap_failures(void);

/* Name of an errno value ("EINVAL"), or "E?" for zero/unknown values. */
const char *tap_errname(int err);

/* Assertions on system-call results; each emits exactly one result. */
/* The call succeeded (ret >= 0). */
bool tap_expect_ok(struct tap_res r, const char *fmt, ...) TAP_PRINTF(2, 3);
/* The call failed with ret == -1 and errno == want. */
bool tap_expect_errno(struct tap_res r, int want, const char *fmt, ...)
	TAP_PRINTF(3, 4);
/* The call failed with ret == -1 and errno one of want1/want2. */
bool tap_expect_errno2(struct tap_res r, int want1, int want2,
		       const char *fmt, ...) TAP_PRINTF(4, 5);
/* The call returned exactly want (no error). */
bool tap_expect_ret(struct tap_res r, long want, const char *fmt, ...)
	TAP_PRINTF(3, 4);

/* Value assertions. */
bool tap_expect_eq(int64_t got, int64_t want, const char *fmt, ...)
	TAP_PRINTF(3, 4);
bool tap_expect_range(int64_t got, int64_t lo, int64_t hi,
		      const char *fmt, ...) TAP_PRINTF(4, 5);

/* One-line description of a result for diagnostics, in a static buffer. */
const char *tap_res_str(struct tap_res r);

#endif /* VMRUN_TESTS_TAP_H */
