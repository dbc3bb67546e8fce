// SPDX-License-Identifier: GPL-2.0-only
/*
 * vCPU objects: KVM_CREATE_VCPU, the vCPU file with its mmap-able
 * struct kvm_run, and the vCPU ioctls the core answers itself.
 *
 * Lifetime: a vCPU file holds a reference on its VM; the vCPU object is
 * freed with the VM (vm.c), never earlier, so the file's private pointer
 * stays valid until release.
 *
 * Locking: vm->lock covers the VM's vCPU table and count during creation;
 * vcpu->mutex serialises the ioctls of one vCPU.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sched/stat.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include <vmrun/backend.h>
#include <vmrun/compat.h>

#include "internal.h"
#ifdef CONFIG_X86
#include "../irq/irqchip.h"
#endif

static vm_fault_t vmrun_vcpu_fault(struct vm_fault *vmf)
{
	struct vmrun_vcpu *vcpu = vmf->vma->vm_file->private_data;
	struct page *page;

	if (vmf->pgoff >= VMRUN_VCPU_MMAP_PAGES)
		return VM_FAULT_SIGBUS;
	page = vcpu->mmap_pages[vmf->pgoff];
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct vmrun_vcpu_vm_ops = {
	.fault = vmrun_vcpu_fault,
};

/*
 * Like KVM, any length and offset may be mapped; touching a page beyond
 * KVM_GET_VCPU_MMAP_SIZE raises SIGBUS.
 */
static int vmrun_vcpu_mmap(struct file *filp, struct vm_area_struct *vma)
{
	vma->vm_ops = &vmrun_vcpu_vm_ops;
	return 0;
}

static int vmrun_vcpu_release(struct inode *inode, struct file *filp)
{
	struct vmrun_vcpu *vcpu = filp->private_data;

	vmrun_vm_put(vcpu->vm);
	return 0;
}

#ifdef CONFIG_X86
static long vmrun_vcpu_get_regs(struct vmrun_vcpu *vcpu, void __user *argp)
{
	return copy_to_user(argp, &vcpu->regs, sizeof(vcpu->regs)) ? -EFAULT : 0;
}

static long vmrun_vcpu_set_regs(struct vmrun_vcpu *vcpu, void __user *argp)
{
	struct kvm_regs regs;

	if (copy_from_user(&regs, argp, sizeof(regs)))
		return -EFAULT;
	vcpu->regs = regs;
	return 0;
}

/* The architectural reset values KVM reports before the first KVM_RUN. */
static void vmrun_vcpu_reset_regs(struct vmrun_vcpu *vcpu)
{
	vcpu->regs.rip = 0xfff0;
	vcpu->regs.rflags = 0x2;	/* bit 1 is reserved as one */
}
#else
/*
 * arm64 KVM has no KVM_GET/SET_REGS: registers go through KVM_*_ONE_REG.
 * Its generic code copies a SET_REGS argument in before the arch code
 * refuses it, so a bad pointer is EFAULT there, as here.
 */
static long vmrun_vcpu_get_regs(struct vmrun_vcpu *vcpu, void __user *argp)
{
	return -EINVAL;
}

static long vmrun_vcpu_set_regs(struct vmrun_vcpu *vcpu, void __user *argp)
{
	struct kvm_regs regs;

	if (copy_from_user(&regs, argp, sizeof(regs)))
		return -EFAULT;
	return -EINVAL;
}

static void vmrun_vcpu_reset_regs(struct vmrun_vcpu *vcpu)
{
}
#endif

