// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_IRQFD and KVM_IOEVENTFD.
 *
 * An irqfd hooks a wait-queue entry onto its eventfd. The wakeup runs
 * with the eventfd's wait-queue lock held and interrupts off, so it
 * injects directly only through routes whose irqchip call is allowed
 * there (vmrun_irqchip_set_pin: any context that may take a spinlock with
 * interrupts off); a GSI with an MSI route is injected from a work item,
 * because vmrun_irqchip_msi() promises no such context.
 *
 * An irqfd leaves in two steps: deactivation (off vm->irq->irqfds, by
 * KVM_IRQFD's deassign, the eventfd's EPOLLHUP, or the VM's end) queues
 * its shutdown on the VM's cleanup workqueue; the shutdown unhooks the
 * wait entry, waits for injections in flight and frees it. Deassign and
 * the VM's end flush that workqueue, so nothing injects once they return.
 *
 * An ioeventfd is a device on the VM's PIO or MMIO bus; the vCPU's write
 * signals the eventfd and never reaches user space.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <vmrun/compat.h>
#include <vmrun/core.h>
#include <vmrun/iobus.h>

#include "irqchip.h"
#include "irq.h"

struct vmrun_irqfd {
	struct vmrun_vm_irq *irq;
	struct list_head link;		/* irq->irqfds; empty: deactivated */
	struct eventfd_ctx *eventfd;
	u32 gsi;

	/* KVM_IRQFD_FLAG_RESAMPLE only */
	struct eventfd_ctx *resamplefd;
	struct vmrun_irq_resampler *resampler;
	struct list_head resample_link;	/* resampler->irqfds */

	wait_queue_entry_t wait;
	poll_table pt;
	struct work_struct inject;	/* system_wq */
	struct work_struct shutdown;	/* irq->cleanup_wq */
};

/* ---- irqfd ---- */

static void vmrun_irqfd_fire(struct vmrun_irqfd *irqfd, bool atomic)
{
	struct vmrun_vm *vm = irqfd->irq->vm;
	int r;

	if (irqfd->resampler) {
		/* Held until the guest's EOI: vmrun_irq_resample() lowers it. */
		if (atomic)
			r = vmrun_irq_set_gsi_atomic(vm, irqfd->gsi,
						     VMRUN_IRQ_SRC_RESAMPLE, true);
		else
			r = vmrun_irq_set_gsi(vm, irqfd->gsi,
					      VMRUN_IRQ_SRC_RESAMPLE, true);
	} else {
		/*
		 * An edge. It shares user space's source, as in KVM: the
		 * level a KVM_IRQ_LINE set is dropped by the pulse.
		 */
		if (atomic)
			r = vmrun_irq_set_gsi_atomic(vm, irqfd->gsi,
						     VMRUN_IRQ_SRC_USER, true);
		else
			r = vmrun_irq_set_gsi(vm, irqfd->gsi,
					      VMRUN_IRQ_SRC_USER, true);
		/*
		 * Lowering a line never sends an MSI, so this is safe in the
		 * wakeup even if the routes changed in between.
		 */
		if (r != -EWOULDBLOCK)
			vmrun_irq_set_gsi(vm, irqfd->gsi, VMRUN_IRQ_SRC_USER,
					  false);
	}
	if (r == -EWOULDBLOCK)
		schedule_work(&irqfd->inject);
}

static void vmrun_irqfd_inject_work(struct work_struct *work)
{
	vmrun_irqfd_fire(container_of(work, struct vmrun_irqfd, inject), false);
}

/* With irq->irqfds_lock held. */
static void vmrun_irqfd_deactivate(struct vmrun_irqfd *irqfd)
{
	if (list_empty(&irqfd->link))
		return;		/* someone else was first */
	list_del_init(&irqfd->link);
	queue_work(irqfd->irq->cleanup_wq, &irqfd->shutdown);
}

/* The eventfd's wait-queue lock is held, interrupts are off. */
static int vmrun_irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode,
			      int sync, void *key)
{
	struct vmrun_irqfd *irqfd = container_of(wait, struct vmrun_irqfd, wait);
	__poll_t events = key_to_poll(key);
	unsigned long flags;
	u64 cnt;

	if (events & EPOLLIN) {
		/* Consume the count: the next write wakes us up again. */
		eventfd_ctx_do_read(irqfd->eventfd, &cnt);
		vmrun_irqfd_fire(irqfd, true);
	}
	if (events & EPOLLHUP) {
		/* User space closed the eventfd: the irqfd goes with it. */
		spin_lock_irqsave(&irqfd->irq->irqfds_lock, flags);
		vmrun_irqfd_deactivate(irqfd);
		spin_unlock_irqrestore(&irqfd->irq->irqfds_lock, flags);
	}
	return events & EPOLLIN ? 1 : 0;
}

