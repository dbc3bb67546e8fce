#!/usr/bin/env bats
# Tests of the testbed harness (tests/testbed/): the kernel log scanner
# (scan-log) on real and doctored console logs, the TAP accounting
# (summarize), and the checks `run` makes before it boots anything.
#
#   bats tests/bats/testbed.bats
#   TESTBED_BOOT=1 bats tests/bats/testbed.bats   also boot the svm testbed
#                                                 (QEMU TCG, about 30 s each)
#
# tests/testbed/testdata/*-kvm.log are console logs of real --kvm runs of the
# three testbeds (stock KVM, the harness's own kvm_smoke test): clean boots.

bats_require_minimum_version 1.5.0

setup_file() {
	export REPO=${REPO:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	export TB=$REPO/tests/testbed
	export DATA=$TB/testdata
}

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# inject FILE LINE TEXT: copy FILE to ./doctored.log with TEXT after line LINE
inject() {
	awk -v n="$2" -v t="$3" '{ print } NR == n { print t }' "$1" >doctored.log
}

# dmesg_line FILE: number of a line inside FILE's DMESG section
dmesg_line() {
	awk '/^#@vmrun-testbed@ DMESG-BEGIN/ { print NR + 5; exit }' "$1"
}

# A small console log with the markers the guest init prints; the body comes
# from stdin and goes between the TEST markers of one test named "t1".
mklog() {
	{
		echo 'ISOLINUX 6.04 20200816'
		echo '#@vmrun-testbed@ BEGIN target=svm mode=vmrun kernel=6.1.0-56-amd64 arch=x86_64 uptime=4.00'
		echo '#@vmrun-testbed@ TEST-BEGIN t1'
		cat
		echo "#@vmrun-testbed@ TEST-END t1 rc=${RC:-0} secs=0.10"
		echo '#@vmrun-testbed@ DONE fails=0 secs=0.20'
		echo '#@vmrun-testbed@ DMESG-BEGIN'
		echo '[    0.000000] Linux version 6.1.0-56-amd64'
		echo '[    4.100000] loading out-of-tree module taints kernel.'
		echo '[    4.100001] vmrun: module verification failed: signature and/or required key missing - tainting kernel'
		echo '#@vmrun-testbed@ DMESG-END'
		[ -n "${NOEND:-}" ] || echo '#@vmrun-testbed@ END'
	} >"${1:-t.log}"
}

# --------------------------------------------------------------- scan-log

@test "scan-log: the real --kvm boot logs of all three testbeds are clean with their allow lists" {
	for t in svm vmx arm64; do
		[ -s "$DATA/$t-kvm.log" ]
		grep -q '^#@vmrun-testbed@ DMESG-BEGIN' "$DATA/$t-kvm.log"
		allow=()
		[ -f "$TB/allow/$t" ] && allow=(--allow-file "$TB/allow/$t")
		run "$TB/scan-log" "${allow[@]}" "$DATA/$t-kvm.log"
		[ "$status" -eq 0 ] || { echo "$t: $output"; false; }
		[ -z "$output" ]
	done
}

@test "scan-log: an injected WARNING: line in the kernel log is caught, with file and line" {
	n=$(dmesg_line "$DATA/svm-kvm.log")
	inject "$DATA/svm-kvm.log" "$n" '[    5.000000] WARNING: CPU: 1 PID: 77 at kernel/svm/svm.c:123 svm_vcpu_run+0x1/0x2 [vmrun_svm]'
	run "$TB/scan-log" --allow-file "$TB/allow/svm" doctored.log
	[ "$status" -eq 1 ]
	[ "$output" = "doctored.log:$((n + 1)): [    5.000000] WARNING: CPU: 1 PID: 77 at kernel/svm/svm.c:123 svm_vcpu_run+0x1/0x2 [vmrun_svm]" ]
}

@test "scan-log: the allow list does not hide a WARNING that is not on it" {
	n=$(dmesg_line "$DATA/vmx-kvm.log")
	inject "$DATA/vmx-kvm.log" "$n" '[    7.000000] WARNING: CPU: 0 PID: 1 at mm/slub.c:1 f+0x0/0x1'
	run "$TB/scan-log" --allow-file "$TB/allow/vmx" doctored.log
	[ "$status" -eq 1 ]
	[[ $output == *"mm/slub.c:1"* ]]
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ]
}

