// SPDX-License-Identifier: GPL-2.0
/*
 * signal_kill - signals end KVM_RUN, and a process killed inside KVM_RUN
 * leaves nothing behind.
 *
 *   1. A guest spinning forever (64-bit) is interrupted three times by a
 *      signal another thread sends: KVM_RUN -> EINTR, KVM_EXIT_INTR; the
 *      guest made progress in between and runs on afterwards.
 *   2. A guest reading unmapped memory in a loop takes an MMIO exit on
 *      every read; user space answers each, until a signal lands inside
 *      KVM_RUN (EINTR, KVM_EXIT_INTR). Every answer must have reached the
 *      guest, the one in flight at the signal included.
 *   3. A child process runs a guest with 64 MiB of memory that it touches
 *      all over, then spins, incrementing a heartbeat in a page it shares
 *      with the parent: while that grows, the child is inside KVM_RUN. The
 *      parent kills it with SIGKILL and checks that nothing leaked: vmrun's
 *      debugfs object counters (vmrun mode only) come back to their
 *      baseline, free memory (MemAvailable plus the per-CPU free lists)
 *      and SUnreclaim come back to theirs within a tolerance that a leaked
 *      64 MiB would exceed. While the child runs the same readings must
 *      show its VM, so the checks can see what they look for. Three times.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
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

#define MMIO_GPA	0xd0000000u
#define BIG_GPA		0x40000000u
#define BIG_SIZE	(64u << 20)
#define BEAT_GPA	0x200000u	/* just above slot 0 */
#define KILLS		3
#define OBJECTS		"/sys/kernel/debug/vmrun/objects"
/* A leaked guest memory region of BIG_SIZE would exceed these. */
#define FREE_TOLERANCE_KB	(24 * 1024)
#define SUNRECLAIM_TOLERANCE_KB	(8 * 1024)
#define FREE_SEEN_KB		(48 * 1024)	/* the running child, at least */

GUEST_CODE(spin, ".code64",
	   "1: incl 0x3000\n"
	   "cmpl $0, 0x3004\n"
	   "je 1b\n"
	   "hlt\n");

/* ESI: sum of the answers, EDI: their count; 0xffffffff ends the loop. */
GUEST_CODE(hammer, ".code64",
	   "mov $0xd0000000, %ebx\n"
	   "xor %esi, %esi\n"
	   "xor %edi, %edi\n"
	   "1: mov (%ebx), %eax\n"
	   "cmp $0xffffffff, %eax\n"
	   "je 2f\n"
	   "add %eax, %esi\n"
	   "inc %edi\n"
	   "jmp 1b\n"
	   "2: hlt\n");

/*
 * Writes a word to every 4 KiB page of the 64 MiB at BIG_GPA, then spins
 * incrementing a heartbeat in the page at BEAT_GPA, which the parent shares.
 */
GUEST_CODE(toucher, ".code64",
	   "mov $0x40000000, %ebx\n"
	   "mov $16384, %ecx\n"
	   "1: mov %ecx, (%ebx)\n"
	   "add $4096, %ebx\n"
	   "dec %ecx\n"
	   "jnz 1b\n"
	   "out %al, $0x80\n"
	   "2: incl 0x200000\n"
	   "jmp 2b\n");

static volatile sig_atomic_t usr1_count;

static void on_usr1(int sig)
{
	(void)sig;
	usr1_count++;
}

/* A thread that sends SIGUSR1 to @target every @period_ms until stopped. */
struct signaller {
	pthread_t thread, target;
	unsigned int delay_ms, period_ms;
	int stop;
	unsigned int sent;
};

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts))
		;
}

static void *signaller_thread(void *arg)
{
	struct signaller *s = arg;
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	sleep_ms(s->delay_ms);
	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		pthread_kill(s->target, SIGUSR1);
		s->sent++;
		sleep_ms(s->period_ms);
	}
	return NULL;
}

static void signaller_start(struct signaller *s, unsigned int delay_ms,
			    unsigned int period_ms)
{
	struct sigaction sa = { .sa_handler = on_usr1 };	/* no SA_RESTART */

	sigaction(SIGUSR1, &sa, NULL);
	memset(s, 0, sizeof(*s));
	s->target = pthread_self();
	s->delay_ms = delay_ms;
	s->period_ms = period_ms;
	if (pthread_create(&s->thread, NULL, signaller_thread, s))
		tap_bail("pthread_create failed");
}

