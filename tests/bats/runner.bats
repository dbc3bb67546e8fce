#!/usr/bin/env bats
# Tests of the vmrun runner (user/): the command line, every configuration
# error (exact message, status 2), runtime failures (status 1) and, where
# /dev/kvm can run a guest, tiny hand-assembled real-mode guests
# (tests/bats/runner/*.hex) that exercise the vCPU loop and the devices.
#
#   bats tests/bats/runner.bats          (builds ./vmrun if it is missing)
#   VMRUN=/path/to/vmrun bats ...        test another binary
#
# Booting a real Linux guest needs VMX/SVM; tests/bats/runner/nested-boot.sh
# does that inside the AMD-V testbed (minutes, so not part of this suite).

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
}

# vm ARGS...: run vmrun with a time limit; stdout in $output, stderr in $stderr.
vm() {
	run --separate-stderr timeout --preserve-status -s KILL 20 "$VMRUN" "$@"
}

# conf TEXT: write TEXT (printf format) to c.ini
conf() {
	printf "$1" >c.ini
}

# config_error TEXT MESSAGE: c.ini holding TEXT must make vmrun print
# exactly "vmrun: MESSAGE" on stderr, nothing on stdout, and exit 2, both
# when asked to check it and when asked to run it.
config_error() {
	conf "$1"
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

fw() {	# a tiny valid firmware image
	head -c 4096 /dev/zero >fw.bin
}

# --- command line ------------------------------------------------------

@test "--help prints usage and every section, exit 0" {
	vm --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Usage: vmrun [OPTION]... CONFIG" ]]
	for s in vm kernel firmware serial device test-exit; do
		[[ "$output" == *"[$s]"* ]]
	done
	[ -z "$stderr" ]
	vm -h
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Usage: vmrun [OPTION]... CONFIG" ]]
}

@test "--version prints the version of the top-level Makefile" {
	want=$(sed -n 's/^VERSION := //p' "$REPO/Makefile")
	[ -n "$want" ]
	vm --version
	[ "$status" -eq 0 ]
	[ "$output" = "vmrun $want" ]
	vm -V
	[ "$output" = "vmrun $want" ]
}

@test "no configuration file: status 2" {
	vm
	[ "$status" -eq 2 ]
	[ "$stderr" = "vmrun: no configuration file given (try 'vmrun --help')" ]
}

@test "unknown option: status 2" {
	vm --frobnicate c.ini
	[ "$status" -eq 2 ]
	[ "$stderr" = "vmrun: unknown option '--frobnicate' (try 'vmrun --help')" ]
}

@test "two configuration files: status 2" {
	vm a.ini b.ini
	[ "$status" -eq 2 ]
	[ "$stderr" = "vmrun: more than one configuration file ('b.ini') (try 'vmrun --help')" ]
}

@test "-- ends the options" {
	vm -- --help
	[ "$status" -eq 2 ]
	[ "$stderr" = "vmrun: --help: cannot open: No such file or directory" ]
}

# --- the configuration file itself ---------------------------------------

@test "config: missing file" {
	vm nosuch.ini
	[ "$status" -eq 2 ]
	[ "$stderr" = "vmrun: nosuch.ini: cannot open: No such file or directory" ]
}

@test "config: a directory" {
	mkdir d.ini
	vm d.ini
	[ "$status" -eq 2 ]
	[ "$stderr" = "vmrun: d.ini: not a regular file" ]
}

@test "config: larger than 64 KiB" {
	head -c 65537 /dev/zero | tr '\0' '#' >c.ini
	vm c.ini
	[ "$status" -eq 2 ]
	[ "$stderr" = "vmrun: c.ini: larger than 65536 bytes" ]
}

@test "config: NUL byte" {
	config_error '[vm]\ncpus = 1\n\0\n' "c.ini:3: NUL byte: not a text file"
}

@test "config: line too long" {
	config_error "[vm]\n#$(head -c 4100 /dev/zero | tr '\0' x)\n" \
		"c.ini:2: line longer than 4096 characters"
}

@test "config: unknown section" {
	config_error '[vm]\ncpus = 1\n[vmm]\n' "c.ini:3: [vmm]: unknown section"
}

@test "config: repeated section" {
	config_error '[vm]\ncpus = 1\n\n[vm]\n' "c.ini:4: [vm]: section repeated (first at line 1)"
}

@test "config: malformed section header" {
	config_error '[vm\n' "c.ini:1: '[vm': a section header is '[name]' alone on its line"
	config_error '[vm] x\n' "c.ini:1: '[vm] x': a section header is '[name]' alone on its line"
}

@test "config: unknown key" {
	config_error '[vm]\nmemroy = 1G\n' "c.ini:2: [vm] memroy: unknown key"
	config_error '[kernel]\nmemory = 1G\n' "c.ini:2: [kernel] memory: unknown key"
}

@test "config: key outside of any section" {
	config_error '# comment\nmemory = 1G\n' "c.ini:2: memory: key outside of any section"
}

@test "config: line that is neither key nor section" {
	config_error '[vm]\nmemory 1G\n' "c.ini:2: 'memory 1G': expected 'key = value' or '[section]'"
}

@test "config: invalid key name" {
	config_error '[vm]\n = 1G\n' "c.ini:2: '': not a valid key name"
	config_error '[vm]\nmem ory = 1G\n' "c.ini:2: 'mem ory': not a valid key name"
}

@test "config: repeated key" {
	config_error '[vm]\ncpus = 1\ncpus = 2\n' "c.ini:3: [vm] cpus: key repeated (first at line 2)"
}

@test "config: empty file needs a kernel or a firmware" {
	config_error '' "c.ini:1: [kernel] path: missing: a [kernel] path or a [firmware] path is needed"
}

@test "config: neither kernel nor firmware" {
	config_error '[vm]\ncpus = 1\n# end\n' \
		"c.ini:3: [kernel] path: missing: a [kernel] path or a [firmware] path is needed"
	config_error '[vm]\ncpus = 1\n[kernel]\n\n' \
		"c.ini:3: [kernel] path: missing: a [kernel] path or a [firmware] path is needed"
}

# --- [vm] ----------------------------------------------------------------

@test "[vm] memory: not a size" {
	fw
	for v in abc 1T 2M3 -1M 1.5G 0x; do
		config_error "[firmware]\npath = fw.bin\n[vm]\nmemory = $v\n" \
			"c.ini:4: [vm] memory: '$v' is not a size: use a number with an optional K, M or G suffix"
	done
	config_error "[firmware]\npath = fw.bin\n[vm]\nmemory =\n" \
		"c.ini:4: [vm] memory: '' is not a size: use a number with an optional K, M or G suffix"
}

@test "[vm] memory: too small" {
	fw
	config_error '[firmware]\npath = fw.bin\n[vm]\nmemory = 0\n' \
		"c.ini:4: [vm] memory: 0 is less than the minimum, 1M"
	config_error '[firmware]\npath = fw.bin\n[vm]\nmemory = 1020K\n' \
		"c.ini:4: [vm] memory: 1020K is less than the minimum, 1M"
}

@test "[vm] memory: too large" {
	fw
	config_error '[firmware]\npath = fw.bin\n[vm]\nmemory = 513G\n' \
		"c.ini:4: [vm] memory: 513G is more than the maximum, 512G"
	config_error '[firmware]\npath = fw.bin\n[vm]\nmemory = 99999999999999999999\n' \
		"c.ini:4: [vm] memory: '99999999999999999999' is not a size: use a number with an optional K, M or G suffix"
	config_error '[firmware]\npath = fw.bin\n[vm]\nmemory = 18014398509481984K\n' \
		"c.ini:4: [vm] memory: 18014398509481984K is more than the maximum, 512G"
}

@test "[vm] memory: not a multiple of the page size" {
	fw
	config_error '[firmware]\npath = fw.bin\n[vm]\nmemory = 1025K\n' \
		"c.ini:4: [vm] memory: 1025K is not a multiple of the page size, 4K"
	config_error '[firmware]\npath = fw.bin\n[vm]\nmemory = 16777217\n' \
		"c.ini:4: [vm] memory: 16777217 is not a multiple of the page size, 4K"
}

@test "[vm] memory: units and the normalized value" {
	fw
	for pair in 256M:256M 1g:1G 1048576:1M 0x100000:1M 1536K:1536K 2048M:2G 4100K:4100K; do
		conf "[firmware]\npath = fw.bin\n[vm]\nmemory = ${pair%%:*}\n"
		vm --check c.ini
		[ "$status" -eq 0 ]
		[ "${lines[1]}" = "memory = ${pair#*:}" ]
	done
}

@test "[vm] cpus: 0, too many, not a number" {
	fw
	config_error '[firmware]\npath = fw.bin\n[vm]\ncpus = 0\n' "c.ini:4: [vm] cpus: must be at least 1"
	config_error '[firmware]\npath = fw.bin\n[vm]\ncpus = 65\n' "c.ini:4: [vm] cpus: 65 is more than the maximum, 64"
	config_error '[firmware]\npath = fw.bin\n[vm]\ncpus = two\n' "c.ini:4: [vm] cpus: 'two' is not a number"
	config_error '[firmware]\npath = fw.bin\n[vm]\ncpus = -1\n' "c.ini:4: [vm] cpus: '-1' is not a number"
	config_error '[firmware]\npath = fw.bin\n[vm]\ncpus = 2x\n' "c.ini:4: [vm] cpus: '2x' is not a number"
}

@test "[vm] cpus: 1 and 64 are fine" {
	fw
	for n in 1 64; do
		conf "[firmware]\npath = fw.bin\n[vm]\ncpus = $n\n"
		vm --check c.ini
		[ "$status" -eq 0 ]
		[ "${lines[2]}" = "cpus = $n" ]
	done
}

@test "defaults: 256M, 1 CPU, terminal console, test-exit on 0xf4" {
	fw
	conf '[firmware]\npath = fw.bin\n'
	vm --check c.ini
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "[vm]" ]
	[ "${lines[1]}" = "memory = 256M" ]
	[ "${lines[2]}" = "cpus = 1" ]
	[[ "$output" == *$'[serial]\nconsole = terminal'* ]]
	[[ "$output" == *"# [device] path: /dev/vmrun, or /dev/kvm if that is absent"* ]]
	[[ "$output" == *$'[test-exit]\nport = 0xf4'* ]]
}

