#!/usr/bin/env bash
# Usage: tests/bats/runner/nested-boot.sh [--vmrun] [--timer|--vmx] [TESTBED-RUN-OPTIONS...]
#
# Boots Debian's kernel with the vmrun runner inside the AMD-V testbed
# (tests/testbed/run svm: QEMU TCG with SVM), on the testbed's stock KVM,
# or on vmrun's modules with --vmrun. Too slow for the bats suite (minutes);
# run it by hand. Each boot runs the runner under l2watch (l2watch.c, static,
# in the L1), which passes the console through and judges what the nested
# guest's /init reported (its online CPU list and /proc/cpuinfo count), then
# the guest reboots or powers off.
#
# Default: five boots; each passes when the runner exits with the status
# given, says why it ended (the line given) and the L2 saw exactly the
# configured number of CPUs online:
#   direct boot, 1 CPU, 3584M (RAM above 4 GiB), poweroff -> 0, "guest powered off"
#   direct boot, 2 CPUs, 256M, reboot       -> 0, "guest reset (PCI reset control)"
#   direct boot, 4 CPUs, 256M, reboot       -> 0, "guest reset (PCI reset control)"
#   SeaBIOS boots the kernel, 2 CPUs, reboot -> 0, "guest reset (i8042 pulse reset)"
#   direct boot, 1 CPU, 256M, the L2 writes 42 to the test-exit port (l2exit.c)
#                                           -> 42, "to the test-exit port 0xf4"
#
# tests/check runs this with --smp 1 on vmrun-svm and on stock kvm-amd (see
# tests/testbed/README.md: QEMU 7.2's TCG re-delivers an injected interrupt
# as an exception when its round-robin kick finds the L2 running, which
# stock kvm-amd's L2 kernel does not survive).
#
# --timer: one boot under QEMU -icount (the testbed's --icount: shift=0,
# sleep=off, and -smp 1): direct boot, 1 CPU, 256M; the L2 runs l2sleep
# (l2sleep.c: "L2: sleep-begin", a 1 s clock_nanosleep, "L2: sleep-end")
# and l2watch times the two markers with CLOCK_MONOTONIC in the L1. Passes
# when |elapsed - 1 s| <= 1 %, the runner exits 0 and the L2 saw its 1 CPU.
# The L2 kernel finds its TSC unusable under TCG and keeps time with
# jiffies/acpi_pm: that is part of what is measured.
#
# --vmx: the VT-x testbed instead (tests/testbed/run vmx: Bochs), on stock
# kvm-intel or, with --vmrun, on vmrun-vmx; one boot, Bochs being slow
# (some 15 wall seconds per L1 second): direct boot, 1 CPU, 256M, poweroff.
#
# The console log is in $OUT/runner-nested.log (--timer: runner-nested-timer.log);
# each boot ends with "l2watch: ..." lines (every check, and the measured
# sleep), and the testbed counts a boot whose l2watch exits non-zero as failed.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../../.." && pwd)
HERE=$REPO/tests/bats/runner
OUT=${TESTBED_OUT:-$REPO/build/runner-nested}
mode=--kvm dev=/dev/kvm timer=0 target=svm
while [ $# -gt 0 ]; do
	case $1 in
	--vmrun) mode="" dev=/dev/vmrun ;;
	--timer) timer=1 ;;
	--vmx) target=vmx ;;
	*) break ;;
	esac
	shift
done
kernel=$(ls /boot/vmlinuz-6.1.* 2>/dev/null | sort -V | tail -n 1)
[ -n "$kernel" ] || { echo "nested-boot: no Debian 6.1 kernel in /boot" >&2; exit 2; }

name=runner-nested
[ "$timer" = 0 ] || name=runner-nested-timer
[ "$target" = svm ] || name=runner-nested-$target
work=$OUT/work-$name
rm -rf "$work"
mkdir -p "$work/extra" "$work/l2/bin"

# A static runner and static helpers: the testbed's initramfs has no C library.
make -s -C "$REPO/user" BIN="$work/extra/vmrun" OBJDIR="$work/obj" LDFLAGS=-static
cc -static -O2 -Wall -Wextra -Werror -o "$work/extra/l2watch" "$HERE/l2watch.c"
cc -static -O2 -Wall -Wextra -Werror -o "$work/l2/bin/l2sleep" "$HERE/l2sleep.c"
cc -static -O2 -Wall -Wextra -Werror -o "$work/l2/bin/l2exit" "$HERE/l2exit.c"