static void signaller_stop(struct signaller *s)
{
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
	pthread_join(s->thread, NULL);
}

static uint32_t mem32(struct guest_vm *g, unsigned int gpa)
{
	uint32_t v;

	memcpy(&v, g->mem + gpa, 4);
	return v;
}

/* 3 results. */
static void test_spin(int sys_fd)
{
	struct guest_vm g = { .vm_fd = -1, .vcpu_fd = -1 };
	struct signaller sig;
	struct kvm_regs regs = { 0 };
	uint32_t beat[4] = { 0 };
	bool intr_ok = true, progress = true;
	uint64_t code = guest_code_rip(GUEST_LONG64);
	int i, r = 0;

	if (!guest_vm_create(&g, sys_fd) ||
	    !guest_load(&g, GUEST_LONG64, spin_start, spin_end)) {
		tap_bail("spinning guest: no VM");
	}
	signaller_start(&sig, 100, 100);
	for (i = 0; i < 3; i++) {
		r = guest_run_thread(&g, GUEST_RUN_TIMEOUT);
		if (r != -EINTR || g.run->exit_reason != KVM_EXIT_INTR) {
			intr_ok = false;
			break;
		}
		beat[i + 1] = mem32(&g, 0x3000);
		if (beat[i + 1] <= beat[i])
			progress = false;
		if (ioctl(g.vcpu_fd, KVM_GET_REGS, &regs) ||
		    regs.rip < code || regs.rip >= code + (spin_end - spin_start) - 1)
			progress = false;
	}
	signaller_stop(&sig);
	if (!tap_check(intr_ok, "spinning guest: 3 signals from another thread each end KVM_RUN with EINTR, KVM_EXIT_INTR"))
		tap_diag("  KVM_RUN %d: %s, exit_reason %u", i + 1,
			 guest_exit_name(r), g.run->exit_reason);
	if (!tap_check(intr_ok && progress,
		       "spinning guest: it ran between the signals (heartbeat %u, %u, %u) and stopped inside its loop",
		       beat[1], beat[2], beat[3]))
		tap_diag("  rip 0x%llx", (unsigned long long)regs.rip);
	tap_diag("%u SIGUSR1 sent, %d handled", sig.sent, (int)usr1_count);

	*(volatile uint32_t *)(g.mem + 0x3004) = 1;
	r = guest_run_thread(&g, GUEST_RUN_TIMEOUT);
	if (!tap_check(r == KVM_EXIT_HLT,
		       "spinning guest: it runs on after the signals, sees the host's flag and halts"))
		tap_diag("  got %s", guest_exit_name(r));
	guest_vm_destroy(&g);
}

