/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest's x87/SSE/XSAVE state and XCR0, for both x86 backends
 * (xstate.c). Callers hold vcpu->mutex, with the state swapped out.
 */
#ifndef VMRUN_X86_XSTATE_H
#define VMRUN_X86_XSTATE_H

#include <linux/compiler_types.h>
#include <linux/types.h>
#include <asm/fpu/api.h>

u64 vmrun_x86_supported_xcr0(const struct fpu_guest *fpu);
bool vmrun_x86_xcr0_valid(const struct fpu_guest *fpu, u64 xcr0);
long vmrun_x86_get_fpu(struct fpu_guest *fpu, void __user *argp);
long vmrun_x86_set_fpu(struct fpu_guest *fpu, void __user *argp);
long vmrun_x86_get_xsave(struct fpu_guest *fpu, void __user *argp);
long vmrun_x86_set_xsave(struct fpu_guest *fpu, void __user *argp);
long vmrun_x86_get_xcrs(u64 xcr0, void __user *argp);
long vmrun_x86_set_xcrs(const struct fpu_guest *fpu, u64 *xcr0,
			void __user *argp);

#endif /* VMRUN_X86_XSTATE_H */
