/* SPDX-License-Identifier: GPL-2.0-only */
/* Host stand-in for <linux/string.h>. */
#ifndef VMRUN_SHIM_LINUX_STRING_H
#define VMRUN_SHIM_LINUX_STRING_H

#include <string.h>

#endif
