// SPDX-License-Identifier: GPL-2.0
#define FAKE_BACKEND "vmx"
#include "fake_backend.h"
