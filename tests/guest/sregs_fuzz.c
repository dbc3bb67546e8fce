// SPDX-License-Identifier: GPL-2.0
/*
 * sregs_fuzz - garbage special registers never hurt the host. A few hundred
 * seeded-random kvm_sregs (segment attributes, bases, limits, selectors,
 * CR0/CR4/EFER combinations, CR3, descriptor tables, CR8, APIC base, now
 * and then a pending interrupt or odd RFLAGS), some mutations of a valid
 * state in each of the four modes, some wholly random. For each:
 * KVM_SET_SREGS either succeeds or fails with EINVAL; when it succeeds,
 * KVM_RUN ends in a defined way (any exit, or an errno; a 1 s watchdog
 * signal ends a guest that legitimately spins) and KVM_GET_SREGS still
 * works. Guest memory is all HLT (plus page tables), so most guests that
 * run at all stop soon.
 *
 * One class of states is set but not run when the host is QEMU's TCG (the
 * svm testbed): EFER.LME=1 with CR0.PG=0 and CR4.PAE=0, legal on real
 * CPUs (the step before paging is turned on in long mode). QEMU 7.2's
 * #VMEXIT reloads the host's CR0 while the guest's EFER and CR4 are still
 * loaded, takes the host's CR0.PG=1 for an attempt to enter long mode
 * without PAE and drops the whole CR0 write: the host CPU goes on without
 * paging and is lost, under kvm-amd exactly as under vmrun (seen: an RCU
 * stall on that CPU and an unkillable process). Those states are counted.
 *
 * The fuzzing child holds one VM open all along (an anchor): kvm-amd turns
 * SVM on in every CPU when its first VM is made and off when its last one
 * goes, and in the QEMU testbed that cycle, repeated after guests have run,
 * hangs the emulated machine after some hundreds of rounds (seen: about
 * 950 rounds of create, run a HLT guest, destroy; 3000 rounds with an
 * anchor VM were fine). The fuzzing is about states, not about that.
 *
 * The fuzzing runs in a child process that the parent watches: a child
 * killed by a signal, or one whose KVM_RUN does not return even to the
 * watchdog, fails the test. Afterwards a fresh VM must run a simple guest
 * correctly. The summary of outcomes goes out as TAP diagnostics; the
 * testbed fails the run on any WARN, BUG or oops in the kernel log.
 */
#include <cpuid.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

#define SEED		0x5eed2026u
#define NR_VMS		75
#define PER_VM		4		/* states tried on one vCPU */
#define NR_TRIES	(NR_VMS * PER_VM)
#define WATCHDOG_S	1
#define HANG_S		20		/* no progress this long: a hang */

GUEST_CODE(hlt16, ".code16", "hlt\n");
GUEST_CODE(hlt32, ".code32", "hlt\n");
GUEST_CODE(hlt64, ".code64", "hlt\n");

GUEST_CODE(simple, ".code64",
	   "mov $0x12345678, %eax\n"
	   "out %eax, $0x10\n"
	   "movl $0xfeedf00d, 0x3000\n"
	   "hlt\n");

enum outcome {
	O_HLT, O_IO, O_MMIO, O_SHUTDOWN, O_FAIL_ENTRY, O_INTERNAL,
	O_OTHER_EXIT, O_WATCHDOG, O_ERRNO, O_NOT_RUN, NR_OUTCOMES
};

static const char *const outcome_names[NR_OUTCOMES] = {
	"HLT", "IO", "MMIO", "SHUTDOWN", "FAIL_ENTRY", "INTERNAL_ERROR",
	"other exits", "watchdog EINTR", "errno", "not run (QEMU TCG LME/PG/PAE)",
};

