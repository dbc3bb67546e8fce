#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Records the CPUID of the two testbed hosts for cpuidhost.c: boots the
# cpuid-dump.S boot sector from a floppy under
#
#   qemu    QEMU TCG, -cpu EPYC,+svm,+npt  (tests/testbed/run, target svm)
#   bochs   Bochs, cpu model corei7_skylake_x  (target vmx)
#
# and prints its dump as the R() rows cpuidhost.c holds, leaving out the
# subleaves past 0 that are all zeros (the test host answers zeros for
# what it lacks anyway).
#
#   tests/unit/cpuid-record.sh qemu|bochs
#
# Not part of the build: the recordings in cpuidhost.c are what it printed
# with QEMU 7.2 and Bochs 2.7 (Debian 12), plus the adjustments noted
# there. It needs as, ld, and the emulator with its BIOS.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
which=${1:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

as --32 -o "$work/dump.o" "$here/cpuid-dump.S"
ld -m elf_i386 -Ttext 0x7c00 --oformat binary -o "$work/dump.bin" "$work/dump.o"
dd if=/dev/zero of="$work/floppy.img" bs=512 count=2880 status=none
dd if="$work/dump.bin" of="$work/floppy.img" conv=notrunc status=none
out=$work/dump.txt

case $which in
qemu)
	# The dump ends by writing to isa-debug-exit, which stops QEMU.
	timeout 120 qemu-system-x86_64 -accel tcg -M q35 -cpu EPYC,+svm,+npt \
		-m 64 -smp 1 -nodefaults -display none -no-reboot \
		-drive file="$work/floppy.img",format=raw,if=floppy -boot a \
		-device isa-debug-exit,iobase=0xf4 -serial file:"$out" || true
	;;
bochs)
	cat >"$work/bochsrc" <<-RC
		megs: 32
		cpu: model=corei7_skylake_x, count=1, ips=200000000, reset_on_triple_fault=0
		romimage: file=/usr/share/bochs/BIOS-bochs-latest
		vgaromimage: file=/usr/share/vgabios/vgabios.bin
		display_library: rfb, options="timeout=0"
		speaker: enabled=0
		sound: driver=dummy
		clock: sync=none, time0=utc
		pci: enabled=1, chipset=i440fx
		floppya: 1_44=$work/floppy.img, status=inserted
		boot: floppy
		com1: enabled=1, mode=file, dev=$out
		log: $work/bochs.log
		panic: action=fatal
	RC
	echo c >"$work/bochs.rc"
	# Bochs does not stop by itself: wait for the end of the dump.
	bochs -q -f "$work/bochsrc" -rc "$work/bochs.rc" >"$work/bochs.out" 2>&1 &
	pid=$!
	for _ in $(seq 120); do
		grep -qs END "$out" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 1
	done
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	;;
*)
	echo "usage: $0 qemu|bochs" >&2
	exit 2
	;;
esac

grep -qs END "$out" || { echo "no complete dump in $out" >&2; exit 1; }
tr -d '\000' <"$out" | while read -r leaf sub a b c d; do
	[ "$leaf" = END ] && break
	if [ "$sub" != 00000000 ] && [ "$a$b$c$d" = "$(printf '0%.0s' {1..32})" ]; then
		continue
	fi
	printf '\tR(0x%s, %d, 0x%s, 0x%s, 0x%s, 0x%s),\n' \
		"$leaf" $((16#$sub)) "$a" "$b" "$c" "$d"
done
