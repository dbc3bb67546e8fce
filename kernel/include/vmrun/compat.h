/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every difference between the kernels vmrun supports (Debian bookworm's
 * 6.1 and bookworm-backports' 6.12) is bridged here and nowhere else. The
 * VMRUN_HAVE_* macros come from probes of the kernel headers in Kbuild:
 * what the headers offer decides, not a version number.
 */
#ifndef VMRUN_COMPAT_H
#define VMRUN_COMPAT_H

#ifdef __ASSEMBLY__
#include <asm/nospec-branch.h>
/*
 * Return-predictor untraining after a VM exit (retbleed, SRSO), where the
 * host's mitigations ask for it. 6.12 has a variant for VM exits (its IBPB
 * follows X86_FEATURE_IBPB_ON_VMEXIT); 6.1 uses the entry one, as its KVM.
 */
#ifdef UNTRAIN_RET_VM
#define VMRUN_UNTRAIN_RET_VM	UNTRAIN_RET_VM
#else
#define VMRUN_UNTRAIN_RET_VM	UNTRAIN_RET
#endif
#else /* !__ASSEMBLY__ */

#include <linux/compiler.h>
#include <linux/kvm.h>

/*
 * kvm_run.immediate_exit: user space may write it at any moment, so 6.10
 * renamed it for kernel code to make every reader think twice. Read it
 * once per KVM_RUN.
 */
#ifdef VMRUN_HAVE_IMMEDIATE_EXIT_UNSAFE
#define vmrun_immediate_exit(run)	READ_ONCE((run)->immediate_exit__unsafe)
#else
#define vmrun_immediate_exit(run)	READ_ONCE((run)->immediate_exit)
#endif

/*
 * An interrupt to @cpu, to make a vCPU running there leave the guest; any
 * context. x86 exports the reschedule IPI (smp_ops) to modules on both
 * kernels; 6.12 wraps it in a tracepoint it also exports. arm64 does not
 * export one, and its backend runs no guests yet: there a kick only wakes
 * a halted vCPU, until the arm64 backend brings its own.
 */
#ifdef CONFIG_X86
#include <linux/smp.h>
#ifdef VMRUN_HAVE_TRACE_IPI_SEND_CPU
#include <trace/events/ipi.h>
#endif
#define vmrun_send_kick_ipi(cpu)	smp_send_reschedule(cpu)
#else
#define vmrun_send_kick_ipi(cpu)	((void)(cpu))
#endif

/*
 * ---- kernel/irq (eventfd.c) ----
 * eventfd_signal() dropped its count argument in 6.8: every caller added
 * one. Kbuild's probe of include/linux/eventfd.h for the one-argument
 * form defines VMRUN_HAVE_EVENTFD_SIGNAL_CTX_ONLY.
 */
#ifdef VMRUN_HAVE_EVENTFD_SIGNAL_CTX_ONLY
#define vmrun_eventfd_signal(ctx)	eventfd_signal(ctx)
#else
#define vmrun_eventfd_signal(ctx)	eventfd_signal((ctx), 1)
#endif

#endif /* __ASSEMBLY__ */
#endif /* VMRUN_COMPAT_H */