@test "syntax: comments, blank lines, spaces, CRLF, no final newline" {
	fw
	printf '; semicolon comment\r\n  # hash comment\r\n\r\n  [ vm ]  \r\n\tcpus\t=\t3 \r\nmemory=64M\r\n[firmware]\r\npath = fw.bin' >c.ini
	vm --check c.ini
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "memory = 64M" ]
	[ "${lines[2]}" = "cpus = 3" ]
}

# --- [kernel] --------------------------------------------------------------

@test "[kernel] path: missing file" {
	config_error '[kernel]\npath = nope\n' "c.ini:2: [kernel] path: cannot open 'nope': No such file or directory"
}

@test "[kernel] path: relative to the configuration's directory" {
	mkdir sub
	conf '[kernel]\npath = nope\n'
	mv c.ini sub/
	vm sub/c.ini
	[ "$status" -eq 2 ]
	[ "$stderr" = "vmrun: sub/c.ini:2: [kernel] path: cannot open 'sub/nope': No such file or directory" ]
	"$FIX/fake-bzimage.sh" sub/bz
	printf '[kernel]\npath = bz\n' >sub/c.ini
	vm --check sub/c.ini
	[ "$status" -eq 0 ]
	[[ "$output" == *"path = sub/bz"* ]]
}

@test "[kernel] path: empty, a directory" {
	config_error '[kernel]\npath =\n' "c.ini:2: [kernel] path: empty path"
	mkdir k
	config_error '[kernel]\npath = k\n' "c.ini:2: [kernel] path: 'k' is not a regular file"
}

