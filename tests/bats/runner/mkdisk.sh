#!/usr/bin/env bash
# Usage: mkdisk.sh DISK.img KERNEL INITRD CMDLINE
#
# Makes a bootable raw disk image without root or loop devices: 32 MiB, an
# MBR with SYSLINUX's boot code (Debian's syslinux-common) and one active
# FAT16 partition from 1 MiB to the end, made with mkfs.fat (dosfstools),
# filled with mtools and made bootable with Debian's syslinux (its
# mtools-based installer works on an image file). syslinux.cfg boots
# KERNEL with INITRD and CMDLINE, on the serial console too.
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: mkdisk.sh DISK.img KERNEL INITRD CMDLINE" >&2; exit 2; }
img=$1 kernel=$2 initrd=$3 cmdline=$4
mbr=/usr/lib/syslinux/mbr/mbr.bin
for t in mkfs.fat mcopy syslinux; do
	command -v $t >/dev/null || { echo "mkdisk: $t is missing (dosfstools, mtools, syslinux)" >&2; exit 2; }
done
[ -r $mbr ] || { echo "mkdisk: $mbr is missing (syslinux-common)" >&2; exit 2; }

size_mb=32
start=2048				# first sector of the partition
sectors=$((size_mb * 2048 - start))	# sectors in it
part=$img.part
rm -f "$img" "$part"
truncate -s ${size_mb}M "$img"
truncate -s $((sectors * 512)) "$part"
# -h: the sectors before the partition, which the boot sector counts on.
mkfs.fat -F 16 -h $start -n VMRUNDISK "$part" >/dev/null

cfg=$(mktemp)
trap 'rm -f "$cfg" "$part"' EXIT
cat >"$cfg" <<CFG
SERIAL 0 115200
PROMPT 0
TIMEOUT 0
DEFAULT l2
LABEL l2
  KERNEL /vmlinuz
  INITRD /initrd.gz
  APPEND $cmdline
CFG
export MTOOLS_SKIP_CHECK=1
mcopy -i "$part" "$kernel" ::/vmlinuz
mcopy -i "$part" "$initrd" ::/initrd.gz
mcopy -i "$part" "$cfg" ::/syslinux.cfg
dd if="$part" of="$img" bs=512 seek=$start conv=notrunc status=none

# The MBR: boot code, then partition 1 (active, FAT16 LBA, type 0x0e).
dd if=$mbr of="$img" bs=440 count=1 conv=notrunc status=none
le32() { printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) \
	$(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
printf "\\x80\\xfe\\xff\\xff\\x0e\\xfe\\xff\\xff$(le32 $start)$(le32 $sectors)" |
	dd of="$img" bs=1 seek=446 conv=notrunc status=none
printf '\x55\xaa' | dd of="$img" bs=1 seek=510 conv=notrunc status=none

# SYSLINUX's boot sector and ldlinux.sys/.c32, into the partition.
syslinux --install --offset $((start * 512)) "$img"
mdir -a -i "$img@@$((start * 512))" :: | grep -qi '^ldlinux *sys' ||
	{ echo "mkdisk: syslinux did not install ldlinux.sys" >&2; exit 1; }
