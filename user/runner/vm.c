/*
 * VM creation and the vCPU loop, all through the KVM ioctl ABI of
 * <linux/kvm.h> (served by /dev/vmrun, or /dev/kvm as a fallback).
 *
 * Setup order: open the node, KVM_CREATE_VM, the in-kernel irqchip
 * (PIC + IOAPIC + LAPICs) and PIT, guest RAM as memory slots, then one
 * vCPU per configured CPU with its kvm_run area mapped. vm_start() gives
 * each vCPU its own thread running KVM_RUN and dispatching port I/O exits
 * to the devices registered with io_register().
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "devices.h"
#include "util.h"
#include "vm.h"

/* Pages KVM needs for real mode on VMX; QEMU's place, below any firmware. */
#define IDENTITY_MAP_ADDR	0xfeffc000ULL
#define TSS_ADDR		0xfeffd000ULL

static int vm_ioctl(struct vm *vm, int fd, unsigned long req, const char *name,
		    void *arg)
{
	int r;

	do
		r = ioctl(fd, req, arg);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		die_errno(EXIT_RUNTIME, "%s on %s", name, vm->node);
	return r;
}
#define VM_IOCTL(vm, fd, req, arg) vm_ioctl(vm, fd, req, #req, (void *)(arg))

static void open_node(struct vm *vm, const struct config *cfg)
{
	vm->node = cfg->device;
	vm->sys_fd = open(vm->node, O_RDWR | O_CLOEXEC);
	if (vm->sys_fd < 0 && errno == ENOENT && !cfg->device_set) {
		vm->node = CFG_FALLBACK_DEVICE;
		vm->sys_fd = open(vm->node, O_RDWR | O_CLOEXEC);
		if (vm->sys_fd < 0 && errno == ENOENT)
			die_errno(EXIT_RUNTIME, "open %s (and %s)", cfg->device, vm->node);
	}
	if (vm->sys_fd < 0)
		die_errno(EXIT_RUNTIME, "open %s", vm->node);
}

void vm_map(struct vm *vm, uint64_t gpa, void *host, uint64_t len, bool readonly)
{
	struct kvm_userspace_memory_region r = {
		.slot = vm->next_slot++,
		.guest_phys_addr = gpa,
		.memory_size = len,
		.userspace_addr = (uintptr_t)host,
	};

	if (readonly && ioctl(vm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM) > 0)
		r.flags = KVM_MEM_READONLY;
	VM_IOCTL(vm, vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r);
}

static void create_ram(struct vm *vm)
{
	vm->ram_size = vm->cfg->memory;
	vm->low_size = vm->ram_size < RAM_HOLE_START ? vm->ram_size : RAM_HOLE_START;
	vm->high_size = vm->ram_size - vm->low_size;

	/* Reserve no swap and touch nothing: the guest faults pages in. */
	vm->ram = mmap(NULL, vm->ram_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->ram == MAP_FAILED)
		die_errno(EXIT_RUNTIME, "mmap of %" PRIu64 " bytes of guest RAM",
			  vm->ram_size);
	vm_map(vm, 0, vm->ram, vm->low_size, false);
	if (vm->high_size)
		vm_map(vm, RAM_HIGH_START, vm->ram + vm->low_size, vm->high_size, false);
}

void *gpa_to_host(struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (gpa + len < gpa)
		return NULL;
	if (gpa + len <= vm->low_size)
		return vm->ram + gpa;
	if (gpa >= RAM_HIGH_START && gpa + len <= RAM_HIGH_START + vm->high_size)
		return vm->ram + vm->low_size + (gpa - RAM_HIGH_START);
	return NULL;
}

static struct kvm_cpuid2 *supported_cpuid(struct vm *vm)
{
	/* Big enough at once for today's CPUs: a retry costs a whole call. */
	for (unsigned n = 256;; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));

		if (!c)
			die(EXIT_RUNTIME, "out of memory");
		c->nent = n;
		if (ioctl(vm->sys_fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
			return c;
		free(c);
		if (errno != E2BIG || n > 4096)
			die_errno(EXIT_RUNTIME, "KVM_GET_SUPPORTED_CPUID on %s", vm->node);
	}
}

