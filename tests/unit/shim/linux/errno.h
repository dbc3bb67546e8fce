/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host stand-in for <linux/errno.h>: the uapi errno values, which are the
 * kernel's (EINVAL, ENODATA, EOPNOTSUPP...). The C library's <errno.h>
 * includes this file too, so it must give what the real one gives.
 */
#ifndef VMRUN_SHIM_LINUX_ERRNO_H
#define VMRUN_SHIM_LINUX_ERRNO_H

#include <asm/errno.h>

#endif