static long vmrun_vcpu_ioctl(struct file *filp, unsigned int ioctl,
			     unsigned long arg)
{
	struct vmrun_vcpu *vcpu = filp->private_data;
	void __user *argp = (void __user *)arg;
	long r;

	if (vcpu->vm->mm != current->mm)
		return -EIO;
	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;

	switch (ioctl) {
	case KVM_RUN:
		if (arg)
			r = -EINVAL;
		else if (vcpu->vm->ops->vcpu_run)
			r = vcpu->vm->ops->vcpu_run(vcpu);
		else
			r = -EOPNOTSUPP;	/* the backend cannot run guests yet */
		break;
	case KVM_GET_REGS:
		r = vmrun_vcpu_get_regs(vcpu, argp);
		break;
	case KVM_SET_REGS:
		r = vmrun_vcpu_set_regs(vcpu, argp);
		break;
	default:
		r = -ENOIOCTLCMD;
#ifdef CONFIG_X86
		r = vmrun_irqchip_vcpu_ioctl(vcpu, ioctl, arg);
#endif
		if (r == -ENOIOCTLCMD && vcpu->vm->ops->vcpu_ioctl)
			r = vcpu->vm->ops->vcpu_ioctl(vcpu, ioctl, arg);
		if (r == -ENOIOCTLCMD)
			r = VMRUN_UNKNOWN_VCPU_IOCTL;
		break;
	}

	mutex_unlock(&vcpu->mutex);
	return r;
}

static const struct file_operations vmrun_vcpu_fops = {
	.owner = THIS_MODULE,
	.release = vmrun_vcpu_release,
	.unlocked_ioctl = vmrun_vcpu_ioctl,
	.mmap = vmrun_vcpu_mmap,
	.llseek = noop_llseek,
};

static struct vmrun_vcpu *vmrun_vcpu_alloc(struct vmrun_vm *vm, u32 id)
{
	struct vmrun_vcpu *vcpu;
	int i;

	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return NULL;
	for (i = 0; i < VMRUN_VCPU_MMAP_PAGES; i++) {
		vcpu->mmap_pages[i] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
		if (!vcpu->mmap_pages[i])
			goto free;
	}
	vcpu->run = page_address(vcpu->mmap_pages[0]);
	vcpu->vm = vm;
	vcpu->id = id;
	mutex_init(&vcpu->mutex);
	init_waitqueue_head(&vcpu->wq);
	vcpu->cpu = -1;
	vmrun_vcpu_reset_regs(vcpu);
	return vcpu;
free:
	while (i--)
		__free_page(vcpu->mmap_pages[i]);
	kfree(vcpu);
	return NULL;
}

/*
 * How long a halted vCPU spins before it sleeps, in ns: a wakeup that
 * comes within it (an IPI reply, a short timer) costs no context switch.
 * As KVM's parameter of the same name; 0 turns polling off.
 */
static unsigned int halt_poll_ns = 200000;
module_param(halt_poll_ns, uint, 0644);
MODULE_PARM_DESC(halt_poll_ns, "ns a halted vCPU polls before sleeping");

void vmrun_vcpu_kick(struct vmrun_vcpu *vcpu)
{
	int me, cpu;

	wake_up_interruptible(&vcpu->wq);
	smp_mb();	/* the request before in_guest; pairs with the entry */
	me = get_cpu();
	cpu = READ_ONCE(vcpu->cpu);
	/* Any interrupt makes the guest exit; the handler has nothing to do. */
	if (READ_ONCE(vcpu->in_guest) && cpu != me)
		vmrun_send_kick_ipi(cpu);
	put_cpu();
}
EXPORT_SYMBOL_GPL(vmrun_vcpu_kick);

int vmrun_vcpu_halt(struct vmrun_vcpu *vcpu,
		    bool (*wakeup)(struct vmrun_vcpu *vcpu))
{
	unsigned int poll = READ_ONCE(halt_poll_ns);

	if (poll) {
		u64 stop = ktime_get_ns() + poll;

		do {
			if (wakeup(vcpu))
				return 0;
			if (signal_pending(current))
				return -EINTR;
			cpu_relax();
			/*
			 * Another task wants this CPU (maybe the very vCPU
			 * whose reply we wait for): stop polling at once.
			 */
		} while (!need_resched() && single_task_running() &&
			 ktime_get_ns() < stop);
	}
	if (wait_event_interruptible(vcpu->wq, wakeup(vcpu)))
		return -EINTR;
	return 0;
}
EXPORT_SYMBOL_GPL(vmrun_vcpu_halt);

