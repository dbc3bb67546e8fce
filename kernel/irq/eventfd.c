// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_IRQFD and KVM_IOEVENTFD.
 */
#include <vmrun/core.h>

#include "irqchip.h"
#include "irq.h"
