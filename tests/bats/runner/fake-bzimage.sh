#!/usr/bin/env bash
# Usage: fake-bzimage.sh OUT [FIELD=VALUE]...
# Writes a file with just a bzImage setup header (boot protocol,
# Documentation/arch/x86/boot.rst), for testing how vmrun checks kernels.
# It does not boot. Fields and defaults (numbers in any bash syntax):
#   size=65536 setup_sects=4 boot_flag=0xaa55 magic=HdrS version=0x020f
#   loadflags=0x01 xloadflags=0x01 initrd_addr_max=0x7fffffff
#   cmdline_size=2047 pref_address=0x1000000 init_size=0x1000000
set -euo pipefail
out=$1
shift
declare -A f=(
	[size]=65536 [setup_sects]=4 [boot_flag]=0xaa55 [magic]=HdrS
	[version]=0x020f [loadflags]=0x01 [xloadflags]=0x01
	[initrd_addr_max]=0x7fffffff [cmdline_size]=2047
	[pref_address]=0x1000000 [init_size]=0x1000000
)
for kv in "$@"; do
	[[ $kv == *=* && -n ${f[${kv%%=*}]+x} ]] || { echo "fake-bzimage: bad field '$kv'" >&2; exit 1; }
	f[${kv%%=*}]=${kv#*=}
done

# put OFFSET BYTES VALUE: VALUE little-endian in BYTES bytes at OFFSET
put() {
	local off=$1 n=$2 v=$(($3)) s="" i
	for ((i = 0; i < n; i++)); do
		s+=$(printf '\\x%02x' $(((v >> (8 * i)) & 0xff)))
	done
	printf "$s" | dd of="$out" bs=1 seek=$((off)) conv=notrunc status=none
}

head -c "${f[size]}" /dev/zero >"$out"
put 0x1f1 1 "${f[setup_sects]}"
put 0x1fe 2 "${f[boot_flag]}"
put 0x200 1 0xeb		# jmp to the end of the header, as real images have
put 0x201 1 0x66
printf '%s' "${f[magic]}" | dd of="$out" bs=1 seek=$((0x202)) conv=notrunc status=none
put 0x206 2 "${f[version]}"
put 0x211 1 "${f[loadflags]}"
put 0x22c 4 "${f[initrd_addr_max]}"
put 0x230 4 0x200000		# kernel_alignment
put 0x234 1 1			# relocatable_kernel
put 0x236 2 "${f[xloadflags]}"
put 0x238 4 "${f[cmdline_size]}"
put 0x258 8 "${f[pref_address]}"
put 0x260 4 "${f[init_size]}"
