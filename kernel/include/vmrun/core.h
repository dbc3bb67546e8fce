/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The objects the vmrun core owns and the backends see: VMs, vCPUs and
 * memory slots. Backends reach them through the hooks of their ops table
 * (backend.h); nothing here is architecture specific except the register
 * file the core keeps for x86 until a backend takes register state over.
 *
 * Locking (see also kernel/core/vm.c):
 *   vm->lock        protects vm->vcpus and vm->nr_vcpus.
 *   vm->slots_lock  serialises memory slot updates; readers of vm->memslots
 *                   hold vm->srcu instead (they may sleep, e.g. to fault in
 *                   guest pages) and writers wait for them before freeing.
 *   vcpu->mutex     serialises the ioctls of one vCPU, as KVM does.
 */
#ifndef VMRUN_CORE_H
#define VMRUN_CORE_H

#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include <linux/srcu.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include <linux/kvm.h>
#include <vmrun/iobus.h>

/*
 * Limits reported through KVM_CHECK_EXTENSION. They are ours, not KVM's:
 * clients must ask, and the tests derive their expectations from the caps.
 */
#define VMRUN_MAX_VCPUS		64
#define VMRUN_MAX_VCPU_IDS	1024
#define VMRUN_MAX_MEMSLOTS	512
/* As in KVM: a slot's page count has to fit a signed 32-bit int. */
#define VMRUN_MEMSLOT_MAX_PAGES	((1UL << 31) - 1)

/*
 * Pages of a vCPU's mmap area: struct kvm_run, and on x86 the page that
 * holds port I/O data (kvm_run.io.data_offset points there, as in KVM).
 */
#ifdef CONFIG_X86
#define VMRUN_VCPU_MMAP_PAGES	2
#else
#define VMRUN_VCPU_MMAP_PAGES	1
#endif

struct vmrun_backend_ops;

/* One guest-physical range backed by a range of the VM owner's memory. */
struct vmrun_memslot {
	u64 base_gfn;
	u64 npages;
	u64 userspace_addr;
	u32 flags;		/* KVM_MEM_* */
	u16 id;
};

/* An immutable snapshot: replaced as a whole on every change. */
struct vmrun_memslots {
	unsigned int nr;
	struct vmrun_memslot slot[];	/* sorted by base_gfn, disjoint */
};

struct vmrun_vm {
	struct kref ref;		/* the VM file and each vCPU file */
	struct mm_struct *mm;		/* the creator's: only it may ioctl */
	const struct vmrun_backend_ops *ops;	/* module pinned for our life */

	struct mutex lock;		/* vcpus, nr_vcpus */
	struct xarray vcpus;		/* index: creation order */
	unsigned int nr_vcpus;

	struct mutex slots_lock;	/* serialises memslot updates */
	struct vmrun_memslots __rcu *memslots;
	struct srcu_struct srcu;

	/* In-kernel device buses (iobus.c); readers hold vm->srcu. */
	struct mutex io_bus_lock;
	struct vmrun_io_bus __rcu *io_bus[VMRUN_NR_BUSES];

#ifdef CONFIG_X86
	struct vmrun_vm_irq *irq;	/* routing, irqfds, ioeventfds (kernel/irq) */
	struct vmrun_irqchip *irqchip;	/* KVM_CREATE_IRQCHIP's (kernel/irq/x86) */
#endif
	void *priv;			/* the backend's */
};

struct vmrun_vcpu {
	struct vmrun_vm *vm;
	u32 id;				/* KVM_CREATE_VCPU's argument */
	unsigned int idx;		/* creation order */
	struct mutex mutex;

	struct kvm_run *run;
	struct page *mmap_pages[VMRUN_VCPU_MMAP_PAGES];

#ifdef CONFIG_X86
	/* KVM_GET/SET_REGS storage until a backend owns register state. */
	struct kvm_regs regs;
	u32 mp_state;			/* KVM_MP_STATE_* */
	struct vmrun_apic *apic;	/* the in-kernel LAPIC, if any */
#endif

	/*
	 * Scheduling (vcpu.c). Others set a request bit and kick; the vCPU
	 * thread clears the bits it handles. cpu and in_guest are written by
	 * the vCPU thread around each entry, read by kickers.
	 */
	unsigned long requests;		/* VMRUN_REQ_* */
	int cpu;
	bool in_guest;
	wait_queue_head_t wq;		/* a halted vCPU sleeps here */

	void *priv;			/* the backend's */
};

/* Requests to a vCPU (bit numbers in vcpu->requests). */
enum {
	VMRUN_REQ_EVENT,		/* an interrupt, NMI, INIT or SIPI is pending */
};

/*
 * Makes the vCPU look at its requests soon: wakes it if halted, makes it
 * leave the guest if it is inside on another CPU. Any context.
 */
void vmrun_vcpu_kick(struct vmrun_vcpu *vcpu);

static inline void vmrun_vcpu_request(struct vmrun_vcpu *vcpu, int req)
{
	set_bit(req, &vcpu->requests);
	vmrun_vcpu_kick(vcpu);
}

/*
 * The backend's entry check, with interrupts off after in_guest is set:
 * true if the vCPU must not enter (a kick raced with the entry).
 */
static inline bool vmrun_vcpu_entry_cancelled(struct vmrun_vcpu *vcpu)
{
	smp_mb();	/* in_guest before requests; pairs with the kick */
	return READ_ONCE(vcpu->requests) || need_resched() ||
	       signal_pending(current);
}

/*
 * Blocks a vCPU that executed HLT until @wakeup(@vcpu) holds, polling
 * first for up to the module parameter halt_poll_ns. Returns 0, or -EINTR
 * for a signal (the caller exits to user space with KVM_EXIT_INTR).
 */
int vmrun_vcpu_halt(struct vmrun_vcpu *vcpu,
		    bool (*wakeup)(struct vmrun_vcpu *vcpu));

/* Memory slot lookup for readers inside srcu_read_lock(&vm->srcu). */
const struct vmrun_memslot *vmrun_memslot_find(const struct vmrun_memslots *slots,
					       u64 gfn);

/* Guest RAM access from the VM's own threads; return the bytes copied. */
unsigned long vmrun_guest_read(struct vmrun_vm *vm, u64 gpa, void *buf,
			       unsigned long len);
unsigned long vmrun_guest_write(struct vmrun_vm *vm, u64 gpa, const void *buf,
				unsigned long len);

static inline struct vmrun_memslots *vmrun_memslots(struct vmrun_vm *vm)
{
	return srcu_dereference_check(vm->memslots, &vm->srcu,
				      lockdep_is_held(&vm->slots_lock));
}

#endif /* VMRUN_CORE_H */
