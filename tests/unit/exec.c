// SPDX-License-Identifier: GPL-2.0-only
#include "unit.h"
void test_exec(void) {}