static void vmrun_irqfd_queue_proc(struct file *file, wait_queue_head_t *wqh,
				   poll_table *pt)
{
	struct vmrun_irqfd *irqfd = container_of(pt, struct vmrun_irqfd, pt);

	add_wait_queue_priority(wqh, &irqfd->wait);
}

/* Joins (or creates) the resampler of irqfd->gsi. */
static int vmrun_irqfd_resampler_join(struct vmrun_irqfd *irqfd)
{
	struct vmrun_vm_irq *irq = irqfd->irq;
	struct vmrun_irq_resampler *rs;

	mutex_lock(&irq->resample_lock);
	list_for_each_entry(rs, &irq->resamplers, link)
		if (rs->gsi == irqfd->gsi)
			goto found;
	rs = kzalloc(sizeof(*rs), GFP_KERNEL_ACCOUNT);
	if (!rs) {
		mutex_unlock(&irq->resample_lock);
		return -ENOMEM;
	}
	rs->gsi = irqfd->gsi;
	INIT_LIST_HEAD(&rs->irqfds);
	list_add_rcu(&rs->link, &irq->resamplers);
found:
	irqfd->resampler = rs;
	list_add_rcu(&irqfd->resample_link, &rs->irqfds);
	mutex_unlock(&irq->resample_lock);
	return 0;
}

static void vmrun_irqfd_resampler_leave(struct vmrun_irqfd *irqfd)
{
	struct vmrun_irq_resampler *rs = irqfd->resampler;
	struct vmrun_vm_irq *irq = irqfd->irq;
	bool last;

	mutex_lock(&irq->resample_lock);
	list_del_rcu(&irqfd->resample_link);
	last = list_empty(&rs->irqfds);
	if (last)
		list_del_rcu(&rs->link);
	mutex_unlock(&irq->resample_lock);
	/* An EOI may be signalling our resamplefd right now. */
	synchronize_srcu(&irq->srcu);
	if (last) {
		/* Nobody is left to keep the line up. */
		vmrun_irq_set_gsi(irq->vm, rs->gsi, VMRUN_IRQ_SRC_RESAMPLE,
				  false);
		kfree(rs);
	}
}

void vmrun_irq_resample(struct vmrun_vm_irq *irq,
			struct vmrun_irq_resampler *rs)
{
	struct vmrun_irqfd *irqfd;

	/*
	 * One deassert for the whole GSI: the irqfds share the source, and
	 * a second deassert could undo an assert that came in between.
	 */
	vmrun_irq_set_gsi(irq->vm, rs->gsi, VMRUN_IRQ_SRC_RESAMPLE, false);
	list_for_each_entry_srcu(irqfd, &rs->irqfds, resample_link,
				 srcu_read_lock_held(&irq->srcu))
		vmrun_eventfd_signal(irqfd->resamplefd);
}