@test "scan-log: every kind of kernel trouble is caught" {
	lines=(
		'BUG: kernel NULL pointer dereference, address: 0000000000000008'
		'BUG: unable to handle page fault for address: ffffc90000000000'
		'Oops: 0002 [#1] PREEMPT SMP NOPTI'
		'kernel BUG at arch/x86/kvm/mmu/mmu.c:1234!'
		'invalid opcode: 0000 [#1] PREEMPT SMP NOPTI'
		'general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1]'
		'------------[ cut here ]------------'
		'WARNING: possible circular locking dependency detected'
		'WARNING: possible recursive locking detected'
		'WARNING: inconsistent lock state'
		'BUG: sleeping function called from invalid context at mm/slab.h:1'
		'BUG: scheduling while atomic: vmrun/12/0x00000002'
		'BUG: KASAN: slab-out-of-bounds in vmrun_ioctl+0x10/0x20 [vmrun]'
		'UBSAN: shift-out-of-bounds in kernel/core/vcpu.c:55:3'
		'BUG kmalloc-64 (Tainted: G           O      ): Redzone overwritten'
		'Call Trace:'
		'Call trace:'
		'RIP: 0010:vmrun_svm_run+0x10/0x20 [vmrun_svm]'
		'watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [kvm_smoke:80]'
		'Watchdog detected hard LOCKUP on cpu 1'
		'INFO: task kvm_smoke:80 blocked for more than 120 seconds.'
		'"echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.'
		'rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:'
		'Kernel panic - not syncing: Fatal exception'
		'Unable to handle kernel paging request at virtual address ffff800008000000'
		'Internal error: Oops: 0000000096000004 [#1] PREEMPT SMP'
		'Bad mode in Synchronous Abort handler detected on CPU0, code 0x02000000 -- Unknown/Uncategorized'
		'SError Interrupt on CPU1, code 0x00000000bf000002 -- SError'
		'list_add corruption. next->prev should be prev (ffff8880), but was 0000000000000000.'
		'refcount_t: underflow; use-after-free.'
		'BUG: KFENCE: out-of-bounds read in vmrun_mmu_walk+0x1/0x2'
		'lockdep: fixing up alternatives'
		'double fault: 0000 [#1] PREEMPT SMP NOPTI'
		'stack segment: 0000 [#1] PREEMPT SMP NOPTI'
	)
	for l in "${lines[@]}"; do
		printf '[   10.000000] %s\n' "$l" >one.log
		run "$TB/scan-log" one.log
		[ "$status" -eq 1 ] || { echo "not caught: $l"; false; }
		# and without a timestamp, inside the DMESG section of a console log
		printf '#@vmrun-testbed@ DMESG-BEGIN\n%s\n#@vmrun-testbed@ DMESG-END\n' "$l" >two.log
		run "$TB/scan-log" two.log
		[ "$status" -eq 1 ] || { echo "not caught in the dmesg section: $l"; false; }
	done
}

@test "scan-log: ordinary kernel lines are not trouble" {
	cat >ok.log <<-'EOF'
		[    4.100000] loading out-of-tree module taints kernel.
		[    4.100001] vmrun: module verification failed: signature and/or required key missing - tainting kernel
		[    1.054605] calling  hung_task_init+0x0/0x79 @ 1
		[    1.054621] initcall hung_task_init+0x0/0x79 returned 0 after 0 usecs
		[    0.385618] NMI watchdog: Perf NMI watchdog permanently disabled
		[    0.250000] SVM: kvm: Nested Paging enabled
		[    3.042836] kvm [1]: VHE mode initialized successfully
		[    5.293013] reboot: Power down
	EOF
	run "$TB/scan-log" ok.log
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "scan-log: test output outside the kernel log is not scanned, unless --all" {
	mklog t.log <<-'EOF'
		TAP version 13
		# WARNING: this test prints the word on purpose
		ok 1 BUG: not a kernel bug, just a test name
	EOF
	run "$TB/scan-log" t.log
	[ "$status" -eq 0 ]
	run "$TB/scan-log" --all t.log
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 2 ]
}

@test "scan-log: a timestamped kernel line on the console outside the dump is scanned" {
	mklog t.log <<-'EOF'
		ok 1 fine
		[   12.345678] BUG: unable to handle page fault for address: 0000000000001000
	EOF
	run "$TB/scan-log" t.log
	[ "$status" -eq 1 ]
	[[ $output == "t.log:5: [   12.345678] BUG: unable to handle page fault"* ]]
}