static void create_vcpus(struct vm *vm)
{
	struct kvm_cpuid2 *cpuid = supported_cpuid(vm);
	int max = ioctl(vm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	/*
	 * KVM leaves the TSC-deadline timer out of KVM_GET_SUPPORTED_CPUID
	 * although its in-kernel LAPIC has one; api.rst says to offer it when
	 * KVM_CAP_TSC_DEADLINE_TIMER is there (the irqchip is always in the
	 * kernel here). vmrun reports the bit itself; setting it again is
	 * harmless.
	 */
	bool tsc_deadline = ioctl(vm->sys_fd, KVM_CHECK_EXTENSION,
				  KVM_CAP_TSC_DEADLINE_TIMER) > 0;

	if (max <= 0)
		max = ioctl(vm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	if (max > 0 && vm->ncpus > (unsigned)max)
		die(EXIT_RUNTIME, "%s allows at most %d vCPUs (KVM_CAP_MAX_VCPUS), "
		    "%u configured", vm->node, max, vm->ncpus);

	vm->run_size = VM_IOCTL(vm, vm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	vm->vcpus = calloc(vm->ncpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		die(EXIT_RUNTIME, "out of memory");

	for (unsigned i = 0; i < vm->ncpus; i++) {
		struct vcpu *c = &vm->vcpus[i];

		c->vm = vm;
		c->id = i;
		c->fd = VM_IOCTL(vm, vm->vm_fd, KVM_CREATE_VCPU, (uintptr_t)i);
		c->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE,
			      MAP_SHARED, c->fd, 0);
		if (c->run == MAP_FAILED)
			die_errno(EXIT_RUNTIME, "mmap of kvm_run for vCPU %u", i);

		/* What the hypervisor supports, with this CPU's APIC ID. */
		for (unsigned e = 0; e < cpuid->nent; e++) {
			struct kvm_cpuid_entry2 *ent = &cpuid->entries[e];

			if (ent->function == 1) {
				ent->ebx = (ent->ebx & 0x00ffffff) | i << 24;
				ent->ecx |= 1u << 31;	/* "running on a hypervisor" */
				if (tsc_deadline)
					ent->ecx |= 1u << 24;
			}
			if (ent->function == 0xb || ent->function == 0x1f)
				ent->edx = i;
		}
		VM_IOCTL(vm, c->fd, KVM_SET_CPUID2, cpuid);
	}
	free(cpuid);
}

void vm_create(struct vm *vm, const struct config *cfg)
{
	*vm = (struct vm){ .cfg = cfg, .ncpus = cfg->cpus };
	pthread_mutex_init(&vm->exit_lock, NULL);
	vm->wake_fd = eventfd(0, EFD_CLOEXEC);
	if (vm->wake_fd < 0)
		die_errno(EXIT_RUNTIME, "eventfd");

	open_node(vm, cfg);
	int version = VM_IOCTL(vm, vm->sys_fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION)
		die(EXIT_RUNTIME, "KVM_GET_API_VERSION on %s: %d, expected %d",
		    vm->node, version, KVM_API_VERSION);

	vm->vm_fd = VM_IOCTL(vm, vm->sys_fd, KVM_CREATE_VM, 0);
	if (ioctl(vm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0) {
		uint64_t addr = IDENTITY_MAP_ADDR;
		VM_IOCTL(vm, vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &addr);
	}
	if (ioctl(vm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_SET_TSS_ADDR) > 0)
		VM_IOCTL(vm, vm->vm_fd, KVM_SET_TSS_ADDR, TSS_ADDR);
	VM_IOCTL(vm, vm->vm_fd, KVM_CREATE_IRQCHIP, 0);
	/* "Dummy speaker": port 0x61 is served in the kernel too. */
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	VM_IOCTL(vm, vm->vm_fd, KVM_CREATE_PIT2, &pit);

	create_ram(vm);
	create_vcpus(vm);
}

void vm_irq_line(struct vm *vm, unsigned irq, int level)
{
	struct kvm_irq_level l = { .irq = irq, .level = level };

	if (ioctl(vm->vm_fd, KVM_IRQ_LINE, &l) < 0)
		vm_request_exit(vm, EXIT_RUNTIME, "KVM_IRQ_LINE %u on %s: %s (%s)",
				irq, vm->node, strerrorname_np(errno), strerror(errno));
}

void vm_request_exit(struct vm *vm, int status, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&vm->exit_lock);
	if (!vm->exit_requested) {
		__atomic_store_n(&vm->exit_requested, true, __ATOMIC_RELEASE);
		vm->exit_status = status;
		va_start(ap, fmt);
		vsnprintf(vm->exit_msg, sizeof(vm->exit_msg), fmt, ap);
		va_end(ap);
		uint64_t one = 1;
		if (write(vm->wake_fd, &one, sizeof(one)) < 0)
			abort();	/* cannot happen: the counter is far from full */
	}
	pthread_mutex_unlock(&vm->exit_lock);
}

/* --- the I/O port bus --------------------------------------------------- */

void io_register(struct vm *vm, uint16_t base, uint16_t len, io_handler_fn *fn,
		 void *opaque, const char *name)
{
	for (unsigned i = 0; i < vm->nio; i++) {
		struct io_handler *h = &vm->io[i];

		if (base < h->base + h->len && h->base < base + len)
			die(EXIT_RUNTIME, "internal error: %s ports %#x-%#x overlap %s",
			    name, base, base + len - 1, h->name);
	}
	if (vm->nio == MAX_IO_HANDLERS)
		die(EXIT_RUNTIME, "internal error: too many I/O handlers");
	vm->io[vm->nio++] = (struct io_handler){ base, len, fn, opaque, name };
}

/* The table is fixed once the vCPUs run, so no lock is needed to read it. */
static void io_dispatch(struct vm *vm, uint16_t port, uint8_t *data,
			unsigned len, bool is_write)
{
	for (unsigned i = 0; i < vm->nio; i++) {
		struct io_handler *h = &vm->io[i];

		if ((uint16_t)(port - h->base) < h->len) {
			h->fn(h->opaque, port, data, len, is_write);
			return;
		}
	}
	if (!is_write)
		memset(data, 0xff, len);	/* nothing there: the bus floats */
}

/* --- vCPU threads ------------------------------------------------------- */

static void crash(struct vcpu *c, const char *what)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	char where[96] = "";
	int post = post_last_code();
	char postmsg[40] = "";

	if (ioctl(c->fd, KVM_GET_REGS, &regs) == 0 &&
	    ioctl(c->fd, KVM_GET_SREGS, &sregs) == 0)
		snprintf(where, sizeof(where), " at cs:rip %#x:%#llx",
			 sregs.cs.selector, (unsigned long long)regs.rip);
	if (post >= 0)
		snprintf(postmsg, sizeof(postmsg), ", last POST code %#04x", post);
	vm_request_exit(c->vm, EXIT_CRASH, "guest crashed on vCPU %u: %s%s%s",
			c->id, what, where, postmsg);
}

/* --- SIGUSR1's state dump ---------------------------------------------- */

/* Kicks a vCPU thread out of KVM_RUN; its handler does nothing. */
#define VCPU_KICK_SIGNAL	SIGRTMIN

struct dump_buf {
	char text[4096];
	size_t n;
};

static void __attribute__((format(printf, 2, 3)))
dump_line(struct dump_buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (b->n >= sizeof(b->text) - 1)
		return;
	r = snprintf(b->text + b->n, sizeof(b->text) - b->n, "vmrun: dump: ");
	if (r > 0)
		b->n += r;
	if (b->n >= sizeof(b->text) - 1)
		return;
	va_start(ap, fmt);
	r = vsnprintf(b->text + b->n, sizeof(b->text) - b->n, fmt, ap);
	va_end(ap);
	if (r > 0)
		b->n += r;
	if (b->n >= sizeof(b->text) - 1)
		b->n = sizeof(b->text) - 2;
	b->text[b->n++] = '\n';
}

/* One write: the block is not interleaved with the console or other vCPUs. */
static void dump_flush(struct dump_buf *b)
{
	write_all(STDERR_FILENO, b->text, b->n);
	b->n = 0;
}

static uint32_t lapic_reg(const struct kvm_lapic_state *l, unsigned off)
{
	uint32_t v;

	memcpy(&v, l->regs + off, sizeof(v));
	return v;
}

/* The highest vector set in the 256-bit register at `off`, or -1. */
static int lapic_top_vector(const struct kvm_lapic_state *l, unsigned off)
{
	for (int i = 7; i >= 0; i--) {
		uint32_t w = lapic_reg(l, off + i * 0x10);

		if (w)
			return i * 32 + 31 - __builtin_clz(w);
	}
	return -1;
}

/*
 * The words on the stack from rsp to the end of its page that look like
 * addresses in a Linux kernel's text (the start of a backtrace), where the
 * hypervisor translates guest-virtual addresses (KVM_TRANSLATE).
 */
static void dump_stack_words(struct dump_buf *b, struct vcpu *c, uint64_t rsp)
{
	struct kvm_translation t = { .linear_address = rsp };
	char line[1024];
	size_t n = 0;

	if (ioctl(c->fd, KVM_TRANSLATE, &t) || !t.valid)
		return;
	unsigned words = (4096 - (rsp & 4095)) / 8;
	const uint64_t *w = gpa_to_host(c->vm, t.physical_address, words * 8ull);

	if (!w)
		return;
	for (unsigned i = 0; i < words && i < 64 && n < sizeof(line) - 20; i++)
		if (w[i] >> 30 == 0x3fffffffeull)	/* 0xffffffff80000000 and up */
			n += snprintf(line + n, sizeof(line) - n, " %#" PRIx64, w[i]);
	if (n)
		dump_line(b, "vCPU %u: stack text words:%s", c->id, line);
}

/* Runs on the vCPU's own thread, between two KVM_RUNs. */
static void vcpu_dump(struct vcpu *c)
{
	/* The paravirtual MSRs a Linux guest on KVM enables, and TSC deadline. */
	static const uint32_t msrs[] = {
		0x4b564d01,	/* MSR_KVM_SYSTEM_TIME_NEW */
		0x4b564d02,	/* MSR_KVM_ASYNC_PF_EN */
		0x4b564d03,	/* MSR_KVM_STEAL_TIME */
		0x4b564d04,	/* MSR_KVM_PV_EOI_EN */
		0x4b564d06,	/* MSR_KVM_ASYNC_PF_INT */
		0x6e0,		/* MSR_IA32_TSC_DEADLINE */
		0x10,		/* MSR_IA32_TSC */
	};
	struct dump_buf b = { .n = 0 };
	struct kvm_regs r;
	struct kvm_sregs s;
	struct kvm_vcpu_events ev;
	struct kvm_mp_state mp;
	struct kvm_lapic_state l;

	if (ioctl(c->fd, KVM_GET_REGS, &r) == 0 && ioctl(c->fd, KVM_GET_SREGS, &s) == 0) {
		dump_line(&b, "vCPU %u: rip %#llx rsp %#llx rflags %#llx (IF %d) cs %#x cpl %u",
			  c->id, (unsigned long long)r.rip, (unsigned long long)r.rsp,
			  (unsigned long long)r.rflags, !!(r.rflags & 0x200),
			  s.cs.selector, s.cs.dpl);
		dump_line(&b, "vCPU %u: rax %#llx rbx %#llx rcx %#llx rdx %#llx rsi %#llx rdi %#llx rbp %#llx",
			  c->id, (unsigned long long)r.rax, (unsigned long long)r.rbx,
			  (unsigned long long)r.rcx, (unsigned long long)r.rdx,
			  (unsigned long long)r.rsi, (unsigned long long)r.rdi,
			  (unsigned long long)r.rbp);
		dump_line(&b, "vCPU %u: cr0 %#llx cr2 %#llx cr3 %#llx cr4 %#llx efer %#llx apic_base %#llx",
			  c->id, (unsigned long long)s.cr0, (unsigned long long)s.cr2,
			  (unsigned long long)s.cr3, (unsigned long long)s.cr4,
			  (unsigned long long)s.efer, (unsigned long long)s.apic_base);
		if (s.cr0 & 0x80000000)	/* paging on */
			dump_stack_words(&b, c, r.rsp);
	} else {
		dump_line(&b, "vCPU %u: KVM_GET_REGS/SREGS: %s", c->id, strerror(errno));
	}
	if (ioctl(c->fd, KVM_GET_VCPU_EVENTS, &ev) == 0)
		dump_line(&b, "vCPU %u: events: exception %d/%u irq injected %d/%u "
			  "shadow %#x nmi injected %d pending %d masked %d",
			  c->id, ev.exception.injected, ev.exception.nr,
			  ev.interrupt.injected, ev.interrupt.nr, ev.interrupt.shadow,
			  ev.nmi.injected, ev.nmi.pending, ev.nmi.masked);
	if (ioctl(c->fd, KVM_GET_MP_STATE, &mp) == 0)
		dump_line(&b, "vCPU %u: mp_state %u (0 runnable, 1 uninit, 2 init, 3 halted, 4 sipi)",
			  c->id, mp.mp_state);
	if (ioctl(c->fd, KVM_GET_LAPIC, &l) == 0)
		dump_line(&b, "vCPU %u: lapic: id %#x tpr %#x svr %#x isr %d irr %d "
			  "lvtt %#x tmict %#x tmcct %#x tdcr %#x lint0 %#x icr %#x:%#x",
			  c->id, lapic_reg(&l, 0x20), lapic_reg(&l, 0x80),
			  lapic_reg(&l, 0xf0), lapic_top_vector(&l, 0x100),
			  lapic_top_vector(&l, 0x200), lapic_reg(&l, 0x320),
			  lapic_reg(&l, 0x380), lapic_reg(&l, 0x390),
			  lapic_reg(&l, 0x3e0), lapic_reg(&l, 0x350),
			  lapic_reg(&l, 0x310), lapic_reg(&l, 0x300));
	for (unsigned i = 0; i < ARRAY_SIZE(msrs); i++) {
		struct {
			struct kvm_msrs hdr;
			struct kvm_msr_entry e;
		} m = { .hdr.nmsrs = 1, .e.index = msrs[i] };

		if (ioctl(c->fd, KVM_GET_MSRS, &m) == 1)
			dump_line(&b, "vCPU %u: msr %#x = %#llx", c->id, msrs[i],
				  (unsigned long long)m.e.data);
	}
	dump_flush(&b);
}

static void vcpu_kick_handler(int sig)
{
	(void)sig;
}

void vm_dump_state(struct vm *vm)
{
	struct dump_buf b = { .n = 0 };
	struct kvm_irqchip chip;
	struct kvm_pit_state2 pit;

	for (unsigned id = KVM_IRQCHIP_PIC_MASTER; id <= KVM_IRQCHIP_PIC_SLAVE; id++) {
		chip = (struct kvm_irqchip){ .chip_id = id };
		if (ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &chip) == 0) {
			struct kvm_pic_state *p = &chip.chip.pic;

			dump_line(&b, "pic %s: irr %#x imr %#x isr %#x base %#x elcr %#x",
				  id == KVM_IRQCHIP_PIC_MASTER ? "master" : "slave",
				  p->irr, p->imr, p->isr, p->irq_base, p->elcr);
		}
	}
	chip = (struct kvm_irqchip){ .chip_id = KVM_IRQCHIP_IOAPIC };
	if (ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &chip) == 0) {
		struct kvm_ioapic_state *io = &chip.chip.ioapic;

		dump_line(&b, "ioapic: irr %#x", io->irr);
		for (unsigned i = 0; i < KVM_IOAPIC_NUM_PINS; i++) {
			uint64_t e = io->redirtbl[i].bits;

			/* Unmasked pins, and pins waiting for their EOI. */
			if (!(e & (1ull << 16)) || (e & (1ull << 14)))
				dump_line(&b, "ioapic: pin %u: %#llx", i, (unsigned long long)e);
		}
	}
	if (ioctl(vm->vm_fd, KVM_GET_PIT2, &pit) == 0)
		for (unsigned i = 0; i < 3; i++)
			dump_line(&b, "pit %u: count %#x mode %u gate %u status %#x",
				  i, pit.channels[i].count, pit.channels[i].mode,
				  pit.channels[i].gate, pit.channels[i].status);
	dump_flush(&b);

	/*
	 * immediate_exit first: a thread that sees the request clears it, and
	 * one about to enter KVM_RUN (the signal already taken) leaves at once.
	 */
	for (unsigned i = 0; i < vm->ncpus; i++) {
		struct vcpu *c = &vm->vcpus[i];

		__atomic_store_n(&c->run->immediate_exit, 1, __ATOMIC_RELEASE);
		__atomic_store_n(&c->dump_requested, true, __ATOMIC_RELEASE);
		pthread_kill(c->thread, VCPU_KICK_SIGNAL);
	}
}