static void vmrun_irqfd_shutdown_work(struct work_struct *work)
{
	struct vmrun_irqfd *irqfd = container_of(work, struct vmrun_irqfd,
						 shutdown);
	u64 cnt;

	/* Once this returns, the wakeup cannot run for us any more... */
	eventfd_ctx_remove_wait_queue(irqfd->eventfd, &irqfd->wait, &cnt);
	/* ...nor can the injection it may have queued. */
	flush_work(&irqfd->inject);
	if (irqfd->resampler) {
		vmrun_irqfd_resampler_leave(irqfd);
		eventfd_ctx_put(irqfd->resamplefd);
	}
	eventfd_ctx_put(irqfd->eventfd);
	kfree(irqfd);
}

static int vmrun_irqfd_assign(struct vmrun_vm *vm, const struct kvm_irqfd *args)
{
	struct vmrun_vm_irq *irq = vm->irq;
	struct vmrun_irqfd *irqfd, *other;
	struct file *file;
	__poll_t events;
	int r;

	/* As KVM on x86: both kinds need the in-kernel irqchip. */
	if (!vmrun_irqchip_in_kernel(vm))
		return -EINVAL;

	irqfd = kzalloc(sizeof(*irqfd), GFP_KERNEL_ACCOUNT);
	if (!irqfd)
		return -ENOMEM;
	irqfd->irq = irq;
	irqfd->gsi = args->gsi;
	INIT_LIST_HEAD(&irqfd->link);
	INIT_LIST_HEAD(&irqfd->resample_link);
	INIT_WORK(&irqfd->inject, vmrun_irqfd_inject_work);
	INIT_WORK(&irqfd->shutdown, vmrun_irqfd_shutdown_work);
	init_waitqueue_func_entry(&irqfd->wait, vmrun_irqfd_wakeup);
	init_poll_funcptr(&irqfd->pt, vmrun_irqfd_queue_proc);

	/* Our own reference to the file keeps EPOLLHUP away until we are in. */
	file = eventfd_fget(args->fd);
	if (IS_ERR(file)) {
		r = PTR_ERR(file);
		goto free;
	}
	irqfd->eventfd = eventfd_ctx_fileget(file);
	if (IS_ERR(irqfd->eventfd)) {
		r = PTR_ERR(irqfd->eventfd);
		irqfd->eventfd = NULL;
		goto put_file;
	}
	if (args->flags & KVM_IRQFD_FLAG_RESAMPLE) {
		irqfd->resamplefd = eventfd_ctx_fdget(args->resamplefd);
		if (IS_ERR(irqfd->resamplefd)) {
			r = PTR_ERR(irqfd->resamplefd);
			irqfd->resamplefd = NULL;
			goto put_file;
		}
	}

	/*
	 * irq->lock keeps deassign and the VM's end from seeing the irqfd on
	 * the list before its wait entry is hooked.
	 */
	mutex_lock(&irq->lock);
	spin_lock_irq(&irq->irqfds_lock);
	list_for_each_entry(other, &irq->irqfds, link) {
		if (other->eventfd == irqfd->eventfd) {
			/* One eventfd, one interrupt: as KVM. */
			spin_unlock_irq(&irq->irqfds_lock);
			r = -EBUSY;
			goto unlock;
		}
	}
	spin_unlock_irq(&irq->irqfds_lock);

	if (irqfd->resamplefd) {
		r = vmrun_irqfd_resampler_join(irqfd);
		if (r)
			goto unlock;
	}

	spin_lock_irq(&irq->irqfds_lock);
	list_add_tail(&irqfd->link, &irq->irqfds);
	spin_unlock_irq(&irq->irqfds_lock);

	events = vfs_poll(file, &irqfd->pt);
	/* A count written before the assignment fires now. */
	if (events & EPOLLIN)
		schedule_work(&irqfd->inject);
	mutex_unlock(&irq->lock);
	fput(file);
	return 0;

unlock:
	mutex_unlock(&irq->lock);
put_file:
	if (irqfd->resamplefd)
		eventfd_ctx_put(irqfd->resamplefd);
	if (irqfd->eventfd)
		eventfd_ctx_put(irqfd->eventfd);
	fput(file);
free:
	kfree(irqfd);
	return r;
}

