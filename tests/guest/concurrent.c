// SPDX-License-Identifier: GPL-2.0
/*
 * concurrent - 4 VMs of 2 vCPUs each run at once, one thread per vCPU.
 * Every vCPU loops a few thousand times: it increments its own counter in
 * guest memory, writes the counter to its own port (a port no other vCPU
 * uses) and stores it, tagged with its VM and vCPU, in a ring of its own.
 * All VMs use the same guest-physical addresses for the same vCPU index,
 * so a write that reached the wrong VM, or an exit reported to the wrong
 * vCPU, shows up as a wrong port, a counter out of sequence or a foreign
 * tag. VMs 0 and 2 run in 64-bit long mode, VMs 1 and 3 in 32-bit
 * protected mode.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

#define NR_VMS		4
#define NR_VCPUS	2		/* per VM */
#define ITERATIONS	3000
#define RING_ENTRIES	1024
#define COUNTER_GPA(c)	(0x3000 + (c) * 0x100)
#define RING_GPA(c)	(0x4000 + (c) * 0x1000)
#define PORT(vm, c)	(0x100u + (vm) * 0x10 + (c))
#define TAG(vm, c)	((uint32_t)((vm) + 1) << 24 | (uint32_t)((c) + 1) << 16)

/*
 * EBX: counter, EDX: port, ECX: iterations, ESI: tag, EDI: ring.
 * The same text assembles as 32- and 64-bit code.
 */
#define LOOP_BODY							\
	"1: incl (%ebx)\n"						\
	" mov (%ebx), %eax\n"						\
	" out %eax, (%dx)\n"						\
	" mov %eax, %ebp\n"						\
	" and $0x3ff, %ebp\n"						\
	" or %esi, %eax\n"						\
	" mov %eax, (%edi,%ebp,4)\n"					\
	" dec %ecx\n"							\
	" jnz 1b\n"							\
	" hlt\n"

GUEST_CODE(loop32, ".code32", LOOP_BODY);
GUEST_CODE(loop64, ".code64", LOOP_BODY);

struct vcpu_job {
	struct guest_vm *vcpu;
	int vm, idx;
	pthread_barrier_t *start;
	/* Results, read by the main thread after the join. */
	unsigned int exits;		/* port writes seen in sequence */
	bool io_ok;
	char io_err[160];
	int last;			/* the exit that ended the loop */
	struct timespec first_exit, end;
};

static void now(struct timespec *t)
{
	clock_gettime(CLOCK_MONOTONIC, t);
}

static bool before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	       (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu_job *job = arg;
	struct guest_vm *v = job->vcpu;
	struct kvm_run *run = v->run;
	uint16_t port = PORT(job->vm, job->idx);
	int r;

	job->io_ok = true;
	pthread_barrier_wait(job->start);
	for (;;) {
		uint32_t data = 0, mem;

		r = guest_run_thread(v, GUEST_RUN_TIMEOUT);
		if (!job->exits)
			now(&job->first_exit);
		if (r == KVM_EXIT_INTERNAL_ERROR) {
			snprintf(job->io_err, sizeof(job->io_err),
				 "exit %u: INTERNAL_ERROR suberror %u data 0x%llx 0x%llx",
				 job->exits + 1, run->internal.suberror,
				 (unsigned long long)run->internal.data[0],
				 (unsigned long long)run->internal.data[1]);
			job->io_ok = false;
		}
		if (r != KVM_EXIT_IO)
			break;
		memcpy(&data, (uint8_t *)run + run->io.data_offset, 4);
		memcpy(&mem, v->mem + COUNTER_GPA(job->idx), 4);
		if (run->io.direction != KVM_EXIT_IO_OUT || run->io.port != port ||
		    run->io.size != 4 || run->io.count != 1 ||
		    data != job->exits + 1 || mem != data) {
			snprintf(job->io_err, sizeof(job->io_err),
				 "exit %u: dir %u port 0x%x size %u count %u data %u, counter in memory %u (want OUT 0x%x, 4 bytes, %u)",
				 job->exits + 1, run->io.direction, run->io.port,
				 run->io.size, run->io.count, data, mem, port,
				 job->exits + 1);
			job->io_ok = false;
			break;
		}
		job->exits++;
	}
	job->last = r;
	now(&job->end);
	return NULL;
}