/* Returns false when this vCPU should stop. */
static bool handle_exit(struct vcpu *c)
{
	struct kvm_run *run = c->run;
	char what[128];

	switch (run->exit_reason) {
	case KVM_EXIT_IO: {
		uint8_t *data = (uint8_t *)run + run->io.data_offset;
		bool out = run->io.direction == KVM_EXIT_IO_OUT;

		for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size)
			io_dispatch(c->vm, run->io.port, data, run->io.size, out);
		return true;
	}
	case KVM_EXIT_MMIO:
		/* No MMIO device lives in user space: reads float high. */
		if (!run->mmio.is_write)
			memset(run->mmio.data, 0xff, run->mmio.len);
		return true;
	case KVM_EXIT_INTR:
		return true;
	case KVM_EXIT_SHUTDOWN:
		vm_request_exit(c->vm, EXIT_OK, "guest reset (triple fault)");
		return false;
	case KVM_EXIT_SYSTEM_EVENT:
		switch (run->system_event.type) {
		case KVM_SYSTEM_EVENT_SHUTDOWN:
			vm_request_exit(c->vm, EXIT_OK, "guest powered off");
			return false;
		case KVM_SYSTEM_EVENT_RESET:
			vm_request_exit(c->vm, EXIT_OK, "guest reset");
			return false;
		}
		snprintf(what, sizeof(what), "system event %u", run->system_event.type);
		break;
	case KVM_EXIT_HLT:
		snprintf(what, sizeof(what), "halted with no interrupt to wake it");
		break;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(what, sizeof(what), "VM entry failed, hardware reason %#llx",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(what, sizeof(what), "KVM internal error, suberror %u%s",
			 run->internal.suberror,
			 run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION
				 ? " (instruction emulation failed)" : "");
		break;
	case KVM_EXIT_UNKNOWN:
		snprintf(what, sizeof(what), "unknown exit, hardware reason %#llx",
			 (unsigned long long)run->hw.hardware_exit_reason);
		break;
	default:
		snprintf(what, sizeof(what), "unexpected exit reason %u", run->exit_reason);
		break;
	}
	crash(c, what);
	return false;
}