@test "[kernel] path: unreadable" {
	[ "$(id -u)" -ne 0 ] || skip "root reads any file"
	"$FIX/fake-bzimage.sh" bz
	chmod 0 bz
	config_error '[kernel]\npath = bz\n' "c.ini:2: [kernel] path: cannot open 'bz': Permission denied"
}

@test "[kernel] path: not a bzImage" {
	head -c 8192 /dev/zero >zeros
	config_error '[kernel]\npath = zeros\n' "c.ini:2: [kernel] path: 'zeros': not a Linux kernel image (no 0xAA55 boot flag)"
	head -c 100 /dev/zero >tiny
	config_error '[kernel]\npath = tiny\n' "c.ini:2: [kernel] path: 'tiny': too small to be a bzImage"
	"$FIX/fake-bzimage.sh" bz magic=HdrX
	config_error '[kernel]\npath = bz\n' "c.ini:2: [kernel] path: 'bz': not a bzImage (no HdrS signature)"
	"$FIX/fake-bzimage.sh" bz loadflags=0
	config_error '[kernel]\npath = bz\n' "c.ini:2: [kernel] path: 'bz': a zImage, not a bzImage"
}

@test "[kernel] path: boot protocol too old, no 64-bit entry, truncated" {
	"$FIX/fake-bzimage.sh" bz version=0x020b
	config_error '[kernel]\npath = bz\n' "c.ini:2: [kernel] path: 'bz': boot protocol older than 2.12"
	"$FIX/fake-bzimage.sh" bz xloadflags=0
	config_error '[kernel]\npath = bz\n' "c.ini:2: [kernel] path: 'bz': no 64-bit entry point (not an x86-64 kernel)"
	"$FIX/fake-bzimage.sh" bz size=2560 setup_sects=4
	config_error '[kernel]\npath = bz\n' "c.ini:2: [kernel] path: 'bz': truncated (no kernel after the setup code)"
	"$FIX/fake-bzimage.sh" bz init_size=0x50000000
	config_error '[kernel]\npath = bz\n' "c.ini:2: [kernel] path: 'bz': implausible pref_address or init_size in the setup header"
}