static bool setup_vm(int sys_fd, int vm, struct guest_vm *g,
		     struct guest_vm vcpus[NR_VCPUS])
{
	enum guest_mode mode = vm % 2 ? GUEST_PROT32 : GUEST_LONG64;
	const uint8_t *start = vm % 2 ? loop32_start : loop64_start;
	const uint8_t *end = vm % 2 ? loop32_end : loop64_end;
	int c;

	if (!guest_vm_create(g, sys_fd))
		return false;
	vcpus[0] = *g;			/* vCPU 0 is the VM's own */
	for (c = 1; c < NR_VCPUS; c++)
		if (!guest_vcpu_add(g, c, &vcpus[c]))
			return false;
	for (c = 0; c < NR_VCPUS; c++) {
		struct kvm_regs regs;

		if (!guest_load(&vcpus[c], mode, start, end) ||
		    ioctl(vcpus[c].vcpu_fd, KVM_GET_REGS, &regs))
			return false;
		regs.rbx = COUNTER_GPA(c);
		regs.rdx = PORT(vm, c);
		regs.rcx = ITERATIONS;
		regs.rsi = TAG(vm, c);
		regs.rdi = RING_GPA(c);
		if (ioctl(vcpus[c].vcpu_fd, KVM_SET_REGS, &regs)) {
			tap_diag("KVM_SET_REGS: %s", tap_errname(errno));
			return false;
		}
	}
	return true;
}

/* The ring entry @j ends with the last counter value c <= N, c % 1024 == j. */
static uint32_t ring_want(int vm, int c, unsigned int j)
{
	uint32_t n = ITERATIONS - (ITERATIONS - j) % RING_ENTRIES;

	return TAG(vm, c) | n;
}

static void check_vcpu(struct vcpu_job *job, uint64_t hlt_rip)
{
	struct guest_vm *v = job->vcpu;
	struct kvm_regs regs;
	uint32_t counter, got;
	unsigned int j, bad = 0, shown;

	if (!tap_check(job->io_ok && job->exits == ITERATIONS,
		       "VM %d vCPU %d: %d port writes, all to port 0x%x and in counter order, the counter already in the host's mapping",
		       job->vm, job->idx, ITERATIONS, PORT(job->vm, job->idx)))
		tap_diag("  %u good exits; %s", job->exits,
			 job->io_ok ? guest_exit_name(job->last) : job->io_err);

	if (job->last == KVM_EXIT_HLT && !ioctl(v->vcpu_fd, KVM_GET_REGS, &regs)) {
		if (!tap_check(regs.rip == hlt_rip && regs.rcx == 0 &&
			       regs.rsi == TAG(job->vm, job->idx) &&
			       regs.rdx == PORT(job->vm, job->idx),
			       "VM %d vCPU %d: HLT at the end with its own registers (RIP past HLT, ECX 0, tag, port)",
			       job->vm, job->idx))
			tap_diag("  rip 0x%llx rcx %llu rsi 0x%llx rdx 0x%llx",
				 (unsigned long long)regs.rip,
				 (unsigned long long)regs.rcx,
				 (unsigned long long)regs.rsi,
				 (unsigned long long)regs.rdx);
	} else {
		tap_check(false, "VM %d vCPU %d: HLT at the end with its own registers (RIP past HLT, ECX 0, tag, port)",
			  job->vm, job->idx);
		tap_diag("  last exit %s", guest_exit_name(job->last));
	}

	memcpy(&counter, v->mem + COUNTER_GPA(job->idx), 4);
	for (j = 0; j < RING_ENTRIES; j++) {
		memcpy(&got, v->mem + RING_GPA(job->idx) + 4 * j, 4);
		if (got != ring_want(job->vm, job->idx, j))
			bad++;
	}
	if (tap_check(counter == ITERATIONS && !bad,
		      "VM %d vCPU %d: its memory holds its own counter (%d) and ring values only",
		      job->vm, job->idx, ITERATIONS))
		return;
	tap_diag("  counter %u; %u bad ring entries", counter, bad);
	for (j = 0, shown = 0; j < RING_ENTRIES && shown < 8; j++) {
		memcpy(&got, v->mem + RING_GPA(job->idx) + 4 * j, 4);
		if (got == ring_want(job->vm, job->idx, j))
			continue;
		tap_diag("  [%u] = 0x%08x, want 0x%08x", j, got,
			 ring_want(job->vm, job->idx, j));
		shown++;
	}
}

