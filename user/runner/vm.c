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
	for (unsigned i = 0; i < vm->ncpus; i++) {
		int err = pthread_create(&vm->vcpus[i].thread, NULL, vcpu_thread,
					 &vm->vcpus[i]);
		if (err) {
			errno = err;
			die_errno(EXIT_RUNTIME, "pthread_create for vCPU %u", i);
		}
	}
}