@test "[kernel] a valid header passes, with the default command line" {
	"$FIX/fake-bzimage.sh" bz
	conf '[kernel]\npath = bz\n'
	vm --check c.ini
	[ "$status" -eq 0 ]
	[[ "$output" == *$'[kernel]\npath = bz\ncmdline = console=ttyS0\n'* ]]
}

@test "[vm] memory: too small for the kernel" {
	# pref_address 16M + init_size 16M: the kernel needs 32M
	"$FIX/fake-bzimage.sh" bz
	config_error '[vm]\nmemory = 31M\n[kernel]\npath = bz\n' \
		"c.ini:2: [vm] memory: 31M is too small for the kernel 'bz', which needs at least 32M"
	# without a memory key, the kernel's line is blamed
	"$FIX/fake-bzimage.sh" bz init_size=0x20000000
	config_error '[kernel]\npath = bz\n' \
		"c.ini:2: [kernel] path: 'bz' needs at least 528M of memory, more than the default 256M"
}

@test "[kernel] initrd: missing file, does not fit" {
	"$FIX/fake-bzimage.sh" bz
	config_error '[kernel]\npath = bz\ninitrd = nope\n' \
		"c.ini:3: [kernel] initrd: cannot open 'nope': No such file or directory"
	head -c 1048576 /dev/zero >initrd
	config_error '[vm]\nmemory = 32M\n[kernel]\npath = bz\ninitrd = initrd\n' \
		"c.ini:5: [kernel] initrd: 'initrd' (1048576 bytes) does not fit in guest memory between the kernel and its limit"
	# and under the kernel's initrd_addr_max, even with plenty of RAM
	"$FIX/fake-bzimage.sh" bz initrd_addr_max=0x01ffffff
	config_error '[vm]\nmemory = 1G\n[kernel]\npath = bz\ninitrd = initrd\n' \
		"c.ini:5: [kernel] initrd: 'initrd' (1048576 bytes) does not fit in guest memory between the kernel and its limit"
	conf '[vm]\nmemory = 33M\n[kernel]\npath = bz\ninitrd = initrd\n'
	"$FIX/fake-bzimage.sh" bz
	vm --check c.ini
	[ "$status" -eq 0 ]
}