/* Frees the core's part; the backend's vcpu_destroy has run if it must. */
static void vmrun_vcpu_free_core(struct vmrun_vcpu *vcpu)
{
	int i;

	/* Pages still mapped by userspace keep their own references. */
	for (i = 0; i < VMRUN_VCPU_MMAP_PAGES; i++)
		put_page(vcpu->mmap_pages[i]);
	kfree(vcpu);
}

void vmrun_vcpu_free(struct vmrun_vcpu *vcpu)
{
#ifdef CONFIG_X86
	vmrun_irqchip_vcpu_free(vcpu);
#endif
	if (vcpu->vm->ops->vcpu_destroy)
		vcpu->vm->ops->vcpu_destroy(vcpu);
	vmrun_vcpu_free_core(vcpu);
	vmrun_stat_add(VMRUN_STAT_VCPUS, -1);
}

static bool vmrun_vcpu_id_taken(struct vmrun_vm *vm, u32 id)
{
	struct vmrun_vcpu *vcpu;
	unsigned long i;

	lockdep_assert_held(&vm->lock);
	xa_for_each(&vm->vcpus, i, vcpu)
		if (vcpu->id == id)
			return true;
	return false;
}

/* KVM_CREATE_VCPU: returns the new vCPU's fd. Errnos follow KVM 6.1. */
int vmrun_vcpu_create(struct vmrun_vm *vm, unsigned long id)
{
	const struct vmrun_backend_ops *ops = vm->ops;
	struct vmrun_vcpu *vcpu;
	struct file *file;
	char name[32];
	int fd, r;

	if (id >= VMRUN_MAX_VCPU_IDS)
		return -EINVAL;

	vcpu = vmrun_vcpu_alloc(vm, id);
	if (!vcpu)
		return -ENOMEM;

	mutex_lock(&vm->lock);
	if (vm->nr_vcpus >= VMRUN_MAX_VCPUS) {
		r = -EINVAL;
		goto free_core;
	}
	if (vmrun_vcpu_id_taken(vm, id)) {
		r = -EEXIST;
		goto free_core;
	}
	vcpu->idx = vm->nr_vcpus;

	/* A failing vcpu_init undoes its own work: no vcpu_destroy follows. */
	r = ops->vcpu_init ? ops->vcpu_init(vcpu) : 0;
	if (r)
		goto free_core;

#ifdef CONFIG_X86
	r = vmrun_irqchip_vcpu_create(vcpu);
	if (r)
		goto destroy;
#endif
	r = xa_insert(&vm->vcpus, vcpu->idx, vcpu, GFP_KERNEL_ACCOUNT);
	if (r)
		goto destroy;

	/*
	 * Reserve the fd and make the file before publishing either, so that
	 * nothing can fail once the file holds its VM reference.
	 */
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		r = fd;
		goto erase;
	}
	snprintf(name, sizeof(name), "vmrun-vcpu:%u", vcpu->id);
	file = anon_inode_getfile(name, &vmrun_vcpu_fops, vcpu, O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		r = PTR_ERR(file);
		goto erase;
	}
	kref_get(&vm->ref);	/* the file's, dropped by its release */
	vm->nr_vcpus++;
	vmrun_stat_add(VMRUN_STAT_VCPUS, 1);
	mutex_unlock(&vm->lock);
	fd_install(fd, file);
	return fd;

erase:
	xa_erase(&vm->vcpus, vcpu->idx);
destroy:
#ifdef CONFIG_X86
	vmrun_irqchip_vcpu_free(vcpu);
#endif
	if (ops->vcpu_destroy)
		ops->vcpu_destroy(vcpu);
free_core:
	mutex_unlock(&vm->lock);
	vmrun_vcpu_free_core(vcpu);
	return r;
}
