# tests/kvm-selftests/plan.sh: the testbed plan (tests/testbed/run --plan)
# that runs the stock KVM selftests staged by tests/kvm-selftests/run as
# /testbed/tests/*. Sourced by the guest init (busybox sh) after the modules
# are loaded. The selftests open /dev/kvm by a fixed path: against vmrun that
# is a node with /dev/vmrun's major:minor, made here and removed afterwards.
# Each selftest exits 0 (pass), 4 (KSFT_SKIP: a TEST_REQUIRE not met) or
# anything else (failure; 254 for a TEST_ASSERT); summarize counts them so.
# shellcheck shell=sh

ks_made_node=""
if [ "$TB_MODE" = vmrun ]; then
	if [ -e /dev/kvm ]; then
		tb_fail "/dev/kvm exists in vmrun mode (stock KVM loaded?)"
	elif [ -r /sys/class/misc/vmrun/dev ]; then
		IFS=: read -r ks_maj ks_min </sys/class/misc/vmrun/dev
		if mknod -m 0600 /dev/kvm c "$ks_maj" "$ks_min"; then
			ks_made_node=1
			tb_note "/dev/kvm -> /dev/vmrun ($ks_maj:$ks_min)"
		else
			tb_fail "mknod /dev/kvm c $ks_maj $ks_min"
		fi
	else
		tb_fail "no /sys/class/misc/vmrun/dev: vmrun.ko did not register /dev/vmrun"
	fi
fi

# Arguments that keep the long-running ones within the per-test timeout
# under QEMU TCG (they default to 1 GiB a vCPU, 1000s of iterations, all
# memslots the hypervisor offers).
ks_args() {
	case $1 in
	memslot_modification_stress_test) echo "-b 64M -v 2 -i 100" ;;
	memslot_perf_test) echo "-s 512 -f 0 -e 0 -l 2 -r 1" ;;
	esac
}

# Known gaps: selftests that use, without checking a capability first,
# something vmrun does not offer and does not claim (Documentation/abi.md).
# On vmrun, a failure whose output has the pattern is a skip (the reason is
# printed as a TAP "# SKIP" line); any other failure stays a failure, and
# on kvm-amd nothing is converted. Format: NAME|PATTERN|REASON
ks_gaps='set_memory_region_test|KVM_SET_NR_MMU_PAGES failed|KVM_SET_NR_MMU_PAGES (KVM_CAP_MMU_SHADOW_CACHE_CONTROL) not offered; it is the first subtest, so the add-max, move and delete ones did not run
max_vcpuid_cap_test|KVM_ENABLE_CAP failed|KVM_ENABLE_CAP not offered (KVM_CAP_MAX_VCPU_ID is fixed)
smm_test|slot: 65537|no SMM address space (KVM_CAP_X86_SMM and KVM_CAP_MULTI_ADDRESS_SPACE are 0)
tsc_msrs_test|failed on MSR 3b|IA32_TSC_ADJUST is not in KVM_GET_MSR_INDEX_LIST nor in CPUID
userspace_msr_exit_test|KVM_CAP_X86_USER_SPACE_MSR is available|KVM_CAP_X86_USER_SPACE_MSR not offered (the selftest asserts instead of skipping)
state_test|KVM_GET_DEBUGREGS failed|KVM_GET_DEBUGREGS (KVM_CAP_DEBUGREGS) not offered
cpuid_test|eax == 0x40000001|the KVM PV CPUID leaves (0x40000000) not offered'

# ks_gap NAME: "PATTERN|REASON" if NAME has a known gap on vmrun.
ks_gap() {
	[ "$TB_MODE" = vmrun ] || return 1
	echo "$ks_gaps" | while IFS='|' read -r n p r; do
		[ "$n" = "$1" ] && { echo "$p|$r"; return 0; }
	done
}

# Runs a selftest whose known gap may show: output to a file, then the
# verdict. Run as "sh /tmp/ks-gap-run NAME PATTERN REASON SECS CMD...".
cat >/tmp/ks-gap-run <<'WRAP'
name=$1 pat=$2 why=$3 secs=$4
shift 4
out=/tmp/ks-gap-out.$$
timeout -s KILL "$secs" "$@" >"$out" 2>&1
rc=$?
cat "$out"
if [ "$rc" != 0 ] && [ "$rc" != 4 ] && grep -qF -- "$pat" "$out"; then
	echo "ok 1 - $name # SKIP vmrun: $why"
	rc=4
fi
rm -f "$out"
exit "$rc"
WRAP

for t in $TB_TESTS; do
	g=$(ks_gap "$t")
	if [ -n "$g" ]; then
		# shellcheck disable=SC2046 # the arguments are words on purpose
		tb_run_test "$t" "$TB_TEST_TIMEOUT" sh /tmp/ks-gap-run "$t" "${g%%|*}" "${g#*|}" \
			$((TB_TEST_TIMEOUT - 5)) "/testbed/tests/$t" $(ks_args "$t")
	else
		# shellcheck disable=SC2046
		tb_run_test "$t" "$TB_TEST_TIMEOUT" "/testbed/tests/$t" $(ks_args "$t")
	fi
done

[ -z "$ks_made_node" ] || rm -f /dev/kvm
rm -f /tmp/ks-gap-run
