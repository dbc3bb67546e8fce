#!/bin/sh
# Usage (inside the testbed, from disk-boot.sh's plan): disk-check.sh CONFIG MARKER SECS
# Runs vmrun CONFIG for at most SECS seconds (then SIGTERM: the testbed's
# own per-test SIGKILL would leave vmrun running, orphaned) (SeaBIOS and a [disk] with SYSLINUX on it), passing its
# console through, then prints TAP: SYSLINUX ran, the L2 kernel got MARKER
# from syslinux.cfg, its /init ran, vmrun's status, and the L2's write
# reached sector 100 of the image. Exits 1 if anything failed.
conf=$1 marker=$2 secs=$3
dir=$(dirname "$conf")
log=/tmp/disk-check.log

# Every 2 minutes, where vmrun's threads are (state, kernel wait channel):
# tells an L2 that stopped (vCPUs asleep in KVM_RUN) from a blocked vmrun;
# and vmrun's own SIGUSR1 dump ("vmrun: dump: ..."): where each vCPU is,
# with its RFLAGS, local APIC and the kernel text words on its stack.
(
	sleep 120
	while pid=$(pidof vmrun); do
		for t in /proc/$pid/task/*; do
			echo "disk-check: thread $(cat $t/comm): $(cut -d' ' -f3 $t/stat) $(cat $t/wchan 2>/dev/null)"
		done
		kill -USR1 "$pid"
		sleep 120
	done
) &
watch=$!
(timeout -s TERM "$secs" /testbed/extra/vmrun "$conf"; echo "disk-check: vmrun exit status $?") 2>&1 | tee "$log"
kill $watch 2>/dev/null

fails=0
check() { # DESCRIPTION COMMAND...
	d=$1
	shift
	if "$@" >/dev/null 2>&1; then
		echo "ok - $d"
	else
		echo "not ok - $d"
		fails=$((fails + 1))
	fi
}
echo "1..5"
check "SeaBIOS boots the disk and SYSLINUX runs" grep -q 'SYSLINUX' "$log"
check "the L2 kernel starts with the marker from syslinux.cfg" \
	grep -q "Command line: BOOT_IMAGE=/vmlinuz .*vmrun_disk=$marker" "$log"
check "the L2's /init runs" grep -q "^L2: cmdline: .*vmrun_disk=$marker" "$log"
check "vmrun exits 0 when the L2 reboots" grep -q '^disk-check: vmrun exit status 0$' "$log"
check "the L2's write through ata_piix is in the image" \
	sh -c "dd if='$dir/disk.img' bs=512 skip=100 count=1 2>/dev/null | grep -q 'vmrun-disk-write-$marker'"
[ "$fails" = 0 ]