@test "scan-log: an allowed WARN report is dropped as a whole, another one is not" {
	cat >w.log <<-'EOF'
		[    0.043043] ------------[ cut here ]------------
		[    0.043044] XSAVE consistency problem: size 2432 != kernel_size 2688
		[    0.043046] WARNING: CPU: 0 PID: 0 at arch/x86/kernel/fpu/xstate.c:606 fpu__init_system_xstate+0x85a/0xb19
		[    0.043055] RIP: 0010:fpu__init_system_xstate+0x85a/0xb19
		[    0.043077] Call Trace:
		[    0.043098] ---[ end trace 0000000000000000 ]---
		[    9.000000] ------------[ cut here ]------------
		[    9.000001] WARNING: CPU: 1 PID: 80 at kernel/core/vcpu.c:10 vcpu_run+0x1/0x2 [vmrun]
		[    9.000002] Call Trace:
		[    9.000003] ---[ end trace 0000000000000000 ]---
	EOF
	run "$TB/scan-log" --allow 'XSAVE consistency problem' w.log
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 3 ]
	[[ $output != *xstate* ]]
	[[ $output == *"kernel/core/vcpu.c:10"* ]]
	run "$TB/scan-log" w.log
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 7 ]
}

@test "scan-log: allow file comments and blank lines; usage errors exit 2" {
	printf '# a comment\n\nSpeculative Return Stack Overflow: WARNING  # trailing comment\n' >allow
	printf '[    0.1] Speculative Return Stack Overflow: WARNING: See https://kernel.org/...\n' >s.log
	run "$TB/scan-log" --allow-file allow s.log
	[ "$status" -eq 0 ]
	run "$TB/scan-log" s.log
	[ "$status" -eq 1 ]
	run "$TB/scan-log"
	[ "$status" -eq 2 ]
	run "$TB/scan-log" /nonexistent.log
	[ "$status" -eq 2 ]
	[[ $output == *"cannot read /nonexistent.log"* ]]
	run "$TB/scan-log" --bogus s.log
	[ "$status" -eq 2 ]
}

# --------------------------------------------------------------- summarize

@test "summarize: the real logs pass; the final line counts ok lines" {
	for t in svm vmx arm64; do
		run "$TB/summarize" "$DATA/$t-kvm.log"
		[ "$status" -eq 0 ] || { echo "$t: $output"; false; }
		[ "${lines[-1]}" = "9 passed, 0 failed" ]
		[ "${lines[-2]}" = "0 skipped" ]
	done
}

@test "summarize: an injected WARNING fails the run and is counted on the final line" {
	n=$(dmesg_line "$DATA/arm64-kvm.log")
	inject "$DATA/arm64-kvm.log" "$n" '[    6.000000] WARNING: CPU: 0 PID: 1 at arch/arm64/kvm/arm.c:1 x+0x0/0x1'
	run "$TB/summarize" doctored.log
	[ "$status" -eq 1 ]
	[ "${lines[-1]}" = "9 passed, 1 failed" ]
	[[ $output == *"FAIL testbed: kernel log has 1 problem line(s)"* ]]
	[[ $output == *"arch/arm64/kvm/arm.c:1"* ]]
}

@test "summarize: skips are neither passed nor failed and are reported before the final line" {
	mklog t.log <<-'EOF'
		TAP version 13
		1..4
		ok 1 a
		ok 2 b # SKIP no such feature
		ok 3 c # skip lower case
		not ok 4 d # TODO not there yet
	EOF
	run "$TB/summarize" t.log
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "1 passed, 0 failed" ]
	[ "${lines[-2]}" = "3 skipped" ]
}

@test "summarize: not ok lines fail; ok lines of the kernel log dump do not count" {
	mklog t.log <<-'EOF'
		ok 1 a
		not ok 2 b
		not ok 3 c
	EOF
	sed -i 's/^\[    0.000000\] Linux version.*/&\nok 99 looks like TAP but is dmesg/' t.log
	run "$TB/summarize" t.log
	[ "$status" -eq 1 ]
	[ "${lines[-1]}" = "1 passed, 2 failed" ]
}

@test "summarize: a binary that exits non-zero without a not ok line is one failure" {
	RC=3 mklog t.log <<-'EOF'
		ok 1 a
	EOF
	run "$TB/summarize" t.log
	[ "$status" -eq 1 ]
	[ "${lines[-1]}" = "1 passed, 1 failed" ]
	[[ $output == *"FAIL t1"*"exit 3"* ]]
}

@test "summarize: exit 4 with no result line is one skip; exit 0 with none is one pass" {
	RC=4 mklog t.log </dev/null
	run "$TB/summarize" t.log
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "0 passed, 0 failed" ]
	[ "${lines[-2]}" = "1 skipped" ]
	RC=0 mklog t.log </dev/null
	run "$TB/summarize" t.log
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "1 passed, 0 failed" ]
}