/* 3 results. */
static void test_hammer(int sys_fd)
{
	struct guest_vm g = { .vm_fd = -1, .vcpu_fd = -1 };
	struct kvm_run *run;
	struct signaller sig;
	struct kvm_regs regs;
	struct timespec t0, t;
	uint32_t n = 0, sum = 0, v;
	bool mmio_ok = true;
	int r;

	if (!guest_vm_create(&g, sys_fd) ||
	    !guest_load(&g, GUEST_LONG64, hammer_start, hammer_end))
		tap_bail("MMIO hammer: no VM");
	run = g.run;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	signaller_start(&sig, 100, 20);
	for (;;) {
		r = guest_run_thread(&g, GUEST_RUN_TIMEOUT);
		if (r != KVM_EXIT_MMIO)
			break;
		if (run->mmio.phys_addr != MMIO_GPA || run->mmio.len != 4 ||
		    run->mmio.is_write) {
			mmio_ok = false;
			break;
		}
		v = (n & 0xff) + 1;
		memset(run->mmio.data, 0, sizeof(run->mmio.data));
		memcpy(run->mmio.data, &v, 4);
		n++;
		sum += v;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 15)
			break;	/* no signal ever landed inside KVM_RUN */
	}
	signaller_stop(&sig);
	if (!tap_check(mmio_ok && n > 0 && r == -EINTR &&
		       run->exit_reason == KVM_EXIT_INTR,
		       "MMIO hammer: %u MMIO exits (4-byte reads of 0x%x), each answered, until a signal ended KVM_RUN with EINTR, KVM_EXIT_INTR",
		       n, MMIO_GPA))
		tap_diag("  last: %s, exit_reason %u, mmio %s of %u at 0x%llx",
			 guest_exit_name(r), run->exit_reason,
			 run->mmio.is_write ? "write" : "read", run->mmio.len,
			 (unsigned long long)run->mmio.phys_addr);
	tap_diag("%u SIGUSR1 sent before one landed inside KVM_RUN", sig.sent);

	/* The guest runs on: its next read gets the value that ends the loop. */
	r = guest_run_thread(&g, GUEST_RUN_TIMEOUT);
	if (r == KVM_EXIT_MMIO && run->mmio.phys_addr == MMIO_GPA) {
		v = 0xffffffff;
		memcpy(run->mmio.data, &v, 4);
		r = guest_run_thread(&g, GUEST_RUN_TIMEOUT);
	}
	if (!tap_check(r == KVM_EXIT_HLT,
		       "MMIO hammer: after EINTR the guest resumes, reads once more and halts"))
		tap_diag("  got %s", guest_exit_name(r));
	if (r == KVM_EXIT_HLT && !ioctl(g.vcpu_fd, KVM_GET_REGS, &regs)) {
		if (!tap_check((uint32_t)regs.rdi == n && (uint32_t)regs.rsi == sum,
			       "MMIO hammer: every answer reached the guest (EDI = %u reads, ESI = their sum)", n))
			tap_diag("  edi %u esi 0x%x, want %u 0x%x",
				 (uint32_t)regs.rdi, (uint32_t)regs.rsi, n, sum);
	} else {
		tap_check(false, "MMIO hammer: every answer reached the guest (EDI = %u reads, ESI = their sum)", n);
	}
	guest_vm_destroy(&g);
}

static int add_slot(struct guest_vm *g, uint32_t slot, uint64_t gpa,
		    uint64_t size, void *host)
{
	struct kvm_userspace_memory_region region = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)host,
	};

	return ioctl(g->vm_fd, KVM_SET_USER_MEMORY_REGION, &region);
}

/*
 * The child: never returns. Tells the parent 'R' once its guest has
 * touched the 64 MiB and goes on to spin, else why not.
 */
static void child_main(int wfd, void *beat)
{
	struct guest_vm g;
	const char *err = "E?";
	void *big;
	int sys_fd;

	signal(SIGALRM, SIG_DFL);	/* a parent gone wrong: die in 60 s */
	alarm(60);
	sys_fd = open(getenv("VMRUN_DEV") ? getenv("VMRUN_DEV") : "/dev/vmrun",
		      O_RDWR | O_CLOEXEC);
	if (sys_fd < 0 || !guest_vm_create(&g, sys_fd) ||
	    !guest_load(&g, GUEST_LONG64, toucher_start, toucher_end)) {
		err = "Esetup";
		goto fail;
	}
	big = mmap(NULL, BIG_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (big == MAP_FAILED || add_slot(&g, 1, BIG_GPA, BIG_SIZE, big) ||
	    add_slot(&g, 2, BEAT_GPA, 4096, beat)) {
		err = "Eslot";
		goto fail;
	}
	if (ioctl(g.vcpu_fd, KVM_RUN, 0) || g.run->exit_reason != KVM_EXIT_IO ||
	    g.run->io.port != 0x80) {
		err = "Erun";
		goto fail;
	}
	if (write(wfd, "R", 1) != 1)
		_exit(3);
	ioctl(g.vcpu_fd, KVM_RUN, 0);	/* spins until killed */
	_exit(3);
fail:
	if (write(wfd, err, strlen(err)) < 0)
		_exit(3);
	_exit(2);
}

struct objects {
	long vms, vcpus, memslots;
};

static bool objects_read(struct objects *o)
{
	char name[32];
	long n;
	int got = 0;
	FILE *f = fopen(OBJECTS, "r");

	if (!f)
		return false;
	while (fscanf(f, "%31s %ld", name, &n) == 2) {
		if (!strcmp(name, "vms"))
			o->vms = n, got |= 1;
		else if (!strcmp(name, "vcpus"))
			o->vcpus = n, got |= 2;
		else if (!strcmp(name, "memslots"))
			o->memslots = n, got |= 4;
	}
	fclose(f);
	return got == 7;
}

static bool objects_eq(const struct objects *a, const struct objects *b)
{
	return a->vms == b->vms && a->vcpus == b->vcpus &&
	       a->memslots == b->memslots;
}

/*
 * kB. Freed pages can sit a while in the per-CPU page lists, which
 * MemFree and so MemAvailable do not count (easily 10-20 MiB here): "free"
 * below is MemAvailable plus those lists (/proc/zoneinfo "count:").
 */
struct mem {
	long avail, pcp, sunreclaim;
};

static long mem_free(const struct mem *m)
{
	return m->avail + m->pcp;
}

static bool mem_read(struct mem *m)
{
	char line[160];
	long count;
	int got = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "MemAvailable: %ld kB", &m->avail) == 1)
			got |= 1;
		else if (sscanf(line, "SUnreclaim: %ld kB", &m->sunreclaim) == 1)
			got |= 2;
	}
	fclose(f);
	f = fopen("/proc/zoneinfo", "r");
	if (!f)
		return false;
	m->pcp = 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " count: %ld", &count) == 1)
			m->pcp += count * (long)(sysconf(_SC_PAGESIZE) / 1024);
	fclose(f);
	return got == 3;
}

