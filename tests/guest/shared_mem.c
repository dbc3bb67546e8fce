// SPDX-License-Identifier: GPL-2.0
/*
 * shared_mem - guest memory is shared with the host while the guest runs:
 * a vCPU runs in a thread of its own, inside one KVM_RUN from start to end,
 * while the main thread talks to it through guest memory only.
 *
 *   - the guest increments a heartbeat the host sees grow;
 *   - each round the host fills a buffer page, then writes a flag; the
 *     guest, polling the flag, sums the buffer and echoes the flag; the
 *     host checks the sum;
 *   - the flag and buffer pages are first touched by the guest, reading,
 *     before the host ever writes them: a hypervisor that mapped something
 *     other than the host's page for that read (the zero page, a copy)
 *     would leave the guest blind to the host's writes.
 *
 * In 32-bit protected mode and 64-bit long mode.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

#define HEART		0x3000	/* guest: incremented every poll */
#define ECHO		0x3008	/* guest: the last flag it saw */
#define SUM		0x300c	/* guest: the buffer's sum in that round */
#define SUM0		0x3010	/* guest: the buffer's sum before any round */
#define FLAG		0x5000	/* host: the round number */
#define BUF		0x6000	/* host: 1024 words */
#define BUF_WORDS	1024
#define ROUNDS		20

/* Same text for 32 and 64 bits; the stack is at GUEST_STACK_TOP. */
#define SHARED_BODY							\
	"xor %ecx, %ecx\n"						\
	"call 3f\n"							\
	"mov %edx, 0x3010\n"						\
	"1: incl 0x3000\n"						\
	"mov 0x5000, %eax\n"						\
	"cmp %ecx, %eax\n"						\
	"je 1b\n"							\
	"mov %eax, %ecx\n"						\
	"call 3f\n"							\
	"mov %edx, 0x300c\n"						\
	"mov %ecx, 0x3008\n"						\
	"cmp $20, %ecx\n"						\
	"jne 1b\n"							\
	"hlt\n"								\
	"3: xor %edx, %edx\n"						\
	"mov $0x6000, %esi\n"						\
	"mov $1024, %edi\n"						\
	"2: add (%esi), %edx\n"						\
	"add $4, %esi\n"						\
	"dec %edi\n"							\
	"jnz 2b\n"							\
	"ret\n"

GUEST_CODE(shared32, ".code32", SHARED_BODY);
GUEST_CODE(shared64, ".code64", SHARED_BODY);

struct runner {
	struct guest_vm *g;
	int result;
	int done;		/* atomic: the KVM_RUN has returned */
};

static void *run_thread(void *arg)
{
	struct runner *rn = arg;

	rn->result = guest_run_thread(rn->g, GUEST_RUN_TIMEOUT);
	__atomic_store_n(&rn->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static uint32_t *word(struct guest_vm *g, unsigned int gpa)
{
	return (uint32_t *)(g->mem + gpa);
}

static uint32_t load(struct guest_vm *g, unsigned int gpa)
{
	return __atomic_load_n(word(g, gpa), __ATOMIC_ACQUIRE);
}

static double elapsed(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void pause_a_little(void)
{
	struct timespec ts = { .tv_nsec = 50000 };

	nanosleep(&ts, NULL);
}

/*
 * Polls @gpa until it differs from @old (or equals @want when @exact),
 * for up to 10 s or until the vCPU thread is done.
 */
static bool wait_word(struct guest_vm *g, struct runner *rn, unsigned int gpa,
		      uint32_t v, bool exact, uint32_t *got)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		*got = load(g, gpa);
		if (exact ? *got == v : *got != v)
			return true;
		if (__atomic_load_n(&rn->done, __ATOMIC_ACQUIRE) || elapsed(&t0) > 10)
			return false;
		pause_a_little();
	}
}

static uint32_t buf_value(unsigned int round, unsigned int i)
{
	return round * 0x01000193u ^ (i * 2654435761u);
}

/* 6 results per mode. */
static void test_shared(int sys_fd, const char *name, enum guest_mode mode,
			const uint8_t *start, const uint8_t *end)
{
	struct guest_vm g = { .vm_fd = -1, .vcpu_fd = -1 };
	struct runner rn = { .g = &g };
	struct kvm_regs regs;
	pthread_t thread;
	uint32_t h1, h2, got, want;
	unsigned int k, i, bad_round = 0;
	char why[96] = "";
	bool ok;

	if (!tap_check(guest_vm_create(&g, sys_fd) &&
		       guest_load(&g, mode, start, end) &&
		       !pthread_create(&thread, NULL, run_thread, &rn),
		       "%s: guest set up, vCPU thread started", name)) {
		guest_vm_destroy(&g);
		return;
	}

	/* The heartbeat: written by the running guest, seen here. */
	ok = wait_word(&g, &rn, HEART, 0, false, &h1) &&
	     wait_word(&g, &rn, HEART, h1, false, &h2);
	if (!tap_check(ok && h2 > h1 && !__atomic_load_n(&rn.done, __ATOMIC_ACQUIRE),
		       "%s: the host sees the running guest's heartbeat grow", name))
		tap_diag("  heartbeat %u then %u, vCPU thread %s", h1, h2,
			 rn.done ? "done" : "running");
	tap_expect_eq(load(&g, SUM0), 0,
		      "%s: the guest's first read of the buffer page (untouched by anyone) sums to 0",
		      name);

	for (k = 1; k <= ROUNDS && !bad_round; k++) {
		want = 0;
		for (i = 0; i < BUF_WORDS; i++) {
			word(&g, BUF)[i] = buf_value(k, i);
			want += buf_value(k, i);
		}
		__atomic_store_n(word(&g, FLAG), k, __ATOMIC_RELEASE);
		if (!wait_word(&g, &rn, ECHO, k, true, &got)) {
			bad_round = k;
			snprintf(why, sizeof(why), "no echo (echo %u, vCPU thread %s)",
				 got, rn.done ? "done" : "running");
		} else if (load(&g, SUM) != want) {
			bad_round = k;
			snprintf(why, sizeof(why), "sum 0x%08x, want 0x%08x",
				 load(&g, SUM), want);
		}
	}
	if (!tap_check(!bad_round,
		       "%s: %d rounds: the guest saw each flag and the buffer written before it, and echoed",
		       name, ROUNDS))
		tap_diag("  round %u: %s", bad_round, why);

	pthread_join(thread, NULL);
	if (!tap_check(rn.result == KVM_EXIT_HLT,
		       "%s: all of it inside one KVM_RUN, which ended with HLT", name))
		tap_diag("  KVM_RUN: %s", guest_exit_name(rn.result));
	if (!ioctl(g.vcpu_fd, KVM_GET_REGS, &regs)) {
		if (!tap_check(regs.rcx == ROUNDS && load(&g, HEART) >= h2,
			       "%s: the guest ends with ECX = %d and a heartbeat that only grew",
			       name, ROUNDS))
			tap_diag("  rcx %llu heartbeat %u (was %u)",
				 (unsigned long long)regs.rcx, load(&g, HEART), h2);
	} else {
		tap_check(false, "%s: KVM_GET_REGS", name);
	}
	guest_vm_destroy(&g);
}

int main(void)
{
	int sys_fd = guest_open_dev();

	tap_plan(2 * 6);
	test_shared(sys_fd, "32-bit", GUEST_PROT32, shared32_start, shared32_end);
	test_shared(sys_fd, "64-bit long mode", GUEST_LONG64, shared64_start, shared64_end);
	close(sys_fd);
	return tap_finish();
}
