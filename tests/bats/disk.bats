#!/usr/bin/env bats
# Tests of vmrun's [disk] (Documentation/disk.md): every configuration
# error of the section (exact message, status 2), what --check prints, the
# ATA disk model driven through its ports without a hypervisor
# (runner/disk-model.c), and, where /dev/kvm can run a guest, SeaBIOS
# booting a SYSLINUX disk image (runner/mkdisk.sh). The nested boot on the
# AMD-V testbed is tests/bats/runner/disk-boot.sh (minutes; by hand).
#
#   bats tests/bats/disk.bats          (builds ./vmrun if it is missing)
#   VMRUN=/path/to/vmrun bats ...      test another binary

bats_require_minimum_version 1.5.0

setup_file() {
	export REPO=${REPO:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	export VMRUN=${VMRUN:-$REPO/vmrun}
	export FIX=$BATS_TEST_DIRNAME/runner
	if [ ! -x "$VMRUN" ]; then
		make -s -C "$REPO/user" >&2
	fi
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	head -c 4096 /dev/zero >fw.bin		# a firmware image to satisfy [firmware]
	truncate -s 1M d.img
}

vm() {
	run --separate-stderr timeout --preserve-status -s KILL 20 "$VMRUN" "$@"
}

# config_error TEXT MESSAGE: c.ini holding TEXT (printf format, after a
# [firmware] section on lines 1-2) makes vmrun print exactly "vmrun:
# MESSAGE" and exit 2, with --check and when run.
config_error() {
	printf "[firmware]\npath = fw.bin\n$1" >c.ini
	for mode in --check run; do
		if [ $mode = run ]; then vm c.ini; else vm --check c.ini; fi
		if [ "$status" -ne 2 ] || [ "$stderr" != "vmrun: $2" ] || [ -n "$output" ]; then
			echo "mode: $mode" >&2
			echo "status: $status (expected 2)" >&2
			echo "stderr: $stderr" >&2
			echo "expected: vmrun: $2" >&2
			echo "stdout: $output" >&2
			return 1
		fi
	done
}

# --- configuration ---------------------------------------------------------

@test "disk: --check prints the [disk] section, readonly = no by default" {
	printf '[firmware]\npath = fw.bin\n[disk]\npath = d.img\n' >c.ini
	vm --check c.ini
	[ "$status" -eq 0 ]
	[[ "$output" == *$'\n[disk]\npath = d.img\nreadonly = no\n'* ]]
}

@test "disk: readonly = yes, and a path relative to the configuration's directory" {
	mkdir sub
	mv d.img sub/
	printf '[firmware]\npath = ../fw.bin\n[disk]\nreadonly = yes\npath = d.img\n' >sub/c.ini
	vm --check sub/c.ini
	[ "$status" -eq 0 ]
	[[ "$output" == *$'\n[disk]\npath = sub/d.img\nreadonly = yes\n'* ]]
}

@test "disk: with a direct kernel boot too" {
	"$FIX/fake-bzimage.sh" k.bin 2>/dev/null || skip "fake-bzimage.sh cannot make a kernel here"
	printf '[kernel]\npath = k.bin\n[disk]\npath = d.img\n' >c.ini
	vm --check c.ini
	[ "$status" -eq 0 ]
	[[ "$output" == *$'\n[disk]\npath = d.img\n'* ]]
}

@test "disk: section without a path" {
	config_error '[disk]\n' "c.ini:3: [disk] path: missing: the disk image"
}

@test "disk: readonly without a path" {
	config_error '[disk]\n\nreadonly = yes\n' "c.ini:5: [disk] readonly: needs a [disk] path"
}

@test "disk: readonly is yes or no" {
	config_error '[disk]\npath = d.img\nreadonly = maybe\n' \
		"c.ini:5: [disk] readonly: 'maybe' is not one of yes, no"
	config_error '[disk]\npath = d.img\nreadonly = Yes\n' \
		"c.ini:5: [disk] readonly: 'Yes' is not one of yes, no"
}

@test "disk: unknown and repeated keys, repeated section" {
	config_error '[disk]\nsize = 1G\n' "c.ini:4: [disk] size: unknown key"
	config_error '[disk]\npath = d.img\npath = d.img\n' \
		"c.ini:5: [disk] path: key repeated (first at line 4)"
	config_error '[disk]\npath = d.img\n[disk]\n' \
		"c.ini:5: [disk]: section repeated (first at line 3)"
}

@test "disk: empty path" {
	config_error '[disk]\npath =\n' "c.ini:4: [disk] path: empty path"
}

@test "disk: missing image" {
	config_error '[disk]\npath = nosuch.img\n' \
		"c.ini:4: [disk] path: cannot open 'nosuch.img': No such file or directory"
}

@test "disk: a directory" {
	mkdir dir.img
	config_error '[disk]\npath = dir.img\n' \
		"c.ini:4: [disk] path: cannot open 'dir.img': Is a directory"
	config_error '[disk]\npath = dir.img\nreadonly = yes\n' \
		"c.ini:4: [disk] path: 'dir.img' is not a regular file"
}

@test "disk: a device node" {
	config_error '[disk]\npath = /dev/null\n' \
		"c.ini:4: [disk] path: '/dev/null' is not a regular file"
}

@test "disk: an empty image" {
	: >e.img
	config_error '[disk]\npath = e.img\n' "c.ini:4: [disk] path: 'e.img' is empty"
}

@test "disk: not a whole number of sectors" {
	head -c 1000 /dev/zero >odd.img
	config_error '[disk]\npath = odd.img\n' \
		"c.ini:4: [disk] path: 'odd.img' is 1000 bytes, not a whole number of 512-byte sectors"
}

@test "disk: an image that cannot be written needs readonly = yes" {
	[ "$(id -u)" -ne 0 ] || skip "root writes any file"
	chmod 0444 d.img
	config_error '[disk]\npath = d.img\n' \
		"c.ini:4: [disk] path: cannot open 'd.img' for writing: Permission denied (or set readonly = yes)"
	printf '[firmware]\npath = fw.bin\n[disk]\npath = d.img\nreadonly = yes\n' >c.ini
	vm --check c.ini
	[ "$status" -eq 0 ]
}

@test "disk: an image in use by another process" {
	command -v flock >/dev/null || skip "no flock(1)"
	flock -s d.img sleep 30 &
	pid=$!
	sleep 0.3
	config_error '[disk]\npath = d.img\n' \
		"c.ini:4: [disk] path: 'd.img' is in use by another process (locked)"
	# Two readers may share it.
	printf '[firmware]\npath = fw.bin\n[disk]\npath = d.img\nreadonly = yes\n' >c.ini
	vm --check c.ini
	kill "$pid"
	[ "$status" -eq 0 ]
}

@test "disk: the test-exit port cannot be the disk controller's" {
	config_error '[test-exit]\nport = 0x1f7\n' \
		"c.ini:4: [test-exit] port: port 0x1f7 is used by the disk controller"
	config_error '[test-exit]\nport = 0x3f6\n' \
		"c.ini:4: [test-exit] port: port 0x3f6 is used by the disk controller"
}

# --- the device model --------------------------------------------------------

@test "disk: the ATA model, through its ports (runner/disk-model.c)" {
	cc -std=gnu11 -O1 -Wall -Wextra -Werror -Wno-unused-parameter -pthread \
		-D_GNU_SOURCE -I"$REPO/user/runner" -I"$REPO/user/devices" \
		-o disk-model "$FIX/disk-model.c" "$REPO/user/runner/util.c"
	run ./disk-model
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *"not ok"* ]]
	[[ "$output" == *$'\n1..'* ]]
}