static int vmrun_irqfd_deassign(struct vmrun_vm *vm,
				const struct kvm_irqfd *args)
{
	struct vmrun_vm_irq *irq = vm->irq;
	struct vmrun_irqfd *irqfd, *tmp;
	struct eventfd_ctx *eventfd;

	eventfd = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(eventfd))
		return PTR_ERR(eventfd);
	mutex_lock(&irq->lock);
	spin_lock_irq(&irq->irqfds_lock);
	list_for_each_entry_safe(irqfd, tmp, &irq->irqfds, link)
		if (irqfd->eventfd == eventfd && irqfd->gsi == args->gsi)
			vmrun_irqfd_deactivate(irqfd);
	spin_unlock_irq(&irq->irqfds_lock);
	mutex_unlock(&irq->lock);
	eventfd_ctx_put(eventfd);
	/* No interrupt from it once we return. KVM: 0 even without a match. */
	flush_workqueue(irq->cleanup_wq);
	return 0;
}

static long vmrun_irqfd_ioctl(struct vmrun_vm *vm, void __user *argp)
{
	struct kvm_irqfd args;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if (args.flags & ~(KVM_IRQFD_FLAG_DEASSIGN | KVM_IRQFD_FLAG_RESAMPLE))
		return -EINVAL;
	if (args.flags & KVM_IRQFD_FLAG_DEASSIGN)
		return vmrun_irqfd_deassign(vm, &args);
	return vmrun_irqfd_assign(vm, &args);
}

/* ---- ioeventfd ---- */

struct vmrun_ioeventfd {
	struct vmrun_io_device dev;
	struct list_head link;		/* irq->ioeventfds */
	struct eventfd_ctx *eventfd;
	enum vmrun_bus bus;
	u64 addr;
	u64 datamatch;
	u32 len;			/* 0: any access at addr */
	bool wildcard;			/* no KVM_IOEVENTFD_FLAG_DATAMATCH */
};

/*
 * Bit 4 is KVM's internal fast-MMIO flag: KVM accepts it from user space
 * and ignores it, and so do we.
 */
#define VMRUN_IOEVENTFD_FAST_MMIO	BIT(4)
#define VMRUN_IOEVENTFD_FLAGS		(KVM_IOEVENTFD_FLAG_DATAMATCH |  \
					 KVM_IOEVENTFD_FLAG_PIO |        \
					 KVM_IOEVENTFD_FLAG_DEASSIGN |   \
					 VMRUN_IOEVENTFD_FAST_MMIO)

static struct vmrun_ioeventfd *to_ioeventfd(struct vmrun_io_device *dev)
{
	return container_of(dev, struct vmrun_ioeventfd, dev);
}

static bool vmrun_ioeventfd_match(const struct vmrun_ioeventfd *p, u64 addr,
				  unsigned int len, const void *val)
{
	u16 v16;
	u32 v32;
	u64 v;

	if (addr != p->addr)
		return false;
	if (!p->len)
		return true;
	if (len != p->len)
		return false;
	if (p->wildcard)
		return true;
	/* The data need not be aligned: copy it out at its width. */
	switch (len) {
	case 1:
		v = *(const u8 *)val;
		break;
	case 2:
		memcpy(&v16, val, 2);
		v = v16;
		break;
	case 4:
		memcpy(&v32, val, 4);
		v = v32;
		break;
	case 8:
		memcpy(&v, val, 8);
		break;
	default:
		return false;
	}
	return v == p->datamatch;
}

