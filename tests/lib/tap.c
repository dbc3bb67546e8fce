// SPDX-License-Identifier: GPL-2.0
/*
 * tap.c - TAP version 13 producer and assertion helpers (see tap.h).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

static unsigned int tap_planned;
static unsigned int tap_ran;
static unsigned int tap_failed;
static bool tap_started;

static void tap_vprint_line(const char *prefix, const char *fmt, va_list ap,
			    const char *suffix)
{
	char buf[1024];
	char *p;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	/* A description must stay on one line and must not contain '#'. */
	for (p = buf; *p; p++) {
		if (*p == '\n' || *p == '\r')
			*p = ' ';
		else if (*p == '#')
			*p = '_';
	}
	printf("%s%s%s\n", prefix, buf, suffix ? suffix : "");
	fflush(stdout);
}

/* Report a fatal signal as a bail-out so the log says where it died. */
static void tap_fatal_signal(int sig)
{
	char msg[128];
	int n;

	n = snprintf(msg, sizeof(msg),
		     "Bail out! fatal signal %d after result %u of %u\n",
		     sig, tap_ran, tap_planned);
	if (n > 0 && write(STDOUT_FILENO, msg, (size_t)n) < 0)
		_exit(TAP_EXIT_FAIL);
	_exit(TAP_EXIT_FAIL);
}

static void tap_install_fatal_handlers(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tap_fatal_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESETHAND;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

void tap_plan(unsigned int planned)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	tap_planned = planned;
	tap_started = true;
	tap_install_fatal_handlers();
	printf("TAP version 13\n1..%u\n", planned);
	fflush(stdout);
}

void tap_skip_all(const char *fmt, ...)
{
	va_list ap;

	if (tap_started)
		tap_bail("tap_skip_all() called after the plan");
	printf("TAP version 13\n");
	va_start(ap, fmt);
	tap_vprint_line("1..0 # SKIP ", fmt, ap, NULL);
	va_end(ap);
	exit(TAP_EXIT_SKIP);
}

void tap_bail(const char *fmt, ...)
{
	va_list ap;

	if (!tap_started)
		printf("TAP version 13\n");
	va_start(ap, fmt);
	tap_vprint_line("Bail out! ", fmt, ap, NULL);
	va_end(ap);
	exit(TAP_EXIT_FAIL);
}

int tap_finish(void)
{
	if (tap_ran != tap_planned) {
		printf("# planned %u results but emitted %u\n",
		       tap_planned, tap_ran);
		printf("# FAIL: plan mismatch\n");
		return TAP_EXIT_FAIL;
	}
	printf("# totals: %u passed/skipped, %u failed of %u\n",
	       tap_ran - tap_failed, tap_failed, tap_ran);
	fflush(stdout);
	return tap_failed ? TAP_EXIT_FAIL : TAP_EXIT_PASS;
}

unsigned int tap_count(void)
{
	return tap_ran;
}

unsigned int tap_failures(void)
{
	return tap_failed;
}

static bool tap_vcheck(bool pass, const char *fmt, va_list ap)
{
	char prefix[32];

	tap_ran++;
	if (!pass)
		tap_failed++;
	snprintf(prefix, sizeof(prefix), "%sok %u ", pass ? "" : "not ",
		 tap_ran);
	tap_vprint_line(prefix, fmt, ap, NULL);
	return pass;
}

bool tap_check(bool pass, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vcheck(pass, fmt, ap);
	va_end(ap);
	return pass;
}

void tap_skip(const char *reason, const char *fmt, ...)
{
	char prefix[32];
	char suffix[512];
	va_list ap;

	tap_ran++;
	snprintf(prefix, sizeof(prefix), "ok %u ", tap_ran);
	snprintf(suffix, sizeof(suffix), " # SKIP %s", reason);
	va_start(ap, fmt);
	tap_vprint_line(prefix, fmt, ap, suffix);
	va_end(ap);
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vprint_line("# ", fmt, ap, NULL);
	va_end(ap);
}

const char *tap_errname(int err)
{
	const char *name = err ? strerrorname_np(err) : NULL;

	return name ? name : "E?";
}

const char *tap_res_str(struct tap_res r)
{
	static char buf[96];

	if (r.ret < 0)
		snprintf(buf, sizeof(buf), "ret=%ld errno=%d (%s)", r.ret,
			 r.err, tap_errname(r.err));
	else
		snprintf(buf, sizeof(buf), "ret=%ld (success)", r.ret);
	return buf;
}

bool tap_expect_ok(struct tap_res r, const char *fmt, ...)
{
	bool pass = r.ret >= 0;
	va_list ap;

	va_start(ap, fmt);
	tap_vcheck(pass, fmt, ap);
	va_end(ap);
	if (!pass)
		tap_diag("  got %s, expected success", tap_res_str(r));
	return pass;
}

bool tap_expect_errno(struct tap_res r, int want, const char *fmt, ...)
{
	bool pass = r.ret == -1 && r.err == want;
	va_list ap;

	va_start(ap, fmt);
	tap_vcheck(pass, fmt, ap);
	va_end(ap);
	if (!pass)
		tap_diag("  got %s, expected ret=-1 errno=%s", tap_res_str(r),
			 tap_errname(want));
	return pass;
}

bool tap_expect_errno2(struct tap_res r, int want1, int want2,
		       const char *fmt, ...)
{
	bool pass = r.ret == -1 && (r.err == want1 || r.err == want2);
	va_list ap;

	va_start(ap, fmt);
	tap_vcheck(pass, fmt, ap);
	va_end(ap);
	if (!pass)
		tap_diag("  got %s, expected ret=-1 errno=%s or %s",
			 tap_res_str(r), tap_errname(want1),
			 tap_errname(want2));
	return pass;
}

bool tap_expect_ret(struct tap_res r, long want, const char *fmt, ...)
{
	bool pass = r.ret == want;
	va_list ap;

	va_start(ap, fmt);
	tap_vcheck(pass, fmt, ap);
	va_end(ap);
	if (!pass)
		tap_diag("  got %s, expected ret=%ld", tap_res_str(r), want);
	return pass;
}

bool tap_expect_eq(int64_t got, int64_t want, const char *fmt, ...)
{
	bool pass = got == want;
	va_list ap;

	va_start(ap, fmt);
	tap_vcheck(pass, fmt, ap);
	va_end(ap);
	if (!pass)
		tap_diag("  got %lld (0x%llx), expected %lld (0x%llx)",
			 (long long)got, (unsigned long long)got,
			 (long long)want, (unsigned long long)want);
	return pass;
}

bool tap_expect_range(int64_t got, int64_t lo, int64_t hi,
		      const char *fmt, ...)
{
	bool pass = got >= lo && got <= hi;
	va_list ap;

	va_start(ap, fmt);
	tap_vcheck(pass, fmt, ap);
	va_end(ap);
	if (!pass)
		tap_diag("  got %lld, expected within [%lld, %lld]",
			 (long long)got, (long long)lo, (long long)hi);
	return pass;
}