# --- a guest, where /dev/kvm runs one ------------------------------------------

require_kvm() {
	[ -e /dev/kvm ] || skip "no /dev/kvm"
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || skip "/dev/kvm not accessible"
	grep -qwE 'vmx|svm' /proc/cpuinfo || skip "no VMX/SVM here"
	[ -r /usr/share/seabios/bios.bin ] || skip "no SeaBIOS (apt-get install seabios)"
}

@test "disk: SeaBIOS boots a SYSLINUX disk image, the kernel starts" {
	require_kvm
	kernel=$(ls /boot/vmlinuz-* 2>/dev/null | head -n 1)
	[ -n "$kernel" ] || skip "no kernel in /boot"
	command -v syslinux >/dev/null && command -v mcopy >/dev/null &&
		command -v mkfs.fat >/dev/null || skip "needs syslinux, mtools, dosfstools"
	echo x | gzip >initrd.gz
	"$FIX/mkdisk.sh" boot.img "$kernel" initrd.gz "console=ttyS0 panic=-1 vmrun_disk_bats"
	printf '[vm]\nmemory = 512M\n[firmware]\npath = /usr/share/seabios/bios.bin\n[disk]\npath = boot.img\n[device]\npath = /dev/kvm\n' >c.ini
	"$VMRUN" c.ini >out.txt 2>err.txt &
	pid=$!
	for ((i = 0; i < 1800; i++)); do
		grep -qF "vmrun_disk_bats" out.txt && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" || true
	cat -v out.txt err.txt >&2
	grep -qF "Booting from Hard Disk..." out.txt
	grep -qF "SYSLINUX" out.txt
	grep -qF "Command line: BOOT_IMAGE=/vmlinuz console=ttyS0 panic=-1 vmrun_disk_bats" out.txt
}