static int vmrun_ioeventfd_write(struct vmrun_io_device *dev,
				 struct vmrun_vcpu *vcpu, u64 addr,
				 unsigned int len, const void *val)
{
	struct vmrun_ioeventfd *p = to_ioeventfd(dev);

	if (!vmrun_ioeventfd_match(p, addr, len, val))
		return -EOPNOTSUPP;
	vmrun_eventfd_signal(p->eventfd);
	return 0;
}

/* Reads of an ioeventfd's range are user space's, as in KVM. */
static int vmrun_ioeventfd_read(struct vmrun_io_device *dev,
				struct vmrun_vcpu *vcpu, u64 addr,
				unsigned int len, void *val)
{
	return -EOPNOTSUPP;
}

static const struct vmrun_io_device_ops vmrun_ioeventfd_ops = {
	.read = vmrun_ioeventfd_read,
	.write = vmrun_ioeventfd_write,
};

/*
 * KVM's notion of a clash: same bus and address, and a write could match
 * both (either has no length, or equal lengths where either takes any
 * value or both take the same one). Other overlaps are allowed.
 */
static bool vmrun_ioeventfd_clashes(struct vmrun_vm_irq *irq,
				    const struct vmrun_ioeventfd *p)
{
	const struct vmrun_ioeventfd *q;

	list_for_each_entry(q, &irq->ioeventfds, link) {
		if (q->bus != p->bus || q->addr != p->addr)
			continue;
		if (!q->len || !p->len)
			return true;
		if (q->len == p->len &&
		    (q->wildcard || p->wildcard || q->datamatch == p->datamatch))
			return true;
	}
	return false;
}

static int vmrun_ioeventfd_assign(struct vmrun_vm *vm,
				  const struct kvm_ioeventfd *args,
				  enum vmrun_bus bus)
{
	struct vmrun_vm_irq *irq = vm->irq;
	struct vmrun_ioeventfd *p;
	u32 bus_len;
	int r;

	switch (args->len) {
	case 0:
	case 1:
	case 2:
	case 4:
	case 8:
		break;
	default:
		return -EINVAL;
	}
	if (args->addr + args->len < args->addr)
		return -EINVAL;
	/* Without a length there is no value to compare. */
	if (!args->len && (args->flags & KVM_IOEVENTFD_FLAG_DATAMATCH))
		return -EINVAL;

	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;
	p->eventfd = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(p->eventfd)) {
		r = PTR_ERR(p->eventfd);
		kfree(p);
		return r;
	}
	p->dev.ops = &vmrun_ioeventfd_ops;
	p->bus = bus;
	p->addr = args->addr;
	p->len = args->len;
	p->wildcard = !(args->flags & KVM_IOEVENTFD_FLAG_DATAMATCH);
	if (!p->wildcard)
		p->datamatch = args->datamatch;

	/*
	 * The bus hands a device only accesses that lie wholly inside its
	 * range: one without a length claims the widest access, 8 bytes,
	 * cut short at the top of the address space.
	 */
	bus_len = p->len;
	if (!bus_len)
		bus_len = p->addr > U64_MAX - 7 ? U64_MAX - p->addr + 1 : 8;

	mutex_lock(&irq->lock);
	if (vmrun_ioeventfd_clashes(irq, p)) {
		r = -EEXIST;
		goto fail;
	}
	r = vmrun_io_bus_register(vm, bus, p->addr, bus_len, &p->dev);
	if (r)
		goto fail;
	list_add_tail(&p->link, &irq->ioeventfds);
	mutex_unlock(&irq->lock);
	return 0;

fail:
	mutex_unlock(&irq->lock);
	eventfd_ctx_put(p->eventfd);
	kfree(p);
	return r;
}

static int vmrun_ioeventfd_deassign(struct vmrun_vm *vm,
				    const struct kvm_ioeventfd *args,
				    enum vmrun_bus bus)
{
	bool wildcard = !(args->flags & KVM_IOEVENTFD_FLAG_DATAMATCH);
	struct vmrun_vm_irq *irq = vm->irq;
	struct eventfd_ctx *eventfd;
	struct vmrun_ioeventfd *p;
	int r = -ENOENT;