@test "[kernel] initrd or cmdline without a kernel" {
	fw
	head -c 10 /dev/zero >initrd
	config_error '[firmware]\npath = fw.bin\n[kernel]\ninitrd = initrd\n' \
		"c.ini:4: [kernel] initrd: an initrd needs a [kernel] path"
	config_error '[firmware]\npath = fw.bin\n[kernel]\ncmdline = quiet\n' \
		"c.ini:4: [kernel] cmdline: a command line needs a [kernel] path"
}

@test "[kernel] cmdline: longer than the kernel takes" {
	"$FIX/fake-bzimage.sh" bz cmdline_size=100
	long=$(head -c 101 /dev/zero | tr '\0' a)
	config_error "[kernel]\npath = bz\ncmdline = $long\n" \
		"c.ini:3: [kernel] cmdline: 101 characters, more than this kernel takes (100)"
	conf "[kernel]\npath = bz\ncmdline = ${long:1}\n"
	vm --check c.ini
	[ "$status" -eq 0 ]
}

# --- [firmware] ------------------------------------------------------------

@test "[firmware] path: missing, wrong size" {
	config_error '[firmware]\npath = bios.bin\n' \
		"c.ini:2: [firmware] path: cannot open 'bios.bin': No such file or directory"
	head -c 4097 /dev/zero >odd.bin
	config_error '[firmware]\npath = odd.bin\n' \
		"c.ini:2: [firmware] path: 'odd.bin' is 4097 bytes; a firmware image is a multiple of 4K from 4K to 16M"
	: >empty.bin
	config_error '[firmware]\npath = empty.bin\n' \
		"c.ini:2: [firmware] path: 'empty.bin' is 0 bytes; a firmware image is a multiple of 4K from 4K to 16M"
	truncate -s 20M big.bin
	config_error '[firmware]\npath = big.bin\n' \
		"c.ini:2: [firmware] path: 'big.bin' is 20971520 bytes; a firmware image is a multiple of 4K from 4K to 16M"
}

@test "[firmware] with [kernel]: the kernel is checked, the initrd leaves the firmware 1M" {
	fw
	"$FIX/fake-bzimage.sh" bz magic=HdrX
	config_error '[firmware]\npath = fw.bin\n[kernel]\npath = bz\n' \
		"c.ini:4: [kernel] path: 'bz': not a bzImage (no HdrS signature)"
	"$FIX/fake-bzimage.sh" bz
	head -c 1048576 /dev/zero >initrd
	# 33M: fits after a 32M kernel for a direct boot, not below the top 1M
	conf '[vm]\nmemory = 33M\n[kernel]\npath = bz\ninitrd = initrd\n'
	vm --check c.ini
	[ "$status" -eq 0 ]
	config_error '[vm]\nmemory = 33M\n[firmware]\npath = fw.bin\n[kernel]\npath = bz\ninitrd = initrd\n' \
		"c.ini:7: [kernel] initrd: 'initrd' (1048576 bytes) does not fit in guest memory between the kernel and its limit"
	conf '[vm]\nmemory = 34M\n[firmware]\npath = fw.bin\n[kernel]\npath = bz\ninitrd = initrd\n'
	vm --check c.ini
	[ "$status" -eq 0 ]
	[[ "$output" == *$'[kernel]\npath = bz\ninitrd = initrd\ncmdline = console=ttyS0\n\n[firmware]\npath = fw.bin'* ]]
}

# --- [serial] ----------------------------------------------------------------

@test "[serial] console: bad value" {
	fw
	config_error '[firmware]\npath = fw.bin\n[serial]\nconsole = tty\n' \
		"c.ini:4: [serial] console: 'tty' is not one of terminal, file, none"
}

@test "[serial] console = file needs a file, a file needs console = file" {
	fw
	config_error '[firmware]\npath = fw.bin\n[serial]\nconsole = file\n' \
		"c.ini:4: [serial] console: 'file' needs a [serial] file"
	config_error '[firmware]\npath = fw.bin\n[serial]\nfile = out.log\n' \
		"c.ini:4: [serial] file: needs console = file in [serial]"
	config_error '[firmware]\npath = fw.bin\n[serial]\nconsole = none\nfile = out.log\n' \
		"c.ini:5: [serial] file: needs console = file in [serial]"
}

