/* SPDX-License-Identifier: GPL-2.0-only */
/* Host stand-in for <linux/export.h>: exports become plain redeclarations. */
#ifndef VMRUN_SHIM_LINUX_EXPORT_H
#define VMRUN_SHIM_LINUX_EXPORT_H

#define EXPORT_SYMBOL(sym)	extern __typeof__(sym) sym
#define EXPORT_SYMBOL_GPL(sym)	extern __typeof__(sym) sym

#endif