# The nested guest's initramfs: busybox and an /init that reports and ends.
cp /bin/busybox "$work/l2/bin/busybox"
cat >"$work/l2/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
echo "L2: up: online=$(/bin/busybox cat /sys/devices/system/cpu/online) cpuinfo=$(/bin/busybox grep -c ^processor /proc/cpuinfo) $(/bin/busybox grep MemTotal /proc/meminfo)"
echo "L2: clocksource $(/bin/busybox cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
if /bin/busybox grep -q l2sleep /proc/cmdline; then
	/bin/l2sleep 1000
fi
status=$(/bin/busybox sed -n 's/.*l2exit=\([0-9]*\).*/\1/p' /proc/cmdline)
if [ -n "$status" ]; then
	echo "L2: test-exit $status"
	/bin/l2exit "$status"
fi
if /bin/busybox grep -q l2poweroff /proc/cmdline; then
	echo "L2: powering off"
	/bin/busybox poweroff -f
fi
echo "L2: rebooting"
/bin/busybox reboot -f
INIT
chmod +x "$work/l2/init"
(cd "$work/l2" && find . | cpio -o -H newc -R 0:0 --quiet | gzip -9) >"$work/extra/initrd.gz"
cp "$kernel" "$work/extra/vmlinuz"
cp /usr/share/seabios/bios.bin "$work/extra/bios.bin"

: >"$work/plan"
boot() { # NAME MEMORY CPUS CMDLINE-EXTRA [firmware] [-- L2WATCH-OPTIONS...]
	local t=$1 memory=$2 cpus=$3 extra=$4 fw=""
	shift 4
	if [ "${1:-}" = firmware ]; then
		fw=1
		shift
	fi
	[ "${1:-}" != -- ] || shift
	{
		printf '[vm]\nmemory = %s\ncpus = %s\n' "$memory" "$cpus"
		[ -z "$fw" ] || printf '[firmware]\npath = bios.bin\n'
		# noxsave: QEMU's TCG does not seem to give the L1 hypervisor
		# the L2 guest's XSETBV exit, so the L2 kernel's XCR0 never
		# reaches CPUID's XSAVE sizes and it WARNs ("XSAVE consistency
		# problem") on stock KVM and on vmrun alike.
		printf '[kernel]\npath = vmlinuz\ninitrd = initrd.gz\ncmdline = console=ttyS0 panic=-1 noxsave%s\n' "$extra"
		printf '[device]\npath = %s\n' "$dev"
	} >"$work/extra/$t.ini"
	# l2watch judges against the number of CPUs this very config gives;
	# %q keeps an --expect text one word for the guest's shell.
	printf 'tb_run_test runner-%s 500 /testbed/extra/l2watch --cpus %s' "$t" "$cpus" >>"$work/plan"
	[ $# -eq 0 ] || printf ' %q' "$@" >>"$work/plan"
	printf ' -- /testbed/extra/vmrun /testbed/extra/%s.ini\n' "$t" >>"$work/plan"
}
if [ "$target" = vmx ]; then
	boot direct-1cpu-poweroff 256M 1 " l2poweroff" -- --expect "vmrun: guest powered off"
	set -- --mem 1024 --timeout 5400 --silence 1800 "$@"
elif [ "$timer" = 0 ]; then
	boot direct-1cpu-poweroff 3584M 1 " l2poweroff" -- --expect "vmrun: guest powered off"
	boot direct-2cpu-reboot 256M 2 "" -- --expect "vmrun: guest reset (PCI reset control)"
	boot direct-4cpu-reboot 256M 4 "" -- --expect "vmrun: guest reset (PCI reset control)"
	boot seabios-2cpu-reboot 512M 2 "" firmware -- --expect "vmrun: guest reset (i8042 pulse reset)"
	boot direct-1cpu-test-exit 256M 1 " l2exit=42" -- --status 42 \
		--expect "vmrun: guest wrote 0x2a to the test-exit port 0xf4"
	set -- --timeout 2100 "$@"
else
	boot direct-1cpu-sleep 256M 1 " l2sleep" -- --sleep-ms 1000 --tolerance-pct 1
	set -- --icount --timeout 900 "$@"
fi

TESTBED_OUT=$OUT exec "$REPO/tests/testbed/run" "$target" $mode --plan "$work/plan" \
	--extra "$work/extra:/testbed/extra" --name "$name" \
	--test-timeout 500 "$@"
