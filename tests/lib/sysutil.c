// SPDX-License-Identifier: GPL-2.0
/*
 * sysutil.c - see sysutil.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "sysutil.h"

static int64_t pcp_free_kb(void)
{
	long long pages = 0, v;
	char line[256];
	FILE *f;

	f = fopen("/proc/zoneinfo", "re");
	if (!f)
		return -1;
	/* "count:" only appears in the per-cpu pageset blocks. */
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " count: %lld", &v) == 1)
			pages += v;
	fclose(f);
	return (int64_t)(pages * (long long)(page_size() / 1024));
}

int meminfo_read(struct meminfo *m)
{
	static const struct {
		const char *name;
		size_t off;
	} fields[] = {
		{ "MemFree:", offsetof(struct meminfo, mem_free) },
		{ "MemAvailable:", offsetof(struct meminfo, mem_available) },
		{ "Slab:", offsetof(struct meminfo, slab) },
		{ "SReclaimable:", offsetof(struct meminfo, sreclaimable) },
		{ "SUnreclaim:", offsetof(struct meminfo, sunreclaim) },
		{ "VmallocUsed:", offsetof(struct meminfo, vmalloc_used) },
		{ "KernelStack:", offsetof(struct meminfo, kernel_stack) },
		{ "PageTables:", offsetof(struct meminfo, page_tables) },
		{ "Percpu:", offsetof(struct meminfo, percpu) },
	};
	char name[64];
	long long val;
	size_t i;
	FILE *f;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		*(int64_t *)((char *)m + fields[i].off) = -1;

	f = fopen("/proc/meminfo", "re");
	if (!f)
		return -errno;
	while (fscanf(f, "%63s %lld%*[^\n]", name, &val) == 2) {
		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			if (!strcmp(name, fields[i].name))
				*(int64_t *)((char *)m + fields[i].off) = val;
		}
	}
	fclose(f);
	m->pcp_free = pcp_free_kb();
	return m->mem_free < 0 ? -ENODATA : 0;
}

size_t page_size(void)
{
	long ps = sysconf(_SC_PAGESIZE);

	return ps > 0 ? (size_t)ps : 4096;
}

static sigjmp_buf probe_jmp;
static volatile sig_atomic_t probe_sig;

static void probe_handler(int sig)
{
	probe_sig = sig;
	siglongjmp(probe_jmp, 1);
}

int probe_access(volatile void *addr, bool write)
{
	struct sigaction sa, old_bus, old_segv;
	volatile unsigned char *p = addr;
	int result;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = probe_handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old_bus);
	sigaction(SIGSEGV, &sa, &old_segv);

	probe_sig = 0;
	if (sigsetjmp(probe_jmp, 1) == 0) {
		unsigned char v = *p;

		if (write)
			*p = v;
		result = 0;
	} else {
		result = probe_sig;
	}

	sigaction(SIGBUS, &old_bus, NULL);
	sigaction(SIGSEGV, &old_segv, NULL);
	return result;
}

int ensure_nofile(unsigned long want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur >= want)
		return 0;
	if (rl.rlim_cur == RLIM_INFINITY)
		return 0;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want)
		rl.rlim_max = want;
	rl.rlim_cur = want;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	return 0;
}

const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

double mono_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void sleep_ms(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (long)(ms % 1000) * 1000000L,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}
