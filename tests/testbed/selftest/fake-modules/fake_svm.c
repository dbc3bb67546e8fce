// SPDX-License-Identifier: GPL-2.0
#define FAKE_BACKEND "svm"
#include "fake_backend.h"
