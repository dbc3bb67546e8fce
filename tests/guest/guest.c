// SPDX-License-Identifier: GPL-2.0
/* guest.c - helpers for tests that run x86 guests; see guest.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <signal.h>
#include <unistd.h>

#include "guest.h"

/* Page tables at GUEST_PT_GPA: PML4, PDPT, four PDs, the PAE PDPT; GDT. */
#define PML4_GPA	(GUEST_PT_GPA + 0x0000)
#define PDPT_GPA	(GUEST_PT_GPA + 0x1000)
#define PD_GPA(i)	(GUEST_PT_GPA + 0x2000 + (i) * 0x1000)
#define PAE_PDPT_GPA	(GUEST_PT_GPA + 0x6000)
#define GDT_GPA		(GUEST_PT_GPA + 0x7000)
#define SEL_CODE32	0x08
#define SEL_DATA	0x10
#define SEL_CODE64	0x18

#define PTE_P		0x1ULL
#define PTE_RW		0x2ULL
#define PTE_PS		0x80ULL

/*
 * Does this hypervisor run guests at all? A backend without a run loop
 * (vmrun's VT-x and arm64 ones, so far) answers KVM_RUN with EOPNOTSUPP;
 * with immediate_exit set, one that runs guests answers EINTR at once.
 */
static bool guest_can_run(int sys_fd)
{
	int vm = ioctl(sys_fd, KVM_CREATE_VM, 0), vcpu = -1;
	long size = ioctl(sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	struct kvm_run *run = MAP_FAILED;
	bool can = true;

	if (vm >= 0)
		vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu >= 0 && size > 0)
		run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run != MAP_FAILED) {
		run->immediate_exit = 1;
		can = !(ioctl(vcpu, KVM_RUN, 0) && errno == EOPNOTSUPP);
		munmap(run, size);
	}
	if (vcpu >= 0)
		close(vcpu);
	if (vm >= 0)
		close(vm);
	return can;
}

int guest_open_dev(void)
{
	const char *dev = getenv("VMRUN_DEV");
	int fd;

	if (!dev)
		dev = "/dev/vmrun";
	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		tap_skip_all("cannot open %s: %s", dev, strerror(errno));
	if (!guest_can_run(fd))
		tap_skip_all("%s cannot run guests yet (KVM_RUN: EOPNOTSUPP)", dev);
	return fd;
}

bool guest_vm_create(struct guest_vm *g, int sys_fd)
{
	struct kvm_userspace_memory_region region;
	long size;

	memset(g, 0, sizeof(*g));
	g->sys_fd = sys_fd;
	g->vm_fd = g->vcpu_fd = -1;

	g->vm_fd = ioctl(sys_fd, KVM_CREATE_VM, 0);
	if (g->vm_fd < 0) {
		tap_diag("KVM_CREATE_VM: %s", strerror(errno));
		return false;
	}
	g->mem = mmap(NULL, GUEST_MEM_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->mem == MAP_FAILED) {
		g->mem = NULL;
		tap_diag("mmap guest memory: %s", strerror(errno));
		return false;
	}
	region = (struct kvm_userspace_memory_region){
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = GUEST_MEM_SIZE,
		.userspace_addr = (uintptr_t)g->mem,
	};
	if (ioctl(g->vm_fd, KVM_SET_USER_MEMORY_REGION, &region)) {
		tap_diag("KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
		return false;
	}
	g->vcpu_fd = ioctl(g->vm_fd, KVM_CREATE_VCPU, 0);
	if (g->vcpu_fd < 0) {
		tap_diag("KVM_CREATE_VCPU: %s", strerror(errno));
		return false;
	}
	size = ioctl(sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size <= 0) {
		tap_diag("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
		return false;
	}
	g->run_size = size;
	g->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      g->vcpu_fd, 0);
	if (g->run == MAP_FAILED) {
		g->run = NULL;
		tap_diag("mmap kvm_run: %s", strerror(errno));
		return false;
	}
	return true;
}

void guest_vm_destroy(struct guest_vm *g)
{
	if (g->run)
		munmap(g->run, g->run_size);
	if (g->vcpu_fd >= 0)
		close(g->vcpu_fd);
	if (g->vm_fd >= 0)
		close(g->vm_fd);
	if (g->mem)
		munmap(g->mem, GUEST_MEM_SIZE);
	memset(g, 0, sizeof(*g));
	g->vm_fd = g->vcpu_fd = -1;
}

static void seg_flat(struct kvm_segment *s, uint16_t sel, uint8_t type,
		     bool code64)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->l = code64;
	s->db = !code64;
}

static void seg_real(struct kvm_segment *s, uint8_t type)
{
	memset(s, 0, sizeof(*s));
	s->limit = 0xffff;
	s->type = type;
	s->present = 1;
	s->s = 1;
}

