/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sysutil.h - small system helpers shared by the vmrun tests: /proc/meminfo
 * sampling, probing whether a memory access faults, and resource limits.
 */
#ifndef VMRUN_TESTS_SYSUTIL_H
#define VMRUN_TESTS_SYSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Selected /proc/meminfo fields, in kB; -1 when the kernel lacks the field. */
struct meminfo {
	int64_t mem_free;
	int64_t mem_available;
	int64_t slab;
	int64_t sreclaimable;
	int64_t sunreclaim;
	int64_t vmalloc_used;
	int64_t kernel_stack;
	int64_t page_tables;
	int64_t percpu;
	/*
	 * Free pages parked on the per-cpu page lists (sum of the pagesets'
	 * "count:" in /proc/zoneinfo).  MemFree and MemAvailable leave them
	 * out, and they can hold megabytes; add them back to compare samples.
	 */
	int64_t pcp_free;
};

/* Fill *m from /proc/meminfo and /proc/zoneinfo; returns 0 or -errno. */
int meminfo_read(struct meminfo *m);

/* The system page size in bytes. */
size_t page_size(void);

/*
 * Touch one byte at addr (read, or read-then-write back when write is true)
 * with SIGBUS/SIGSEGV caught.  Returns 0 when the access completed, otherwise
 * the number of the signal it raised.
 */
int probe_access(volatile void *addr, bool write);

/*
 * Make sure at least want file descriptors may be open, raising the soft and
 * if needed the hard RLIMIT_NOFILE.  Returns 0 or -errno.
 */
int ensure_nofile(unsigned long want);

/* getenv() with a default for unset or empty variables. */
const char *env_or(const char *name, const char *def);

/* Seconds on CLOCK_MONOTONIC, for timing diagnostics. */
double mono_seconds(void);

/* Sleep for ms milliseconds. */
void sleep_ms(unsigned int ms);

#endif /* VMRUN_TESTS_SYSUTIL_H */