@test "[serial] file: directory missing, file is a directory" {
	fw
	config_error '[firmware]\npath = fw.bin\n[serial]\nconsole = file\nfile = no/dir/out.log\n' \
		"c.ini:5: [serial] file: cannot use directory 'no/dir': No such file or directory"
	mkdir out.log
	config_error '[firmware]\npath = fw.bin\n[serial]\nconsole = file\nfile = out.log\n' \
		"c.ini:5: [serial] file: 'out.log' is a directory"
}

@test "[serial] file: cannot be created (status 2, before any VM)" {
	[ "$(id -u)" -ne 0 ] || skip "root writes anywhere"
	fw
	touch out.log
	chmod 0444 out.log
	conf '[firmware]\npath = fw.bin\n[serial]\nconsole = file\nfile = out.log\n[device]\npath = /nonexistent\n'
	vm c.ini
	[ "$status" -eq 2 ]
	[ "$stderr" = "vmrun: c.ini:5: [serial] file: cannot create 'out.log': Permission denied" ]
}

@test "[serial] file: --check does not create it" {
	fw
	conf '[firmware]\npath = fw.bin\n[serial]\nconsole = file\nfile = out.log\n'
	vm --check c.ini
	[ "$status" -eq 0 ]
	[[ "$output" == *$'[serial]\nconsole = file\nfile = out.log'* ]]
	[ ! -e out.log ]
}

# --- [device] and [test-exit] ------------------------------------------------

@test "[device] path: empty" {
	fw
	config_error '[firmware]\npath = fw.bin\n[device]\npath =\n' "c.ini:4: [device] path: empty path"
}

@test "[test-exit] port: bad value, too high, taken by a device" {
	fw
	config_error '[firmware]\npath = fw.bin\n[test-exit]\nport = off\n' \
		"c.ini:4: [test-exit] port: 'off' is not a port number or none"
	config_error '[firmware]\npath = fw.bin\n[test-exit]\nport = 0x10000\n' \
		"c.ini:4: [test-exit] port: 0x10000 is more than the highest port, 0xffff"
	config_error '[firmware]\npath = fw.bin\n[test-exit]\nport = 0x3fd\n' \
		"c.ini:4: [test-exit] port: port 0x3fd is used by the serial port"
	config_error '[firmware]\npath = fw.bin\n[test-exit]\nport = 128\n' \
		"c.ini:4: [test-exit] port: port 0x80 is used by the POST port"
	config_error '[firmware]\npath = fw.bin\n[test-exit]\nport = 0xcfc\n' \
		"c.ini:4: [test-exit] port: port 0xcfc is used by PCI configuration"
	config_error '[firmware]\npath = fw.bin\n[test-exit]\nport = 0x64\n' \
		"c.ini:4: [test-exit] port: port 0x64 is used by the i8042"
}

@test "[test-exit] port: none, decimal, hex" {
	fw
	for pair in none:none 1281:0x501 0xf4:0xf4; do
		conf "[firmware]\npath = fw.bin\n[test-exit]\nport = ${pair%%:*}\n"
		vm --check c.ini
		[ "$status" -eq 0 ]
		[[ "$output" == *$'[test-exit]\nport = '"${pair#*:}"* ]]
	done
}

# --- runtime failures (status 1) ---------------------------------------------

@test "runtime: hypervisor node missing names open and errno" {
	fw
	conf '[firmware]\npath = fw.bin\n[device]\npath = /nonexistent/vmrun\n'
	vm c.ini
	[ "$status" -eq 1 ]
	[ "$stderr" = "vmrun: open /nonexistent/vmrun: ENOENT (No such file or directory)" ]
}

@test "runtime: a node that refuses the KVM ioctls names the ioctl and errno" {
	fw
	conf '[firmware]\npath = fw.bin\n[device]\npath = /dev/null\n'
	vm c.ini
	[ "$status" -eq 1 ]
	[ "$stderr" = "vmrun: KVM_GET_API_VERSION on /dev/null: ENOTTY (Inappropriate ioctl for device)" ]
}

# --- guests (need a usable /dev/kvm) -----------------------------------------