@test "summarize: a per-test timeout (exit 137) is a failure and its output is shown" {
	RC=137 mklog t.log <<-'EOF'
		ok 1 about to hang
		Killed
	EOF
	run "$TB/summarize" --show-failed t.log
	[ "$status" -eq 1 ]
	[ "${lines[-1]}" = "1 passed, 1 failed" ]
	[[ $output == *"---- output of t1 ----"*"Killed"* ]]
	[[ $output == *"killed, per-test timeout?"* ]]
}

@test "summarize: a wedged guest is one failure, instead of the missing END marker" {
	NOEND=1 mklog t.log <<-'EOF2'
		ok 1 a
	EOF2
	run "$TB/summarize" --wedged 120 t.log
	[ "$status" -eq 1 ]
	[[ $output == *"FAIL testbed: the guest stopped making progress after a kernel problem; ended 120 s later"* ]]
	[[ $output != *"no END marker"* ]]
	[ "${lines[-1]}" = "1 passed, 1 failed" ]
}

@test "summarize: a silent console is one failure, instead of the missing END marker" {
	NOEND=1 mklog t.log <<-'EOF2'
		ok 1 a
	EOF2
	run "$TB/summarize" --silent 300 t.log
	[ "$status" -eq 1 ]
	[[ $output == *"FAIL testbed: the console was silent for 300 s mid-run; stopped"* ]]
	[[ $output != *"no END marker"* ]]
	[ "${lines[-1]}" = "1 passed, 1 failed" ]
}

@test "summarize: a test that never ended and a missing END marker both fail" {
	printf '%s\n' '#@vmrun-testbed@ BEGIN target=svm mode=kvm kernel=k arch=x86_64 uptime=1' \
		'#@vmrun-testbed@ TEST-BEGIN t1' 'ok 1 a' '[   9.1] Kernel panic - not syncing: Fatal exception' >t.log
	run "$TB/summarize" t.log
	[ "$status" -eq 1 ]
	[[ $output == *"FAIL t1"*"never finished"* ]]
	[[ $output == *"no END marker"* ]]
	[[ $output == *"kernel log has 1 problem line(s)"* ]]
	[ "${lines[-1]}" = "1 passed, 3 failed" ]
}

@test "summarize: timeout, panic, reboot and harness steps count as failures" {
	NOEND=1 mklog t.log <<-'EOF'
		ok 1 a
	EOF
	echo 'not ok - testbed: rmmod vmrun_svm' >>t.log
	run "$TB/summarize" --timed-out 600 --panic --reboot t.log
	[ "$status" -eq 1 ]
	[[ $output == *"FAIL testbed: timed out after 600 s"* ]]
	[[ $output == *"FAIL testbed: rmmod vmrun_svm"* ]]
	[[ $output == *"FAIL testbed: kernel panic"* ]]
	[[ $output == *"FAIL testbed: the guest rebooted"* ]]
	[[ $output != *"no END marker"* ]]
	[ "${lines[-1]}" = "1 passed, 4 failed" ]
}