static bool mem_back(const struct mem *m, const struct mem *base)
{
	return mem_free(m) >= mem_free(base) - FREE_TOLERANCE_KB &&
	       m->sunreclaim <= base->sunreclaim + SUNRECLAIM_TOLERANCE_KB;
}

/* Does the heartbeat of the child's guest grow? Then it is inside KVM_RUN. */
static bool beating(volatile uint32_t *beat, uint32_t *b1, uint32_t *b2)
{
	int i;

	for (i = 0; i < 100; i++) {
		*b1 = *beat;
		sleep_ms(20);
		*b2 = *beat;
		if (*b2 != *b1)
			return true;
	}
	return false;
}

/* 6 results. */
static void kill_once(int round, bool vmrun, const struct objects *obase,
		      const struct mem *mbase)
{
	struct pollfd pfd;
	struct objects o = { 0 }, want;
	struct mem m = { 0 }, best;
	char msg[16] = "";
	uint32_t b1 = 0, b2 = 0;
	volatile uint32_t *beat;
	int p[2], status = 0, i;
	bool running = false, ok;
	pid_t pid;

	beat = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (beat == MAP_FAILED || pipe(p))
		tap_bail("mmap or pipe: %s", tap_errname(errno));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		tap_bail("fork: %s", tap_errname(errno));
	if (!pid) {
		close(p[0]);
		child_main(p[1], (void *)beat);
	}
	close(p[1]);

	pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	if (poll(&pfd, 1, 60000) == 1 && read(p[0], msg, sizeof(msg) - 1) > 0 &&
	    msg[0] == 'R')
		running = beating(beat, &b1, &b2);
	close(p[0]);
	if (!tap_check(running, "kill %d: the child's guest touched all its 64 MiB and spins inside KVM_RUN (its heartbeat grows)",
		       round))
		tap_diag("  child said '%s', heartbeat %u then %u", msg, b1, b2);

	ok = mem_read(&m);
	if (!tap_check(ok && mem_free(&m) <= mem_free(mbase) - FREE_SEEN_KB,
		       "kill %d: while the child runs, free memory is down by at least %d MiB (its guest memory)",
		       round, FREE_SEEN_KB / 1024))
		tap_diag("  MemAvailable + per-CPU lists %ld kB, baseline %ld kB",
			 mem_free(&m), mem_free(mbase));
	else
		tap_diag("free memory down by %ld kB while the child runs",
			 mem_free(mbase) - mem_free(&m));
	if (vmrun) {
		want = (struct objects){ obase->vms + 1, obase->vcpus + 1,
					 obase->memslots + 3 };
		ok = objects_read(&o);
		if (!tap_check(ok && objects_eq(&o, &want),
			       "kill %d: while the child runs, vmrun counts its VM: vms %ld, vcpus %ld, memslots %ld",
			       round, want.vms, want.vcpus, want.memslots))
			tap_diag("  %s: vms %ld vcpus %ld memslots %ld", OBJECTS,
				 o.vms, o.vcpus, o.memslots);
	} else {
		tap_skip("vmrun's debugfs counters only", "kill %d: while the child runs, vmrun counts its VM", round);
	}

	kill(pid, SIGKILL);
	if (!tap_check(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) &&
		       WTERMSIG(status) == SIGKILL,
		       "kill %d: SIGKILL ends the child inside KVM_RUN", round))
		tap_diag("  wait status 0x%x", status);
	munmap((void *)beat, 4096);

	/*
	 * Freeing may trail the exit a little: watch for up to 5 s, keep the
	 * best readings, stop early once they are close to the baseline.
	 */
	best = (struct mem){ .avail = -1 };
	for (i = 0; i < 100; i++) {
		bool obj_ok = !vmrun || (objects_read(&o) && objects_eq(&o, obase));

		if (mem_read(&m)) {
			if (best.avail < 0 || mem_free(&m) > mem_free(&best))
				best.avail = m.avail, best.pcp = m.pcp;
			if (!best.sunreclaim || m.sunreclaim < best.sunreclaim)
				best.sunreclaim = m.sunreclaim;
		}
		if (obj_ok && best.avail >= 0 &&
		    mem_free(&best) >= mem_free(mbase) - 4096 &&
		    best.sunreclaim <= mbase->sunreclaim + 1024)
			break;
		sleep_ms(50);
	}
	if (vmrun) {
		if (!tap_check(objects_eq(&o, obase),
			       "kill %d: vmrun's objects are back to the baseline: vms %ld, vcpus %ld, memslots %ld",
			       round, obase->vms, obase->vcpus, obase->memslots))
			tap_diag("  vms %ld vcpus %ld memslots %ld", o.vms,
				 o.vcpus, o.memslots);
	} else {
		tap_skip("vmrun's debugfs counters only", "kill %d: vmrun's objects are back to the baseline", round);
	}
	if (!tap_check(best.avail >= 0 && mem_back(&best, mbase),
		       "kill %d: free memory within %d MiB and SUnreclaim within %d MiB of the baseline",
		       round, FREE_TOLERANCE_KB / 1024, SUNRECLAIM_TOLERANCE_KB / 1024))
		tap_diag("  MemAvailable %ld + per-CPU lists %ld kB (baseline %ld + %ld), SUnreclaim %ld kB (baseline %ld)",
			 best.avail, best.pcp, mbase->avail, mbase->pcp,
			 best.sunreclaim, mbase->sunreclaim);
	else
		tap_diag("after kill %d: free memory %+ld kB (MemAvailable %+ld), SUnreclaim %+ld kB against the baseline",
			 round, mem_free(&best) - mem_free(mbase),
			 best.avail - mbase->avail,
			 best.sunreclaim - mbase->sunreclaim);
}

static void test_kill(void)
{
	const char *ref = getenv("VMRUN_REF");
	bool vmrun = !ref || !*ref;
	struct objects obase = { 0 };
	struct mem mbase = { 0 };
	int i;

	if (!tap_check(mem_read(&mbase) && (!vmrun || objects_read(&obase)),
		       "baseline: /proc/meminfo%s readable", vmrun ? " and " OBJECTS : ""))
		tap_bail("no baseline");
	tap_diag("baseline: MemAvailable %ld kB, per-CPU lists %ld kB, SUnreclaim %ld kB%s",
		 mbase.avail, mbase.pcp, mbase.sunreclaim, vmrun ? "" : " (vmrun's counters: not in this mode)");
	if (vmrun)
		tap_diag("baseline: vms %ld, vcpus %ld, memslots %ld",
			 obase.vms, obase.vcpus, obase.memslots);
	for (i = 1; i <= KILLS; i++)
		kill_once(i, vmrun, &obase, &mbase);
}

int main(void)
{
	int sys_fd = guest_open_dev();

	tap_plan(3 + 3 + 1 + 6 * KILLS);
	test_spin(sys_fd);
	test_hammer(sys_fd);
	close(sys_fd);
	test_kill();
	return tap_finish();
}