# guest NAME [EXTRA-CONFIG]: build runner/NAME.hex into g.bin and write
# c.ini booting it as the firmware, with 1M of RAM and $CPUS (1) vCPUs.
guest() {
	"$FIX/mkimage.sh" "$FIX/$1.hex" g.bin
	printf '[vm]\nmemory = 1M\ncpus = %s\n[firmware]\npath = g.bin\n[device]\npath = /dev/kvm\n%b' \
		"${CPUS:-1}" "${2:-}" >c.ini
}

# Skip unless /dev/kvm can run the hello guest (status 1 = cannot create a VM).
require_kvm() {
	[ -e /dev/kvm ] || skip "no /dev/kvm"
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || skip "/dev/kvm not accessible"
	local dir=$BATS_FILE_TMPDIR rc=0
	if [ ! -e "$dir/probe.rc" ]; then
		"$FIX/mkimage.sh" "$FIX/hello.hex" "$dir/probe.bin"
		printf '[vm]\nmemory = 1M\n[firmware]\npath = probe.bin\n[device]\npath = /dev/kvm\n' >"$dir/probe.ini"
		timeout -s KILL 20 "$VMRUN" "$dir/probe.ini" >/dev/null 2>"$dir/probe.err" || rc=$?
		echo "$rc" >"$dir/probe.rc"
	fi
	[ "$(cat "$dir/probe.rc")" != 1 ] || skip "/dev/kvm cannot run a VM: $(cat "$dir/probe.err")"
}

@test "guest: hello on the UART, status from the test-exit port" {
	require_kvm
	guest hello
	vm c.ini
	[ "$status" -eq 42 ]
	[ "$output" = $'Hello from a vmrun guest\r' ]
	[ "$stderr" = "vmrun: guest wrote 0x2a to the test-exit port 0xf4" ]
}

@test "guest: test-exit port moved to 0x501" {
	require_kvm
	guest hello '[test-exit]\nport = 0x501\n'
	vm c.ini
	[ "$status" -eq 43 ]
	[ "$stderr" = "vmrun: guest wrote 0x2b to the test-exit port 0x501" ]
}

@test "guest: 4 vCPUs, the others wait for a SIPI" {
	require_kvm
	CPUS=4 guest hello
	vm c.ini
	[ "$status" -eq 42 ]
	[ "$output" = $'Hello from a vmrun guest\r' ]
}

@test "guest: console to a file" {
	require_kvm
	guest hello '[serial]\nconsole = file\nfile = out.log\n'
	echo stale >out.log
	vm c.ini
	[ "$status" -eq 42 ]
	[ -z "$output" ]
	[ "$(cat out.log)" = $'Hello from a vmrun guest\r' ]
}

@test "guest: console none" {
	require_kvm
	guest hello '[serial]\nconsole = none\n'
	vm c.ini
	[ "$status" -eq 42 ]
	[ -z "$output" ]
}

@test "guest: UART receive interrupts through the in-kernel PIC" {
	require_kvm
	guest echo-irq
	run --separate-stderr bash -c "{ printf abc; sleep 0.3; printf 'def'; sleep 0.3; printf 'gq'; } |
		timeout -s KILL 20 '$VMRUN' c.ini"
	[ "$status" -eq 9 ]
	[ "$output" = "ABCDEFG" ]
	[ "$stderr" = "vmrun: guest wrote 0x9 to the test-exit port 0xf4" ]
}

@test "guest: i8042 reset ends with status 0" {
	require_kvm
	guest i8042-reset
	vm c.ini
	[ "$status" -eq 0 ]
	[ "$stderr" = "vmrun: guest reset (i8042 pulse reset)" ]
}

@test "guest: triple fault is a reset, status 0" {
	require_kvm
	# Without VMX/SVM (e.g. a paravirtual /dev/kvm) real mode is emulated,
	# and KVM's real-mode emulation ignores the IDT limit: no triple fault.
	grep -qwE 'vmx|svm' /proc/cpuinfo || skip "real mode is emulated here (no VMX/SVM)"
	guest triple-fault
	vm c.ini
	[ "$status" -eq 0 ]
	[ "$stderr" = "vmrun: guest reset (triple fault)" ]
}