int main(void)
{
	struct guest_vm vms[NR_VMS], vcpus[NR_VMS][NR_VCPUS];
	struct vcpu_job jobs[NR_VMS * NR_VCPUS];
	pthread_t threads[NR_VMS * NR_VCPUS];
	pthread_barrier_t start;
	struct timespec t0, t1;
	bool ok = true, overlap = true;
	int sys_fd = guest_open_dev();
	int vm, c, i, n = NR_VMS * NR_VCPUS;

	tap_plan(2 + 3 * NR_VMS * NR_VCPUS);
	memset(vcpus, 0, sizeof(vcpus));
	for (vm = 0; vm < NR_VMS; vm++) {
		vms[vm].vm_fd = vms[vm].vcpu_fd = -1;
		vms[vm].mem = NULL;
		vms[vm].run = NULL;
		for (c = 0; c < NR_VCPUS; c++)
			vcpus[vm][c].vcpu_fd = -1;
	}
	for (vm = 0; vm < NR_VMS && ok; vm++)
		ok = setup_vm(sys_fd, vm, &vms[vm], vcpus[vm]);
	if (!tap_check(ok, "%d VMs with %d vCPUs each set up, each vCPU with its own port, counter and ring",
		       NR_VMS, NR_VCPUS))
		tap_bail("no VMs to run");

	pthread_barrier_init(&start, NULL, n + 1);
	for (i = 0; i < n; i++) {
		jobs[i] = (struct vcpu_job){
			.vcpu = &vcpus[i / NR_VCPUS][i % NR_VCPUS],
			.vm = i / NR_VCPUS, .idx = i % NR_VCPUS,
			.start = &start,
		};
		if (pthread_create(&threads[i], NULL, vcpu_thread, &jobs[i]))
			tap_bail("pthread_create failed");
	}
	now(&t0);
	pthread_barrier_wait(&start);
	for (i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
	now(&t1);
	tap_diag("%d vCPU threads, %d port writes each: %.2f s",
		 n, ITERATIONS, (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);

	/* Concurrency really happened: every vCPU had its first exit before
	 * any vCPU finished.
	 */
	for (i = 0; i < n; i++)
		for (c = 0; c < n; c++)
			if (!before(&jobs[i].first_exit, &jobs[c].end))
				overlap = false;
	tap_check(overlap, "all %d vCPUs were running at the same time (each had exited once before any finished)", n);

	for (i = 0; i < n; i++) {
		bool is32 = jobs[i].vm % 2;

		check_vcpu(&jobs[i], guest_code_rip(is32 ? GUEST_PROT32 : GUEST_LONG64) +
			   (is32 ? loop32_end - loop32_start : loop64_end - loop64_start));
	}

	for (vm = 0; vm < NR_VMS; vm++) {
		for (c = 1; c < NR_VCPUS; c++)
			guest_vcpu_destroy(&vcpus[vm][c]);
		guest_vm_destroy(&vms[vm]);
	}
	close(sys_fd);
	return tap_finish();
}