@test "summarize: the exit status is non-zero exactly when the failure count is" {
	for f in "$DATA"/*.log; do
		for extra in "" "not ok 7 x" "ok 7 y # SKIP z"; do
			cp "$f" t.log
			[ -z "$extra" ] || inject "$f" 3 "$extra"
			[ -z "$extra" ] || mv doctored.log t.log
			run "$TB/summarize" t.log
			failed=$(printf '%s\n' "${lines[-1]}" | sed -n 's/^[0-9]* passed, \([0-9]*\) failed$/\1/p')
			[ -n "$failed" ]
			if [ "$failed" -eq 0 ]; then [ "$status" -eq 0 ]; else [ "$status" -eq 1 ]; fi
		done
	done
}

@test "summarize: a log without any marker is a failure, not a crash" {
	printf 'garbage\n' >g.log
	run "$TB/summarize" g.log
	[ "$status" -eq 1 ]
	[[ $output == *"never reached its init"* ]]
	[ "${lines[-1]}" = "0 passed, 1 failed" ]
	run "$TB/summarize" /nonexistent
	[ "$status" -eq 2 ]
}

# --------------------------------------------------------------- run (no boot)

@test "run: no target, a bad target or a bad option is a usage error" {
	run "$TB/run"
	[ "$status" -eq 2 ]
	[[ $output == *"no target given"* ]]
	run "$TB/run" ppc
	[ "$status" -eq 2 ]
	[[ $output == *"unknown argument 'ppc'"* ]]
	run "$TB/run" svm --timeout abc
	[ "$status" -eq 2 ]
	[[ $output == *"not a positive number: abc"* ]]
	run "$TB/run" vmx --icount
	[ "$status" -eq 2 ]
}

@test "run: a missing module build output is named" {
	mkdir -p b/tests/x86_64
	printf '#!/bin/sh\n' >b/tests/x86_64/t && chmod +x b/tests/x86_64/t
	run "$TB/run" svm --build "$PWD/b" --name bats-missing
	[ "$status" -eq 2 ]
	[[ $output == *"missing build output $PWD/b/x86_64-6.1."*"-amd64/vmrun.ko"* ]]
}

@test "run: missing test binaries and a --tests pattern that matches nothing are named" {
	kv=$(cd /boot && ls vmlinuz-6.1.[0-9]*-amd64 | sed 's/^vmlinuz-//' | sort -V | tail -n 1)
	mkdir -p "b/x86_64-$kv"
	touch "b/x86_64-$kv/vmrun.ko" "b/x86_64-$kv/vmrun-svm.ko"
	run "$TB/run" svm --build "$PWD/b" --name bats-missing
	[ "$status" -eq 2 ]
	[[ $output == *"missing build output $PWD/b/tests/x86_64"* ]]
	mkdir -p b/tests/x86_64
	printf '#!/bin/sh\n' >b/tests/x86_64/alpha && chmod +x b/tests/x86_64/alpha
	run "$TB/run" svm --build "$PWD/b" --tests 'beta*' --name bats-missing
	[ "$status" -eq 2 ]
	[[ $output == *"--tests 'beta*' matches no test binary"* ]]
}

# --------------------------------------------------------------- run (boots)

boot_prereq() {
	[ -n "${TESTBED_BOOT:-}" ] || skip "set TESTBED_BOOT=1 to boot the svm testbed"
	"$TB/selftest/build" x86_64 >/dev/null 2>&1
	SELF=$TB/out/selftest/build
}

@test "run (boot): svm --kvm with the harness's kvm_smoke passes" {
	boot_prereq
	run "$TB/run" svm --kvm --build "$SELF" --tests kvm_smoke --name bats-svm-kvm --timeout 300
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "${lines[-1]}" = "9 passed, 0 failed" ]
	grep -q 'insmod /testbed/modules/kvm-amd.ko' "$TB/out/bats-svm-kvm.log"
}

@test "run (boot): svm with placeholder modules: failures, timeouts, WARN and rmmod trouble are all caught" {
	boot_prereq
	run "$TB/run" svm --build "$SELF" --name bats-svm-fail --timeout 300 --test-timeout 5 \
		--tests 'always_fail crash_silent hang skip_all kvm_smoke' \
		--append 'vmrun.warn_on_load=1 vmrun.pin=1'
	[ "$status" -eq 1 ]
	[[ $output == *"FAIL always_fail"* ]]
	[[ $output == *"FAIL crash_silent"*"exit 3"* ]]
	[[ $output == *"FAIL hang"*"exit 137"* ]]
	[[ $output == *"SKIP skip_all"* ]]
	[[ $output == *"PASS kvm_smoke"* ]]
	[[ $output == *"FAIL testbed: rmmod vmrun"* ]]
	[[ $output == *"kernel log has"* ]]
	[[ $output == *"fake_core.c"* ]]
	# 1 (always_fail) + 1 (crash_silent) + 1 (hang) + rmmod + kernel log
	[ "${lines[-1]}" = "11 passed, 5 failed" ]
}

@test "run (boot): a hung test on a silent console ends the run at --silence" {
	boot_prereq
	start=$SECONDS
	run "$TB/run" svm --kvm --build "$SELF" --name bats-svm-silent --timeout 600 --silence 15 \
		--test-timeout 500 --tests hang
	[ "$status" -eq 1 ]
	[ $((SECONDS - start)) -lt 200 ]
	[[ $output == *"the console was silent for 15 s mid-run"* ]]
	[[ $output == *"FAIL hang"*"never finished"* ]]
	[ "${lines[-1]}" = "1 passed, 2 failed" ]
}

@test "run (boot): a guest wedged after an RCU stall is stopped early, with the CPUs' state" {
	boot_prereq
	start=$SECONDS
	run "$TB/run" svm --build "$SELF" --name bats-svm-wedge --timeout 600 --wedge-grace 20 \
		--tests kvm_smoke --append vmrun.wedge=1
	[ "$status" -eq 1 ]
	[ $((SECONDS - start)) -lt 300 ]
	[[ $output == *"stopped making progress after a kernel problem"* ]]
	[[ $output == *"detected stall"* ]]
	[[ $output == *"RIP="* ]]
	[ -s "$TB/out/bats-svm-wedge/cpu-state.txt" ]
}
