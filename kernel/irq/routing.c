// SPDX-License-Identifier: GPL-2.0-only
/*
 * GSI routing (KVM_SET_GSI_ROUTING and the default x86 routing that
 * KVM_CREATE_IRQCHIP installs), KVM_IRQ_LINE[_STATUS], KVM_SIGNAL_MSI,
 * and the EOI notifications that drive resampling irqfds.
 *
 * The table is immutable and replaced whole under irq->lock; readers hold
 * irq->srcu, which an eventfd wakeup (atomic) may take too. GSIs and the
 * route count are bounded by KVM's KVM_MAX_IRQ_ROUTES, 4096.
 */
#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/nospec.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <vmrun/core.h>

#include "irqchip.h"
#include "irq.h"

static struct vmrun_irq_routing *vmrun_irq_routing_get(struct vmrun_vm_irq *irq)
{
	return srcu_dereference_check(irq->routing, &irq->srcu,
				      lockdep_is_held(&irq->lock));
}

/* Checks one user entry as KVM does; 0 or -EINVAL. */
static int vmrun_irq_check_entry(const struct kvm_irq_routing_entry *ue)
{
	if (ue->gsi >= VMRUN_MAX_IRQ_ROUTES)
		return -EINVAL;
	switch (ue->type) {
	case KVM_IRQ_ROUTING_IRQCHIP:
		if (ue->flags)
			return -EINVAL;
		if (ue->u.irqchip.pin >= vmrun_irqchip_nr_pins(ue->u.irqchip.irqchip))
			return -EINVAL;
		return 0;
	case KVM_IRQ_ROUTING_MSI:
		/*
		 * KVM takes a device ID on x86 and ignores it: the message
		 * alone says where the interrupt goes.
		 */
		if (ue->flags & ~KVM_MSI_VALID_DEVID)
			return -EINVAL;
		return 0;
	default:
		/* HV_SINT, XEN_EVTCHN, S390_ADAPTER: not ours. */
		return -EINVAL;
	}
}

static void vmrun_irq_route_from_user(struct vmrun_irq_route *r,
				      const struct kvm_irq_routing_entry *ue)
{
	memset(r, 0, sizeof(*r));
	r->type = ue->type;
	if (ue->type == KVM_IRQ_ROUTING_IRQCHIP) {
		r->irqchip.chip = ue->u.irqchip.irqchip;
		r->irqchip.pin = ue->u.irqchip.pin;
	} else {
		r->msi.address_lo = ue->u.msi.address_lo;
		r->msi.address_hi = ue->u.msi.address_hi;
		r->msi.data = ue->u.msi.data;
		r->msi.flags = ue->flags;
		r->msi.devid = ue->u.msi.devid;
	}
}

/*
 * Builds a table from @nr user entries. A GSI may have one route per chip
 * (the PIC and the IOAPIC see the same legacy line), but no second route
 * to a chip it already has, and an MSI route only alone: -EINVAL as KVM.
 */
static struct vmrun_irq_routing *
vmrun_irq_routing_build(const struct kvm_irq_routing_entry *ue, u32 nr)
{
	struct vmrun_irq_routing *rt;
	u32 i, g, nr_gsis = 0;
	size_t size;
	int r;

	for (i = 0; i < nr; i++) {
		r = vmrun_irq_check_entry(&ue[i]);
		if (r)
			return ERR_PTR(r);
		nr_gsis = max(nr_gsis, ue[i].gsi + 1);
	}

	size = struct_size(rt, route, nr);
	size = size_add(size, array_size(nr_gsis + 1, sizeof(u32)));
	rt = kvzalloc(size, GFP_KERNEL_ACCOUNT);
	if (!rt)
		return ERR_PTR(-ENOMEM);
	rt->nr_gsis = nr_gsis;
	rt->nr_routes = nr;
	rt->start = (u32 *)&rt->route[nr];

	/*
	 * Counting sort by GSI: start[g] first counts the routes of GSIs up
	 * to g, then walking the entries backwards turns it into GSI g's
	 * first slot. Entries of one GSI keep the order user space gave.
	 */
	for (i = 0; i < nr; i++)
		rt->start[ue[i].gsi]++;
	for (g = 1; g < nr_gsis; g++)
		rt->start[g] += rt->start[g - 1];
	rt->start[nr_gsis] = nr;
	for (i = nr; i-- > 0;)
		vmrun_irq_route_from_user(&rt->route[--rt->start[ue[i].gsi]],
					  &ue[i]);

	for (g = 0; g < nr_gsis; g++) {
		u32 first = rt->start[g], end = rt->start[g + 1], j, k;

		for (j = first; j < end; j++) {
			const struct vmrun_irq_route *a = &rt->route[j];

			if (a->type == KVM_IRQ_ROUTING_MSI && end - first > 1)
				goto invalid;
			for (k = first; k < j; k++)
				if (rt->route[k].irqchip.chip == a->irqchip.chip)
					goto invalid;
		}
	}
	return rt;

invalid:
	kvfree(rt);
	return ERR_PTR(-EINVAL);
}

