#!/usr/bin/env bash
# Usage: mkimage.sh LISTING.hex OUT.bin
# Turns a hand-assembled listing ("OFFSET: hex bytes  # comment" lines)
# into a 4 KiB image, zero-filled where the listing says nothing.
set -euo pipefail
in=$1 out=$2
head -c 4096 /dev/zero >"$out"
while IFS= read -r line; do
	line=${line%%#*}
	[[ $line =~ ^([0-9a-fA-F]+):(.*)$ ]] || continue
	off=$((16#${BASH_REMATCH[1]}))
	bytes=""
	for b in ${BASH_REMATCH[2]}; do
		[[ $b =~ ^[0-9a-fA-F]{2}$ ]] || { echo "mkimage: bad byte '$b' in $in" >&2; exit 1; }
		bytes+="\\x$b"
	done
	printf "$bytes" | dd of="$out" bs=1 seek="$off" conv=notrunc status=none
done <"$in"