/* Identity maps for paged modes: 2 MiB pages over the first 4 GiB. */
static void guest_build_tables(struct guest_vm *g)
{
	uint64_t *pml4 = (uint64_t *)(g->mem + PML4_GPA);
	uint64_t *pdpt = (uint64_t *)(g->mem + PDPT_GPA);
	uint64_t *pae_pdpt = (uint64_t *)(g->mem + PAE_PDPT_GPA);
	uint64_t *gdt = (uint64_t *)(g->mem + GDT_GPA);
	int i, j;

	for (i = 0; i < 4; i++) {
		uint64_t *pd = (uint64_t *)(g->mem + PD_GPA(i));

		for (j = 0; j < 512; j++)
			pd[j] = (((uint64_t)i << 30) | ((uint64_t)j << 21)) |
				PTE_P | PTE_RW | PTE_PS;
		pdpt[i] = PD_GPA(i) | PTE_P | PTE_RW;
		pae_pdpt[i] = PD_GPA(i) | PTE_P;	/* RW is reserved */
	}
	pml4[0] = PDPT_GPA | PTE_P | PTE_RW;

	gdt[0] = 0;
	gdt[SEL_CODE32 / 8] = 0x00cf9b000000ffffULL;
	gdt[SEL_DATA / 8] = 0x00cf93000000ffffULL;
	gdt[SEL_CODE64 / 8] = 0x00af9b000000ffffULL;
}

uint64_t guest_code_rip(enum guest_mode mode)
{
	return mode == GUEST_REAL ? 0 : GUEST_CODE_GPA;
}

bool guest_load(struct guest_vm *g, enum guest_mode mode,
		const uint8_t *start, const uint8_t *end)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	memcpy(g->mem + GUEST_CODE_GPA, start, end - start);
	if (ioctl(g->vcpu_fd, KVM_GET_SREGS, &sregs)) {
		tap_diag("KVM_GET_SREGS: %s", strerror(errno));
		return false;
	}
	guest_build_tables(g);
	sregs.gdt.base = GDT_GPA;
	sregs.gdt.limit = 4 * 8 - 1;

	switch (mode) {
	case GUEST_REAL:
		/* IP is 16 bits: the code segment starts at the code. */
		seg_real(&sregs.cs, 0xb);
		sregs.cs.base = GUEST_CODE_GPA;
		sregs.cs.selector = GUEST_CODE_GPA >> 4;
		seg_real(&sregs.ds, 0x3);
		seg_real(&sregs.es, 0x3);
		seg_real(&sregs.fs, 0x3);
		seg_real(&sregs.gs, 0x3);
		seg_real(&sregs.ss, 0x3);
		break;
	case GUEST_PROT32:
	case GUEST_PAE32:
	case GUEST_LONG64:
		seg_flat(&sregs.cs, mode == GUEST_LONG64 ? SEL_CODE64 : SEL_CODE32,
			 0xb, mode == GUEST_LONG64);
		seg_flat(&sregs.ds, SEL_DATA, 0x3, false);
		seg_flat(&sregs.es, SEL_DATA, 0x3, false);
		seg_flat(&sregs.fs, SEL_DATA, 0x3, false);
		seg_flat(&sregs.gs, SEL_DATA, 0x3, false);
		seg_flat(&sregs.ss, SEL_DATA, 0x3, false);
		sregs.cr0 = 0x11;			/* PE, ET */
		sregs.cr4 = 0;
		sregs.efer = 0;
		if (mode == GUEST_PAE32) {
			sregs.cr0 |= 0x80000000;	/* PG */
			sregs.cr4 = 0x20;		/* PAE */
			sregs.cr3 = PAE_PDPT_GPA;
		} else if (mode == GUEST_LONG64) {
			sregs.cr0 |= 0x80000000;
			sregs.cr4 = 0x20;
			sregs.cr3 = PML4_GPA;
			sregs.efer = 0x500;		/* LME, LMA */
		}
		break;
	}
	if (ioctl(g->vcpu_fd, KVM_SET_SREGS, &sregs)) {
		tap_diag("KVM_SET_SREGS: %s", strerror(errno));
		return false;
	}
	memset(&regs, 0, sizeof(regs));
	regs.rip = guest_code_rip(mode);
	regs.rsp = GUEST_STACK_TOP;
	regs.rflags = 0x2;
	if (ioctl(g->vcpu_fd, KVM_SET_REGS, &regs)) {
		tap_diag("KVM_SET_REGS: %s", strerror(errno));
		return false;
	}
	return true;
}

static void guest_watchdog(int sig)
{
	(void)sig;
}

/*
 * A guest that never exits must fail its test, not hang the run: a timer
 * signal ends KVM_RUN with EINTR after GUEST_RUN_TIMEOUT seconds.
 */
