/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every difference between the kernels vmrun supports (Debian bookworm's
 * 6.1 and bookworm-backports' 6.12) is bridged here and nowhere else. The
 * VMRUN_HAVE_* macros come from probes of the kernel headers in Kbuild:
 * what the headers offer decides, not a version number.
 */
#ifndef VMRUN_COMPAT_H
#define VMRUN_COMPAT_H

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

#endif /* VMRUN_COMPAT_H */
