/*
 * The virtual machine: guest RAM, vCPU threads and the I/O port bus the
 * devices hang on. Everything here is set up through KVM ioctls.
 */
#ifndef VMRUN_VM_H
#define VMRUN_VM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"

#define MAX_IO_HANDLERS 16

/* Top of the RAM below 4 GiB; memory beyond it is placed at 4 GiB. */
#define RAM_HOLE_START	0xc0000000ULL
#define RAM_HIGH_START	0x100000000ULL

/*
 * Handler for an I/O port access of `len` bytes (1, 2 or 4) at `port`.
 * For a read it fills `data` (little-endian); for a write it consumes it.
 */
typedef void io_handler_fn(void *opaque, uint16_t port, uint8_t *data,
			   unsigned len, bool is_write);

struct io_handler {
	uint16_t base, len;
	io_handler_fn *fn;
	void *opaque;
	const char *name;
};

struct vcpu {
	struct vm *vm;
	unsigned id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool dump_requested;		/* print its state at the next chance */
};

struct vm {
	const struct config *cfg;
	const char *node;		/* the hypervisor node in use */
	int sys_fd, vm_fd;

	uint8_t *ram;			/* host mapping of all guest RAM */
	uint64_t ram_size;
	uint64_t low_size;		/* RAM at [0, low_size) */
	uint64_t high_size;		/* RAM at [4 GiB, 4 GiB + high_size) */
	unsigned next_slot;

	unsigned ncpus;
	struct vcpu *vcpus;
	int run_size;

	struct io_handler io[MAX_IO_HANDLERS];
	unsigned nio;

	/* A request to end vmrun, made by whichever thread sees it first. */
	pthread_mutex_t exit_lock;
	bool exit_requested;
	int exit_status;
	char exit_msg[256];
	int wake_fd;			/* eventfd the main thread waits on */
};

/* Open the node, create the VM with its RAM, irqchip, PIT and vCPUs. */
void vm_create(struct vm *vm, const struct config *cfg);
/* Start one thread per vCPU. */
void vm_start(struct vm *vm);

/* Register a handler for ports [base, base + len). Only before vm_start. */
void io_register(struct vm *vm, uint16_t base, uint16_t len,
		 io_handler_fn *fn, void *opaque, const char *name);

/* Host pointer to guest-physical [gpa, gpa + len) if that is RAM, else NULL. */
void *gpa_to_host(struct vm *vm, uint64_t gpa, uint64_t len);

/* Map a host buffer as guest memory (read-only for the guest if possible). */
void vm_map(struct vm *vm, uint64_t gpa, void *host, uint64_t len, bool readonly);

/*
 * SIGUSR1's diagnostic: print the in-kernel PIC, IOAPIC and PIT state, then
 * have each vCPU thread print its registers, events, MP state and local
 * APIC (kicked out of KVM_RUN to do so; the guest then carries on).
 */
void vm_dump_state(struct vm *vm);

/* Drive an interrupt line of the in-kernel PIC/IOAPIC. */
void vm_irq_line(struct vm *vm, unsigned irq, int level);

/*
 * Ask for vmrun to end with `status` after printing "vmrun: <message>".
 * The first request wins; later ones are ignored. Any thread may call it.
 */
void vm_request_exit(struct vm *vm, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