int guest_run(struct guest_vm *g)
{
	struct itimerval it = { .it_value = { .tv_sec = GUEST_RUN_TIMEOUT } };
	struct itimerval off = { 0 };
	struct sigaction sa = { .sa_handler = guest_watchdog };
	int r;

	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART */
	setitimer(ITIMER_REAL, &it, NULL);
	r = ioctl(g->vcpu_fd, KVM_RUN, 0) ? -errno : (int)g->run->exit_reason;
	setitimer(ITIMER_REAL, &off, NULL);
	return r;
}

const char *guest_exit_name(int reason)
{
	static char buf[32];

	switch (reason) {
	case KVM_EXIT_UNKNOWN: return "UNKNOWN";
	case KVM_EXIT_IO: return "IO";
	case KVM_EXIT_HLT: return "HLT";
	case KVM_EXIT_MMIO: return "MMIO";
	case KVM_EXIT_SHUTDOWN: return "SHUTDOWN";
	case KVM_EXIT_FAIL_ENTRY: return "FAIL_ENTRY";
	case KVM_EXIT_INTR: return "INTR";
	case KVM_EXIT_INTERNAL_ERROR: return "INTERNAL_ERROR";
	}
	if (reason < 0)
		snprintf(buf, sizeof(buf), "error %s", tap_errname(-reason));
	else
		snprintf(buf, sizeof(buf), "exit %d", reason);
	return buf;
}

void guest_diag_internal(const struct kvm_run *run)
{
	tap_diag("  suberror %u data %llx %llx %llx %llx",
		 run->internal.suberror,
		 (unsigned long long)run->internal.data[0],
		 (unsigned long long)run->internal.data[1],
		 (unsigned long long)run->internal.data[2],
		 (unsigned long long)run->internal.data[3]);
}

bool guest_expect_io(struct guest_vm *g, int dir, uint16_t port,
		     unsigned int size, uint32_t out_data, const char *what)
{
	int r = guest_run(g);
	struct kvm_run *run = g->run;
	uint32_t data = 0;

	if (r != KVM_EXIT_IO) {
		tap_check(false, "%s: KVM_EXIT_IO", what);
		tap_diag("  got %s, rip? see KVM_GET_REGS", guest_exit_name(r));
		if (r == KVM_EXIT_INTERNAL_ERROR)
			guest_diag_internal(run);
		return false;
	}
	if (dir == KVM_EXIT_IO_OUT)
		memcpy(&data, (uint8_t *)run + run->io.data_offset, run->io.size);
	if (!tap_check(run->io.direction == dir && run->io.port == port &&
		       run->io.size == size && run->io.count == 1 &&
		       (dir == KVM_EXIT_IO_IN || data == out_data),
		       "%s: %s port 0x%x, %u byte(s)%s", what,
		       dir == KVM_EXIT_IO_OUT ? "OUT to" : "IN from", port, size,
		       dir == KVM_EXIT_IO_OUT ? ", data as written" : "")) {
		tap_diag("  got dir %u port 0x%x size %u count %u data 0x%x",
			 run->io.direction, run->io.port, run->io.size,
			 run->io.count, data);
		return false;
	}
	return true;
}

/* Helpers for several vCPUs, and for vCPUs run from several threads. */
#include <sys/syscall.h>
#include <time.h>

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id	_sigev_un._tid
#endif

bool guest_vcpu_add(struct guest_vm *g, unsigned int id, struct guest_vm *v)
{
	memset(v, 0, sizeof(*v));
	v->sys_fd = g->sys_fd;
	v->vm_fd = g->vm_fd;
	v->mem = g->mem;
	v->run_size = g->run_size;
	v->vcpu_fd = ioctl(g->vm_fd, KVM_CREATE_VCPU, id);
	if (v->vcpu_fd < 0) {
		tap_diag("KVM_CREATE_VCPU %u: %s", id, strerror(errno));
		return false;
	}
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->vcpu_fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		tap_diag("mmap kvm_run of vCPU %u: %s", id, strerror(errno));
		return false;
	}
	return true;
}

void guest_vcpu_destroy(struct guest_vm *v)
{
	if (v->run)
		munmap(v->run, v->run_size);
	if (v->vcpu_fd >= 0)
		close(v->vcpu_fd);
	memset(v, 0, sizeof(*v));
	v->vm_fd = v->vcpu_fd = -1;
}

int guest_run_thread(struct guest_vm *g, unsigned int secs)
{
	struct sigevent sev = {
		.sigev_notify = SIGEV_THREAD_ID,
		.sigev_signo = SIGALRM,
	};
	struct itimerspec its = { .it_value = { .tv_sec = secs } };
	struct sigaction sa = { .sa_handler = guest_watchdog };
	timer_t timer;
	int r;

	sev.sigev_notify_thread_id = (pid_t)syscall(SYS_gettid);
	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART */
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer))
		return -errno;
	timer_settime(timer, 0, &its, NULL);
	r = ioctl(g->vcpu_fd, KVM_RUN, 0) ? -errno : (int)g->run->exit_reason;
	timer_delete(timer);
	return r;
}
