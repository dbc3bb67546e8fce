// SPDX-License-Identifier: GPL-2.0
#define FAKE_BACKEND "arm64"
#include "fake_backend.h"