/* Publishes @new (may be NULL) and frees the table it replaces. */
static void vmrun_irq_routing_swap(struct vmrun_vm_irq *irq,
				   struct vmrun_irq_routing *new)
{
	struct vmrun_irq_routing *old;

	mutex_lock(&irq->lock);
	old = vmrun_irq_routing_get(irq);
	rcu_assign_pointer(irq->routing, new);
	mutex_unlock(&irq->lock);
	/* Injections in flight may still use the old routes: wait for them. */
	synchronize_srcu_expedited(&irq->srcu);
	kvfree(old);
}

static int vmrun_irq_set_routing(struct vmrun_vm *vm,
				 const struct kvm_irq_routing_entry *ue, u32 nr)
{
	struct vmrun_irq_routing *rt = vmrun_irq_routing_build(ue, nr);

	if (IS_ERR(rt))
		return PTR_ERR(rt);
	vmrun_irq_routing_swap(vm->irq, rt);
	return 0;
}

/* KVM's default x86 routing: GSI 0-15 to both the PIC and the IOAPIC. */
int vmrun_irq_default_routing(struct vmrun_vm *vm)
{
	struct kvm_irq_routing_entry *ue;
	unsigned int gsi, n = 0;
	int r;

	ue = kcalloc(16 * 2 + 8, sizeof(*ue), GFP_KERNEL_ACCOUNT);
	if (!ue)
		return -ENOMEM;
	for (gsi = 0; gsi < 24; gsi++) {
		ue[n].gsi = gsi;
		ue[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		ue[n].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		ue[n++].u.irqchip.pin = gsi;
		if (gsi >= 16)
			continue;
		ue[n].gsi = gsi;
		ue[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		ue[n].u.irqchip.irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER :
						    KVM_IRQCHIP_PIC_SLAVE;
		ue[n++].u.irqchip.pin = gsi % 8;
	}
	r = vmrun_irq_set_routing(vm, ue, n);
	kfree(ue);
	return r;
}

void vmrun_irq_routing_free(struct vmrun_vm_irq *irq)
{
	kvfree(rcu_dereference_protected(irq->routing, 1));
	RCU_INIT_POINTER(irq->routing, NULL);
}

/*
 * Drives every route of @gsi. Like KVM, the result adds up what the routes
 * report; an error of one route is ignored while another one works. An MSI
 * has no level: it is sent on the rising edge only.
 */
static int vmrun_irq_set_gsi_locked(struct vmrun_vm *vm,
				    const struct vmrun_irq_routing *rt, u32 gsi,
				    enum vmrun_irq_source src, bool level,
				    bool atomic)
{
	int ret = -EINVAL, r;
	u32 i, end;

	if (!rt || gsi >= rt->nr_gsis)
		return -EINVAL;
	gsi = array_index_nospec(gsi, rt->nr_gsis);
	end = rt->start[gsi + 1];
	if (atomic)
		for (i = rt->start[gsi]; i < end; i++)
			if (rt->route[i].type == KVM_IRQ_ROUTING_MSI)
				return -EWOULDBLOCK;
	for (i = rt->start[gsi]; i < end; i++) {
		const struct vmrun_irq_route *e = &rt->route[i];

		if (e->type == KVM_IRQ_ROUTING_IRQCHIP)
			r = vmrun_irqchip_set_pin(vm, e->irqchip.chip,
						  e->irqchip.pin, src, level);
		else if (level)
			r = vmrun_irqchip_msi(vm, &e->msi);
		else
			r = -EINVAL;
		if (r < 0)
			continue;
		ret = ret < 0 ? r : ret + r;
	}
	return ret;
}

static int __vmrun_irq_set_gsi(struct vmrun_vm *vm, u32 gsi,
			       enum vmrun_irq_source src, bool level,
			       bool atomic)
{
	struct vmrun_vm_irq *irq = vm->irq;
	int idx, r;

	if (!irq)
		return -ENODEV;
	idx = srcu_read_lock(&irq->srcu);
	r = vmrun_irq_set_gsi_locked(vm, vmrun_irq_routing_get(irq), gsi, src,
				     level, atomic);
	srcu_read_unlock(&irq->srcu, idx);
	return r;
}

int vmrun_irq_set_gsi(struct vmrun_vm *vm, u32 gsi, enum vmrun_irq_source src,
		      bool level)
{
	return __vmrun_irq_set_gsi(vm, gsi, src, level, false);
}

int vmrun_irq_set_gsi_atomic(struct vmrun_vm *vm, u32 gsi,
			     enum vmrun_irq_source src, bool level)
{
	return __vmrun_irq_set_gsi(vm, gsi, src, level, true);
}

static bool vmrun_irq_gsi_routes_to(const struct vmrun_irq_routing *rt,
				    u32 gsi, unsigned int chip,
				    unsigned int pin)
{
	u32 i;

	if (!rt || gsi >= rt->nr_gsis)
		return false;
	for (i = rt->start[gsi]; i < rt->start[gsi + 1]; i++)
		if (rt->route[i].type == KVM_IRQ_ROUTING_IRQCHIP &&
		    rt->route[i].irqchip.chip == chip &&
		    rt->route[i].irqchip.pin == pin)
			return true;
	return false;
}

void vmrun_irq_ack_notify(struct vmrun_vm *vm, unsigned int chip,
			  unsigned int pin)
{
	struct vmrun_vm_irq *irq = vm->irq;
	const struct vmrun_irq_routing *rt;
	struct vmrun_irq_resampler *rs;
	int idx;

	if (!irq)
		return;
	idx = srcu_read_lock(&irq->srcu);
	rt = vmrun_irq_routing_get(irq);
	list_for_each_entry_srcu(rs, &irq->resamplers, link,
				 srcu_read_lock_held(&irq->srcu))
		if (vmrun_irq_gsi_routes_to(rt, rs->gsi, chip, pin))
			vmrun_irq_resample(irq, rs);
	srcu_read_unlock(&irq->srcu, idx);
}

static long vmrun_irq_ioctl_set_routing(struct vmrun_vm *vm,
					struct kvm_irq_routing __user *argp)
{
	struct kvm_irq_routing_entry *ue = NULL;
	struct kvm_irq_routing hdr;
	long r;

	if (copy_from_user(&hdr, argp, sizeof(hdr)))
		return -EFAULT;
	/* KVM: -EINVAL, not -ENXIO, without an in-kernel irqchip. */
	if (!vmrun_irqchip_in_kernel(vm))
		return -EINVAL;
	if (hdr.nr > VMRUN_MAX_IRQ_ROUTES || hdr.flags)
		return -EINVAL;
	if (hdr.nr) {
		ue = vmemdup_user(argp->entries,
				  array_size(hdr.nr, sizeof(*ue)));
		if (IS_ERR(ue))
			return PTR_ERR(ue);
	}
	r = vmrun_irq_set_routing(vm, ue, hdr.nr);
	kvfree(ue);
	return r;
}

static long vmrun_irq_ioctl_irq_line(struct vmrun_vm *vm, unsigned int ioctl,
				     struct kvm_irq_level __user *argp)
{
	struct kvm_irq_level line;
	int r;

	if (copy_from_user(&line, argp, sizeof(line)))
		return -EFAULT;
	if (!vmrun_irqchip_in_kernel(vm))
		return -ENXIO;
	r = vmrun_irq_set_gsi(vm, line.irq, VMRUN_IRQ_SRC_USER, !!line.level);
	if (ioctl != KVM_IRQ_LINE_STATUS)
		return 0;
	/*
	 * KVM reports -1 whenever no route took the interrupt (no route at
	 * all, or each one failed), whatever the reason.
	 */
	line.status = r < 0 ? -1 : r;
	if (copy_to_user(argp, &line, sizeof(line)))
		return -EFAULT;
	return 0;
}

static long vmrun_irq_ioctl_signal_msi(struct vmrun_vm *vm,
				       struct kvm_msi __user *argp)
{
	struct kvm_msi msi;

	if (copy_from_user(&msi, argp, sizeof(msi)))
		return -EFAULT;
	if (!vmrun_irqchip_in_kernel(vm))
		return -EINVAL;
	if (msi.flags & ~KVM_MSI_VALID_DEVID)
		return -EINVAL;
	/* As KVM: > 0 delivered, 0 blocked, < 0 not deliverable. */
	return vmrun_irqchip_msi(vm, &msi);
}

long vmrun_irq_routing_ioctl(struct vmrun_vm *vm, unsigned int ioctl,
			     unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (ioctl) {
	case KVM_SET_GSI_ROUTING:
		return vmrun_irq_ioctl_set_routing(vm, argp);
	case KVM_IRQ_LINE:
	case KVM_IRQ_LINE_STATUS:
		return vmrun_irq_ioctl_irq_line(vm, ioctl, argp);
	case KVM_SIGNAL_MSI:
		return vmrun_irq_ioctl_signal_msi(vm, argp);
	default:
		return -ENOIOCTLCMD;
	}
}

int vmrun_irq_vm_init(struct vmrun_vm *vm)
{
	struct vmrun_vm_irq *irq;
	int r;

	irq = kzalloc(sizeof(*irq), GFP_KERNEL_ACCOUNT);
	if (!irq)
		return -ENOMEM;
	irq->vm = vm;
	mutex_init(&irq->lock);
	r = init_srcu_struct(&irq->srcu);
	if (r)
		goto free;
	r = vmrun_irq_eventfd_init(irq);
	if (r)
		goto srcu;
	vm->irq = irq;
	return 0;

srcu:
	cleanup_srcu_struct(&irq->srcu);
free:
	kfree(irq);
	return r;
}

void vmrun_irq_vm_destroy(struct vmrun_vm *vm)
{
	struct vmrun_vm_irq *irq = vm->irq;

	if (!irq)
		return;
	/* No irqfd may inject, nor ioeventfd signal, past this point. */
	vmrun_irq_eventfd_destroy(irq);
	vm->irq = NULL;
	vmrun_irq_routing_free(irq);
	cleanup_srcu_struct(&irq->srcu);
	kfree(irq);
}

long vmrun_irq_vm_ioctl(struct vmrun_vm *vm, unsigned int ioctl,
			unsigned long arg)
{
	long r = vmrun_irq_routing_ioctl(vm, ioctl, arg);

	if (r != -ENOIOCTLCMD)
		return r;
	return vmrun_irq_eventfd_ioctl(vm, ioctl, arg);
}

long vmrun_irq_check_extension(struct vmrun_vm *vm, long cap)
{
	switch (cap) {
	case KVM_CAP_IOEVENTFD:
	case KVM_CAP_IOEVENTFD_NO_LENGTH:
	case KVM_CAP_IOEVENTFD_ANY_LENGTH:
	case KVM_CAP_IRQFD:
	case KVM_CAP_IRQFD_RESAMPLE:
	case KVM_CAP_SIGNAL_MSI:
	case KVM_CAP_IRQ_INJECT_STATUS:
		return 1;
	case KVM_CAP_IRQ_ROUTING:
		/* KVM answers with its route limit, as do we. */
		return VMRUN_MAX_IRQ_ROUTES;
	default:
		return 0;
	}
}