@test "guest: a crash ends with status 3, the reason and the POST code" {
	require_kvm
	guest wild-jump
	vm c.ini
	[ "$status" -eq 3 ]
	[[ "$stderr" == "vmrun: guest crashed on vCPU 0: "*" at cs:rip 0xffff:0x10, last POST code 0x42" ]]
}

@test "guest: SIGTERM stops vmrun with status 143" {
	require_kvm
	guest echo-irq
	run --separate-stderr timeout --preserve-status -s TERM 0.5 "$VMRUN" c.ini </dev/null
	[ "$status" -eq 143 ]
	[ "$stderr" = "vmrun: stopped by signal SIGTERM" ]
}

@test "guest: SIGUSR1 prints each vCPU's state, then the guest runs on" {
	require_kvm
	CPUS=2 guest echo-irq
	"$VMRUN" c.ini </dev/null >out.txt 2>err.txt &
	local pid=$! i rc=0
	sleep 0.3
	kill -USR1 "$pid"
	for ((i = 0; i < 100; i++)); do
		[ "$(grep -c '^vmrun: dump: vCPU [01]: mp_state' err.txt)" -lt 2 ] || break
		sleep 0.1
	done
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	cat err.txt >&2
	[ "$rc" -eq 143 ]
	grep -q '^vmrun: dump: pic master: ' err.txt
	grep -q '^vmrun: dump: vCPU 0: rip 0x[0-9a-f]* ' err.txt
	grep -q '^vmrun: dump: vCPU 1: mp_state 1 ' err.txt	# waits for its SIPI
	grep -q '^vmrun: dump: vCPU 0: lapic: id 0 ' err.txt
	[ "$(tail -n 1 err.txt)" = "vmrun: stopped by signal SIGTERM" ]
}

# run_until TEXT SECS: run vmrun on c.ini in the background until its
# output (out.txt) shows TEXT, it ends, or SECS seconds pass; then stop it.
# The host may be slow and busy: SECS is generous, the wait usually short.
# The console text without terminal escapes: SeaBIOS's serial console
# writes its screen set-up sequence at every video mode set, and it can
# land between two characters it had not flushed yet (seen: "o", the
# sequence, "k" when the kernel's setup code set the mode after "ok").
plain() {
	sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1b[A-Za-z]//g' "$1"
}

run_until() {
	local text=$1 secs=$2 i pid
	"$VMRUN" c.ini >out.txt 2>err.txt &
	pid=$!
	for ((i = 0; i < secs * 10; i++)); do
		plain out.txt | grep -qF "$text" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" || true
	echo "run_until: waited $((i / 10)) s; stdout:" >&2
	cat -v out.txt >&2
	echo "stderr:" >&2
	cat err.txt >&2
}

seabios() {
	SEABIOS=/usr/share/seabios/bios.bin
	[ -r $SEABIOS ] || skip "no SeaBIOS at $SEABIOS (apt-get install seabios)"
}

@test "guest: SeaBIOS runs on the machine, its screen on the serial port" {
	require_kvm
	seabios
	printf '[vm]\nmemory = 64M\ncpus = 2\n[firmware]\npath = %s\n[device]\npath = /dev/kvm\n' $SEABIOS >c.ini
	run_until "No bootable device." 180
	plain out.txt | grep -qF "SeaBIOS (version"
	plain out.txt | grep -qF "No bootable device."
}

@test "guest: SeaBIOS boots a bzImage through fw_cfg and vmrun's option ROM" {
	require_kvm
	seabios
	kernel=$(ls /boot/vmlinuz-* 2>/dev/null | head -n 1)
	[ -n "$kernel" ] || skip "no kernel in /boot"
	printf '[vm]\nmemory = 512M\n[firmware]\npath = %s\n[kernel]\npath = %s\ncmdline = console=ttyS0\n[device]\npath = /dev/kvm\n' \
		$SEABIOS "$kernel" >c.ini
	# The kernel's real-mode setup code prints this through the BIOS: the
	# option ROM loaded it by fw_cfg DMA and jumped to it.
	run_until "Probing EDD (edd=off to disable)... ok" 180
	plain out.txt | grep -qF "Booting from ROM..."
	plain out.txt | grep -qF "Probing EDD (edd=off to disable)... ok"
}