	eventfd = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(eventfd))
		return PTR_ERR(eventfd);
	mutex_lock(&irq->lock);
	list_for_each_entry(p, &irq->ioeventfds, link) {
		if (p->bus != bus || p->eventfd != eventfd ||
		    p->addr != args->addr || p->len != args->len ||
		    p->wildcard != wildcard)
			continue;
		if (!wildcard && p->datamatch != args->datamatch)
			continue;
		/* Returns once no vCPU can be inside our write handler. */
		vmrun_io_bus_unregister(vm, bus, &p->dev);
		list_del(&p->link);
		eventfd_ctx_put(p->eventfd);
		kfree(p);
		r = 0;
		break;
	}
	mutex_unlock(&irq->lock);
	eventfd_ctx_put(eventfd);
	return r;
}

static long vmrun_ioeventfd_ioctl(struct vmrun_vm *vm, void __user *argp)
{
	struct kvm_ioeventfd args;
	enum vmrun_bus bus;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	bus = args.flags & KVM_IOEVENTFD_FLAG_PIO ? VMRUN_BUS_PIO :
						    VMRUN_BUS_MMIO;
	if (args.flags & KVM_IOEVENTFD_FLAG_DEASSIGN) {
		/* KVM looks the ioeventfd up whatever the other flags say. */
		if (args.flags & KVM_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY)
			return -ENOENT;
		return vmrun_ioeventfd_deassign(vm, &args, bus);
	}
	/*
	 * The virtio-ccw notification bus is s390's; KVM on x86 accepts the
	 * flag for a bus no vCPU ever writes to. We say what it is: invalid.
	 */
	if (args.flags & ~VMRUN_IOEVENTFD_FLAGS)
		return -EINVAL;
	return vmrun_ioeventfd_assign(vm, &args, bus);
}

/* ---- VM plumbing ---- */

int vmrun_irq_eventfd_init(struct vmrun_vm_irq *irq)
{
	spin_lock_init(&irq->irqfds_lock);
	INIT_LIST_HEAD(&irq->irqfds);
	mutex_init(&irq->resample_lock);
	INIT_LIST_HEAD(&irq->resamplers);
	INIT_LIST_HEAD(&irq->ioeventfds);
	/* Per VM, so that flushing it waits for this VM's irqfds only. */
	irq->cleanup_wq = alloc_workqueue("vmrun-irqfd", 0, 0);
	return irq->cleanup_wq ? 0 : -ENOMEM;
}

void vmrun_irq_eventfd_destroy(struct vmrun_vm_irq *irq)
{
	struct vmrun_irqfd *irqfd, *tmp;
	struct vmrun_ioeventfd *p, *ptmp;

	spin_lock_irq(&irq->irqfds_lock);
	list_for_each_entry_safe(irqfd, tmp, &irq->irqfds, link)
		vmrun_irqfd_deactivate(irqfd);
	spin_unlock_irq(&irq->irqfds_lock);
	/* Also waits for shutdowns an EPOLLHUP queued before. */
	destroy_workqueue(irq->cleanup_wq);

	/*
	 * The VM's files are gone, so no vCPU walks the buses: leave them to
	 * vmrun_io_bus_destroy() and just free our devices.
	 */
	list_for_each_entry_safe(p, ptmp, &irq->ioeventfds, link) {
		list_del(&p->link);
		eventfd_ctx_put(p->eventfd);
		kfree(p);
	}
}

long vmrun_irq_eventfd_ioctl(struct vmrun_vm *vm, unsigned int ioctl,
			     unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (ioctl) {
	case KVM_IRQFD:
		return vmrun_irqfd_ioctl(vm, argp);
	case KVM_IOEVENTFD:
		return vmrun_ioeventfd_ioctl(vm, argp);
	default:
		return -ENOIOCTLCMD;
	}
}
