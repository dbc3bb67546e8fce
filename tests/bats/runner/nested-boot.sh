#!/usr/bin/env bash
# Usage: tests/bats/runner/nested-boot.sh [--vmrun] [TESTBED-RUN-OPTIONS...]
#
# Boots Debian's kernel with the vmrun runner inside the AMD-V testbed
# (tests/testbed/run svm: QEMU TCG with SVM), on the testbed's stock KVM,
# or on vmrun's modules with --vmrun. Too slow for the bats suite (minutes);
# run it by hand. Three runs of a nested guest whose /init reports the
# CPUs and memory it sees, then reboots or powers off:
#   direct boot, 2 CPUs, 256M, reboot       -> "guest reset (PCI reset control)"
#   direct boot, 1 CPU, 3584M (RAM above 4 GiB), poweroff -> "guest powered off"
#   SeaBIOS boots the kernel, 2 CPUs, reboot -> "guest reset (i8042 pulse reset)"
# Each passes when vmrun exits 0; the console log is in $OUT/runner-nested.log.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../../.." && pwd)
OUT=${TESTBED_OUT:-$REPO/build/runner-nested}
mode=--kvm dev=/dev/kvm
if [ "${1:-}" = --vmrun ]; then
	mode="" dev=/dev/vmrun
	shift
fi
kernel=$(ls /boot/vmlinuz-6.1.* 2>/dev/null | sort -V | tail -n 1)
[ -n "$kernel" ] || { echo "nested-boot: no Debian 6.1 kernel in /boot" >&2; exit 2; }

work=$OUT/work
rm -rf "$work"
mkdir -p "$work/extra" "$work/l2/bin"

# A static runner: the testbed's initramfs has no C library.
make -s -C "$REPO/user" BIN="$work/extra/vmrun" OBJDIR="$work/obj" LDFLAGS=-static

# The nested guest's initramfs: busybox and an /init that reports and ends.
cp /bin/busybox "$work/l2/bin/busybox"
cat >"$work/l2/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc 2>/dev/null || { /bin/busybox mkdir /proc; /bin/busybox mount -t proc proc /proc; }
echo "L2: up: $(/bin/busybox grep -c ^processor /proc/cpuinfo) CPUs, $(/bin/busybox grep MemTotal /proc/meminfo)"
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

conf() { # NAME MEMORY CPUS CMDLINE-EXTRA [firmware]
	{
		printf '[vm]\nmemory = %s\ncpus = %s\n' "$2" "$3"
		[ -z "${5:-}" ] || printf '[firmware]\npath = bios.bin\n'
		# noxsave: QEMU's TCG does not seem to give the L1 hypervisor
		# the L2 guest's XSETBV exit, so the L2 kernel's XCR0 never
		# reaches CPUID's XSAVE sizes and it WARNs ("XSAVE consistency
		# problem") on stock KVM and on vmrun alike.
		printf '[kernel]\npath = vmlinuz\ninitrd = initrd.gz\ncmdline = console=ttyS0 panic=-1 noxsave%s\n' "$4"
		printf '[device]\npath = %s\n' "$dev"
	} >"$work/extra/$1.ini"
}
conf direct-reboot 256M 2 ""
conf direct-poweroff 3584M 1 " l2poweroff"
conf seabios-reboot 512M 2 "" firmware

cat >"$work/plan" <<'PLAN'
for t in direct-reboot direct-poweroff seabios-reboot; do
	tb_run_test "runner-$t" 500 /testbed/extra/vmrun "/testbed/extra/$t.ini"
done
PLAN

TESTBED_OUT=$OUT exec "$REPO/tests/testbed/run" svm $mode --plan "$work/plan" \
	--extra "$work/extra:/testbed/extra" --name runner-nested \
	--timeout 1500 --test-timeout 500 "$@"
