# SPDX-License-Identifier: GPL-2.0-only
# vmrun: kernel modules, the runner, the tests.
#
#   make                    modules for the installed kernel headers + ./vmrun
#   make ARCH=arm64         arm64 modules, cross-built against Debian's arm64 headers
#   make KDIR=/path/to/hdrs modules for other headers
#   make tests              the test binaries, for x86_64 and arm64
#   make run                build, then boot the AMD-V testbed with vmrun loaded
#                           and run the tests there (tests/testbed/run svm)
#   make check              everything the CI runs (see tests/check)
#   make bench              exit, interrupt, start/footprint/boot figures, vmrun-svm vs kvm-amd and QEMU (tests/bench/run)
#
# Each (architecture, kernel) pair builds in its own folder,
# build/<arch>-<kernel release>/, which holds links to the sources: builds
# for 6.1, 6.12 and arm64 never share an object file.

VERSION := 0.1.0
VMRUN_CACHE ?= /var/cache/vmrun

HOST_ARCH := $(shell uname -m)
ifeq ($(ARCH),arm64)
  KARCH := arm64
  ifneq ($(HOST_ARCH),aarch64)
    CROSS_COMPILE ?= aarch64-linux-gnu-
  endif
  # Debian's arm64 headers, unpacked by scripts/install-deps.sh
  KDIR ?= $(lastword $(sort $(wildcard $(VMRUN_CACHE)/arm64/root/usr/src/linux-headers-6.1.*-arm64)))
else
  KARCH := $(HOST_ARCH)
  # The running kernel's headers if it has them; else those of the testbeds'
  # kernel, Debian's 6.1 (this is what a build machine without modules has).
  KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
	    $(lastword $(sort $(wildcard /usr/src/linux-headers-6.1.0-*-$(if $(filter aarch64,$(HOST_ARCH)),arm64,amd64)))))
endif

KVER = $(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
BUILDDIR ?= build/$(KARCH)-$(KVER)
KBUILD_ARGS := $(if $(filter arm64,$(ARCH)),ARCH=arm64 CROSS_COMPILE=$(CROSS_COMPILE))

KSOURCES := Kbuild $(shell find kernel -name '*.[chS]' 2>/dev/null)

.PHONY: all modules runner tests run check bench clean help

all: modules $(if $(filter arm64,$(ARCH)),,runner)

help:
	@sed -n '2,15p' Makefile | sed 's/^# \{0,1\}//'

modules:
	@test -n "$(KDIR)" && test -d "$(KDIR)" || \
	  { echo "vmrun: no kernel headers found (set KDIR=, or run scripts/install-deps.sh)" >&2; exit 1; }
	@mkdir -p $(BUILDDIR)
	@find $(BUILDDIR) -type l -delete
	@for f in $(KSOURCES); do \
	  mkdir -p $(BUILDDIR)/$$(dirname $$f); \
	  ln -sf $(CURDIR)/$$f $(BUILDDIR)/$$f; \
	done
	$(MAKE) -C $(KDIR) M=$(abspath $(BUILDDIR)) $(KBUILD_ARGS) modules

runner:
	$(MAKE) -C user

tests:
	$(MAKE) -C tests/abi TARGET=x86_64 OUT=$(CURDIR)/build/tests/x86_64
	$(MAKE) -C tests/abi TARGET=arm64 OUT=$(CURDIR)/build/tests/arm64
	$(MAKE) -C tests/guest TARGET=x86_64 OUT=$(CURDIR)/build/tests/x86_64

run: modules runner tests
	tests/testbed/run svm

check:
	tests/check

bench:
	tests/bench/run

clean:
	rm -rf build vmrun
	-$(MAKE) -C user clean