/* Shared between the fuzzing child and the parent that watches it. */
struct fuzz_state {
	unsigned long progress;		/* bumped at every step */
	int tries, phase;		/* phase: 1 SET_SREGS, 2 KVM_RUN, 3 GET_SREGS */
	struct kvm_sregs cur;
	uint64_t cur_rflags;
	int done;
	/* results */
	unsigned int accepted, einval, set_other, get_fail, setup_fail;
	unsigned int outcome[NR_OUTCOMES];
	int first_set_errno, first_set_try;
	struct kvm_sregs first_set_sregs;
	int first_get_errno, first_get_try;
	int other_exit_reason, other_errno;
	int first_suberror;		/* of the first INTERNAL_ERROR */
	uint64_t first_internal_data[4];
	uint64_t first_fail_reason;	/* of the first FAIL_ENTRY */
};

#define CR0_PG		(1ULL << 31)
#define CR4_PAE		(1ULL << 5)
#define EFER_LME	(1ULL << 8)

/* Is the host QEMU's TCG? CPUID 0x40000000 says "TCGTCGTCGTCG". */
static bool host_is_qemu_tcg(void)
{
	unsigned int a, b, c, d;
	char sig[13];

	__cpuid(1, a, b, c, d);
	if (!(c & (1u << 31)))
		return false;		/* no hypervisor */
	__cpuid(0x40000000, a, b, c, d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	sig[12] = 0;
	return !strcmp(sig, "TCGTCGTCGTCG");
}

/* The state that QEMU 7.2's #VMEXIT cannot leave (see the top). */
static bool qemu_tcg_loses_host(const struct kvm_sregs *s)
{
	return (s->efer & EFER_LME) && !(s->cr0 & CR0_PG) && !(s->cr4 & CR4_PAE);
}

static uint64_t rng_state = SEED;

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static bool chance(unsigned int one_in)
{
	return rnd() % one_in == 0;
}

static void random_segment(struct kvm_segment *s)
{
	uint64_t a = rnd();

	s->base = rnd();
	if (chance(2))
		s->base &= 0xfffff;
	s->limit = rnd();
	if (chance(3))
		s->limit = chance(2) ? 0xffffffff : 0xffff;
	s->selector = rnd();
	s->type = a & 0xf;
	s->present = (a >> 4) & 1;
	s->dpl = (a >> 5) & 3;
	s->db = (a >> 7) & 1;
	s->s = (a >> 8) & 1;
	s->l = (a >> 9) & 1;
	s->g = (a >> 10) & 1;
	s->avl = (a >> 11) & 1;
	s->unusable = chance(4);
}

/* One change to an otherwise sane segment. */
static void mutate_segment(struct kvm_segment *s)
{
	switch (rnd() % 8) {
	case 0:
		random_segment(s);
		break;
	case 1:
		s->base = rnd();
		break;
	case 2:
		s->limit = rnd();
		break;
	case 3:
		s->selector = rnd();
		break;
	case 4:
		s->type = rnd() & 0xf;
		break;
	case 5:
		s->dpl = rnd() & 3;
		break;
	case 6:
		s->present = !s->present;
		break;
	case 7:
		s->l ^= rnd() & 1;
		s->db ^= rnd() & 1;
		s->s ^= rnd() & 1;
		s->unusable ^= rnd() & 1;
		break;
	}
}

static uint64_t random_cr3(void)
{
	switch (rnd() % 4) {
	case 0:
		return rnd();
	case 1:
		return rnd() & 0xffffffffULL;
	case 2:
		return rnd() & 0x1ff000;	/* in RAM: HLT bytes or tables */
	default:
		return (rnd() & 0x1fffff) | (rnd() & 0xfff);
	}
}

static void random_sregs(struct kvm_sregs *s)
{
	struct kvm_segment *segs[] = {
		&s->cs, &s->ds, &s->es, &s->fs, &s->gs, &s->ss, &s->tr, &s->ldt,
	};
	unsigned int i;

	for (i = 0; i < 8; i++)
		random_segment(segs[i]);
	s->gdt.base = rnd();
	s->gdt.limit = rnd();
	s->idt.base = rnd();
	s->idt.limit = rnd();
	s->cr0 = chance(2) ? rnd() : rnd() & 0xe005003f;
	s->cr2 = rnd();
	s->cr3 = random_cr3();
	s->cr4 = chance(2) ? rnd() : rnd() & 0x3fffff;
	s->cr8 = chance(2) ? rnd() : rnd() & 0xf;
	s->efer = chance(2) ? rnd() : rnd() & 0xfd01;
	s->apic_base = chance(2) ? rnd() : 0xfee00900 | (rnd() & 0x400);
}

/* A valid state, changed in a few places. */
static void mutate_sregs(struct kvm_sregs *s)
{
	static const uint64_t cr0_bits[] = {
		1ULL << 0, 1ULL << 1, 1ULL << 2, 1ULL << 3, 1ULL << 4,
		1ULL << 5, 1ULL << 16, 1ULL << 18, 1ULL << 29, 1ULL << 30,
		1ULL << 31, 1ULL << 32, 1ULL << 63,
	};
	static const uint64_t efer_bits[] = {
		1ULL << 0, 1ULL << 8, 1ULL << 10, 1ULL << 11, 1ULL << 12,
		1ULL << 13, 1ULL << 14, 1ULL << 15, 1ULL << 20, 1ULL << 63,
	};
	struct kvm_segment *segs[] = {
		&s->cs, &s->ds, &s->es, &s->fs, &s->gs, &s->ss, &s->tr, &s->ldt,
	};
	unsigned int i, changes = 0;

	while (!changes) {
		for (i = 0; i < 8; i++)
			if (chance(5))
				mutate_segment(segs[i]), changes++;
		if (chance(3)) {
			s->cr0 ^= chance(6) ? rnd() : cr0_bits[rnd() % 13];
			changes++;
		}
		if (chance(3)) {
			s->cr4 ^= chance(6) ? rnd() : 1ULL << (rnd() % 24);
			changes++;
		}
		if (chance(3)) {
			s->efer ^= chance(6) ? rnd() : efer_bits[rnd() % 10];
			changes++;
		}
		if (chance(4))
			s->cr3 = random_cr3(), changes++;
		if (chance(6))
			s->gdt.base = rnd(), s->gdt.limit = rnd(), changes++;
		if (chance(6))
			s->idt.base = rnd(), s->idt.limit = rnd(), changes++;
		if (chance(8))
			s->cr8 = chance(2) ? rnd() & 0xf : rnd(), changes++;
		if (chance(10))
			s->apic_base = rnd(), changes++;
		if (chance(8))
			s->cr2 = rnd(), changes++;
	}
}

static enum outcome classify(struct fuzz_state *st, int r)
{
	switch (r) {
	case KVM_EXIT_HLT: return O_HLT;
	case KVM_EXIT_IO: return O_IO;
	case KVM_EXIT_MMIO: return O_MMIO;
	case KVM_EXIT_SHUTDOWN: return O_SHUTDOWN;
	case KVM_EXIT_FAIL_ENTRY: return O_FAIL_ENTRY;
	case KVM_EXIT_INTERNAL_ERROR: return O_INTERNAL;
	case -EINTR: return O_WATCHDOG;
	}
	if (r < 0) {
		st->other_errno = -r;
		return O_ERRNO;
	}
	st->other_exit_reason = r;
	return O_OTHER_EXIT;
}

static void step(struct fuzz_state *st, int phase)
{
	st->phase = phase;
	__atomic_add_fetch(&st->progress, 1, __ATOMIC_RELEASE);
}

/* The child's work; exits 0 when every state has been tried. */
static void fuzz(int sys_fd, struct fuzz_state *st, bool tcg)
{
	static const enum guest_mode modes[] = {
		GUEST_REAL, GUEST_PROT32, GUEST_PAE32, GUEST_LONG64,
	};
	static const uint64_t rflags_bits[] = {
		1 << 8, 1 << 9, 1 << 10, 3 << 12, 1 << 14, 1 << 16, 1 << 17,
		1 << 18, 1 << 19, 1 << 20, 1 << 21,
	};
	struct guest_vm g;
	int vm, j, anchor;

	anchor = ioctl(sys_fd, KVM_CREATE_VM, 0);
	if (anchor < 0)
		st->setup_fail++;
	for (vm = 0; vm < NR_VMS; vm++) {
		if (!guest_vm_create(&g, sys_fd)) {
			st->setup_fail++;
			guest_vm_destroy(&g);
			continue;
		}
		memset(g.mem, 0xf4, GUEST_MEM_SIZE);
		for (j = 0; j < PER_VM; j++) {
			enum guest_mode mode = modes[rnd() % 4];
			const uint8_t *start = mode == GUEST_REAL ? hlt16_start :
					       mode == GUEST_LONG64 ? hlt64_start : hlt32_start;
			const uint8_t *end = mode == GUEST_REAL ? hlt16_end :
					     mode == GUEST_LONG64 ? hlt64_end : hlt32_end;
			struct kvm_regs regs;
			struct kvm_sregs s;
			int r;

			if (!guest_load(&g, mode, start, end) ||
			    ioctl(g.vcpu_fd, KVM_GET_SREGS, &s) ||
			    ioctl(g.vcpu_fd, KVM_GET_REGS, &regs)) {
				st->setup_fail++;
				break;
			}
			if (chance(8))
				random_sregs(&s);
			else
				mutate_sregs(&s);
			if (chance(25))
				s.interrupt_bitmap[rnd() % 4] = 1ULL << (rnd() % 64);
			if (chance(8)) {
				regs.rflags = 2 | rflags_bits[rnd() % 11] |
					      (chance(2) ? rflags_bits[rnd() % 11] : 0);
				ioctl(g.vcpu_fd, KVM_SET_REGS, &regs);
			}

			st->cur = s;
			st->cur_rflags = regs.rflags;
			st->tries++;
			step(st, 1);
			r = ioctl(g.vcpu_fd, KVM_SET_SREGS, &s);
			if (r) {
				if (errno == EINVAL) {
					st->einval++;
				} else if (!st->set_other++) {
					st->first_set_errno = errno;
					st->first_set_try = st->tries;
					st->first_set_sregs = s;
				}
				continue;
			}
			st->accepted++;
			if (tcg && qemu_tcg_loses_host(&s)) {
				st->outcome[O_NOT_RUN]++;
				continue;
			}
			step(st, 2);
			r = guest_run_thread(&g, WATCHDOG_S);
			if (r == KVM_EXIT_INTERNAL_ERROR && !st->outcome[O_INTERNAL]) {
				st->first_suberror = g.run->internal.suberror;
				memcpy(st->first_internal_data, g.run->internal.data,
				       sizeof(st->first_internal_data));
			}
			if (r == KVM_EXIT_FAIL_ENTRY && !st->outcome[O_FAIL_ENTRY])
				st->first_fail_reason =
					g.run->fail_entry.hardware_entry_failure_reason;
			st->outcome[classify(st, r)]++;
			step(st, 3);
			if (ioctl(g.vcpu_fd, KVM_GET_SREGS, &s) && !st->get_fail++) {
				st->first_get_errno = errno;
				st->first_get_try = st->tries;
			}
		}
		guest_vm_destroy(&g);
	}
	close(anchor);
	st->done = 1;
	step(st, 0);
	fflush(stdout);
	_exit(0);
}

static void diag_sregs(const struct kvm_sregs *s, uint64_t rflags)
{
	const struct kvm_segment *segs[] = {
		&s->cs, &s->ds, &s->es, &s->fs, &s->gs, &s->ss, &s->tr, &s->ldt,
	};
	static const char *const names[] = {
		"cs", "ds", "es", "fs", "gs", "ss", "tr", "ldt",
	};
	unsigned int i;

	for (i = 0; i < 8; i++)
		tap_diag("  %-3s sel 0x%04x base 0x%016llx limit 0x%08x type %u s %u dpl %u p %u avl %u l %u db %u g %u unusable %u",
			 names[i], segs[i]->selector,
			 (unsigned long long)segs[i]->base, segs[i]->limit,
			 segs[i]->type, segs[i]->s, segs[i]->dpl,
			 segs[i]->present, segs[i]->avl, segs[i]->l,
			 segs[i]->db, segs[i]->g, segs[i]->unusable);
	tap_diag("  gdt 0x%llx/0x%x idt 0x%llx/0x%x",
		 (unsigned long long)s->gdt.base, s->gdt.limit,
		 (unsigned long long)s->idt.base, s->idt.limit);
	tap_diag("  cr0 0x%llx cr2 0x%llx cr3 0x%llx cr4 0x%llx cr8 0x%llx efer 0x%llx apic_base 0x%llx rflags 0x%llx",
		 (unsigned long long)s->cr0, (unsigned long long)s->cr2,
		 (unsigned long long)s->cr3, (unsigned long long)s->cr4,
		 (unsigned long long)s->cr8, (unsigned long long)s->efer,
		 (unsigned long long)s->apic_base, (unsigned long long)rflags);
	tap_diag("  interrupt_bitmap %llx %llx %llx %llx",
		 (unsigned long long)s->interrupt_bitmap[0],
		 (unsigned long long)s->interrupt_bitmap[1],
		 (unsigned long long)s->interrupt_bitmap[2],
		 (unsigned long long)s->interrupt_bitmap[3]);
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* 5 results. */
static void test_fuzz(int sys_fd)
{
	static const char *const phases[] = {
		"-", "KVM_SET_SREGS", "KVM_RUN", "KVM_GET_SREGS",
	};
	struct fuzz_state *st;
	unsigned long last = 0;
	int status = 0, quiet_ms = 0, i;
	bool hung = false, exited = false, tcg = host_is_qemu_tcg();
	char line[512];
	size_t n = 0;
	pid_t pid;

	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (st == MAP_FAILED)
		tap_bail("mmap: %s", tap_errname(errno));
	memset(st, 0, sizeof(*st));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		tap_bail("fork: %s", tap_errname(errno));
	if (!pid)
		fuzz(sys_fd, st, tcg);

	/* Watch the child: progress, or its end. */
	while (!exited) {
		unsigned long now;

		sleep_ms(100);
		if (waitpid(pid, &status, WNOHANG) == pid) {
			exited = true;
			break;
		}
		now = __atomic_load_n(&st->progress, __ATOMIC_ACQUIRE);
		quiet_ms = now == last ? quiet_ms + 100 : 0;
		last = now;
		if (quiet_ms >= HANG_S * 1000) {
			hung = true;
			tap_diag("no progress for %d s: try %d stuck in %s", HANG_S,
				 st->tries, phases[st->phase]);
			diag_sregs(&st->cur, st->cur_rflags);
			kill(pid, SIGKILL);
			for (i = 0; i < 100 && !exited; i++) {
				sleep_ms(100);
				exited = waitpid(pid, &status, WNOHANG) == pid;
			}
			if (!exited)
				tap_diag("the child is still there 10 s after SIGKILL");
			break;
		}
	}

	if (!tap_check(exited && !hung && WIFEXITED(status) &&
		       WEXITSTATUS(status) == 0 && st->done && !st->setup_fail,
		       "garbage sregs: the fuzzing process tried %d states (seed 0x%x) and exited normally",
		       NR_TRIES, SEED))
		tap_diag("  %s, wait status 0x%x, %d states tried, %u setup failures",
			 hung ? "hung" : exited ? "exited" : "still there",
			 status, st->tries, st->setup_fail);
	if (!tap_check(!st->set_other,
		       "garbage sregs: KVM_SET_SREGS either succeeded or failed with EINVAL")) {
		tap_diag("  %u other errors; the first, %s, at try %d, for:",
			 st->set_other, tap_errname(st->first_set_errno),
			 st->first_set_try);
		diag_sregs(&st->first_set_sregs, 0);
	}
	tap_check(!hung && st->done,
		  "garbage sregs: every KVM_RUN after an accepted state returned (an exit or an errno), none hung");
	if (!tap_check(!st->get_fail && st->done,
		       "garbage sregs: KVM_GET_SREGS worked after every run"))
		tap_diag("  %u failures, the first %s at try %d", st->get_fail,
			 tap_errname(st->first_get_errno), st->first_get_try);
	/* Not vacuous: both the checks and the runs were reached. */
	if (!tap_check(st->accepted - st->outcome[O_NOT_RUN] >= NR_TRIES / 10 &&
		       st->einval > 0,
		       "garbage sregs: the fuzzing reached both sides: some states refused, at least a tenth accepted and run"))
		tap_diag("  %u accepted, %u of them not run, %u EINVAL",
			 st->accepted, st->outcome[O_NOT_RUN], st->einval);

	if (tcg)
		tap_diag("the host is QEMU's TCG: states with EFER.LME=1, CR0.PG=0, CR4.PAE=0 are set but not run");
	tap_diag("KVM_SET_SREGS: %d tries, %u EINVAL, %u other errors, %u accepted",
		 st->tries, st->einval, st->set_other, st->accepted);
	for (i = 0; i < NR_OUTCOMES; i++)
		n += snprintf(line + n, sizeof(line) - n, "%s%s %u",
			      i ? ", " : "", outcome_names[i], st->outcome[i]);
	tap_diag("KVM_RUN: %s", line);
	if (st->outcome[O_INTERNAL])
		tap_diag("  the first INTERNAL_ERROR: suberror %d, data 0x%llx 0x%llx 0x%llx 0x%llx",
			 st->first_suberror,
			 (unsigned long long)st->first_internal_data[0],
			 (unsigned long long)st->first_internal_data[1],
			 (unsigned long long)st->first_internal_data[2],
			 (unsigned long long)st->first_internal_data[3]);
	if (st->outcome[O_FAIL_ENTRY])
		tap_diag("  the first FAIL_ENTRY: hardware_entry_failure_reason 0x%llx",
			 (unsigned long long)st->first_fail_reason);
	if (st->outcome[O_OTHER_EXIT])
		tap_diag("  an other exit: reason %d", st->other_exit_reason);
	if (st->outcome[O_ERRNO])
		tap_diag("  an errno: %s", tap_errname(st->other_errno));
	munmap(st, sizeof(*st));
}

/* 3 results. */
static void test_fresh_vm(int sys_fd)
{
	struct guest_vm g;
	uint32_t v;
	int r;

	if (!tap_check(guest_vm_create(&g, sys_fd) &&
		       guest_load(&g, GUEST_LONG64, simple_start, simple_end),
		       "after the fuzzing: a fresh VM and vCPU set up")) {
		guest_vm_destroy(&g);
		return;
	}
	guest_expect_io(&g, KVM_EXIT_IO_OUT, 0x10, 4, 0x12345678,
			"after the fuzzing: a fresh 64-bit guest");
	r = guest_run(&g);
	memcpy(&v, g.mem + 0x3000, 4);
	if (!tap_check(r == KVM_EXIT_HLT && v == 0xfeedf00d,
		       "after the fuzzing: the fresh guest wrote its memory and halted"))
		tap_diag("  got %s, memory 0x%x", guest_exit_name(r), v);
	guest_vm_destroy(&g);
}

int main(void)
{
	int sys_fd = guest_open_dev();

	tap_plan(5 + 3);
	test_fuzz(sys_fd);
	test_fresh_vm(sys_fd);
	close(sys_fd);
	return tap_finish();
}