/*
 * A diagnostic for tests/bench (startup.c): with VMRUN_STARTUP_REPORT=1 in
 * the environment, vCPU 0 says just before its first KVM_RUN how much CPU
 * the process has used (all its threads, since the fork that became it: the
 * exec is in it), the wall time since the runner's first instruction in
 * user space (a constructor; the kernel's part of the exec is not in it),
 * and where guest RAM lies in the address space, so that the benchmark can
 * tell the runner's own resident memory from the guest's.
 */
static struct timespec startup_wall;

__attribute__((constructor)) static void startup_clock(void)
{
	clock_gettime(CLOCK_MONOTONIC, &startup_wall);
}

static void startup_report(const struct vm *vm)
{
	const char *e = getenv("VMRUN_STARTUP_REPORT");
	struct timespec cpu, now;

	if (!e || strcmp(e, "1"))
		return;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
	clock_gettime(CLOCK_MONOTONIC, &now);
	note("startup: cpu_ns=%lld wall_ns=%lld ram=%p+%#" PRIx64
	     " at vCPU 0's first KVM_RUN",
	     cpu.tv_sec * 1000000000LL + cpu.tv_nsec,
	     (now.tv_sec - startup_wall.tv_sec) * 1000000000LL +
	     (now.tv_nsec - startup_wall.tv_nsec), (void *)vm->ram, vm->ram_size);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *c = arg;

	if (c->id == 0)
		startup_report(c->vm);
	for (;;) {
		if (__atomic_exchange_n(&c->dump_requested, false, __ATOMIC_ACQ_REL)) {
			__atomic_store_n(&c->run->immediate_exit, 0, __ATOMIC_RELEASE);
			vcpu_dump(c);
		}
		if (ioctl(c->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			vm_request_exit(c->vm, EXIT_RUNTIME, "KVM_RUN on vCPU %u: %s (%s)",
					c->id, strerrorname_np(errno), strerror(errno));
			return NULL;
		}
		if (!handle_exit(c))
			return NULL;
		/* Another thread ended the VM: do not run the guest further. */
		if (__atomic_load_n(&c->vm->exit_requested, __ATOMIC_ACQUIRE))
			return NULL;
	}
}

void vm_start(struct vm *vm)
{
	struct sigaction sa = { .sa_handler = vcpu_kick_handler };
	sigset_t kick;

	/* No SA_RESTART: the signal ends a KVM_RUN in progress (EINTR). */
	sigemptyset(&sa.sa_mask);
	if (sigaction(VCPU_KICK_SIGNAL, &sa, NULL))
		die_errno(EXIT_RUNTIME, "sigaction");
	sigemptyset(&kick);
	sigaddset(&kick, VCPU_KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);
	for (unsigned i = 0; i < vm->ncpus; i++) {
		int err = pthread_create(&vm->vcpus[i].thread, NULL, vcpu_thread,
					 &vm->vcpus[i]);
		if (err) {
			errno = err;
			die_errno(EXIT_RUNTIME, "pthread_create for vCPU %u", i);
		}
	}
}
