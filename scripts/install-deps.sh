#!/usr/bin/env bash
# Install every Debian package that building vmrun and running its testbeds
# needs, on a Debian 12 (bookworm) amd64 machine. Idempotent and quiet when
# everything is already present. Must run as root.
#
# Beyond plain apt-get this script:
#  - adds the bookworm-backports suite (for the 6.12 kernel headers), reusing
#    the mirror the machine already uses;
#  - enables the arm64 foreign architecture and unpacks Debian's arm64 kernel,
#    headers and busybox into $VMRUN_CACHE/arm64 (no dpkg install: they are
#    only needed as files for cross-building and for the arm64 testbed).
set -euo pipefail

CACHE=${VMRUN_CACHE:-/var/cache/vmrun}
PKGS=(
	build-essential make gcc bc bison flex libelf-dev kmod cpio
	qemu-system-x86 qemu-system-arm qemu-utils
	bochs bochsbios vgabios seabios
	linux-source-6.1 libc6-dev-arm64-cross
	busybox-static isolinux syslinux-common syslinux extlinux xorriso mtools dosfstools
	gcc-aarch64-linux-gnu dkms bats
	libnl-3-dev libnl-genl-3-dev libnl-route-3-dev libfdt-dev
)

log() { [ -n "${VERBOSE:-}" ] && echo "install-deps: $*" >&2; return 0; }
die() { echo "install-deps: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (apt-get and dpkg need it)"

export DEBIAN_FRONTEND=noninteractive
APT_Q=(-y -q -o Dpkg::Use-Pty=0 -o APT::Install-Recommends=false)

updated=
apt_update() {
	[ -n "$updated" ] && return 0
	log "apt-get update"
	apt-get -q update >/dev/null
	updated=1
}

# --- bookworm-backports, same mirror as the machine's bookworm entry ---
add_backports() {
	local src=/etc/apt/sources.list.d/vmrun-backports.sources uri
	[ -e "$src" ] && return 0
	if grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		return 0
	fi
	uri=$(awk '/^URIs:/ && !/security/ {print $2; exit}' \
		/etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
	if [ -z "$uri" ]; then
		uri=$(awk '$1=="deb" && $3=="bookworm" {print $2; exit}' \
			/etc/apt/sources.list 2>/dev/null || true)
	fi
	[ -n "$uri" ] || die "cannot find the bookworm mirror in the apt sources"
	cat >"$src" <<SRC
Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	updated=
}

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

add_backports
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	dpkg --add-architecture arm64
	updated=
fi

if [ "${#missing[@]}" -gt 0 ]; then
	apt_update
	log "installing ${missing[*]}"
	apt-get install "${APT_Q[@]}" "${missing[@]}" >/dev/null
fi

# Newest versioned package of a name pattern (extended regex) that apt knows.
newest_pkg() {
	apt-cache search --names-only "$1" | awk '{print $1}' | sort -V | tail -n1
}

# --- the testbeds' kernel: bookworm's 6.1, image and headers ---
# Versioned names, not the linux-*-amd64 metapackages: those would follow
# backports to 6.12 and leave 6.1 to autoremove.
if ! ls -d /usr/src/linux-headers-6.1.0-*-amd64 >/dev/null 2>&1 ||
   ! ls /boot/vmlinuz-6.1.0-*-amd64 >/dev/null 2>&1; then
	apt_update
	ver=$(newest_pkg '^linux-image-6\.1\.0-[0-9]+-amd64$' | sed 's/^linux-image-//')
	[ -n "$ver" ] || die "no linux-image-6.1.0-*-amd64 in the apt sources"
	log "installing kernel $ver"
	apt-get install "${APT_Q[@]}" "linux-image-$ver" "linux-headers-$ver" >/dev/null
fi

# --- 6.12 headers from bookworm-backports (for the second W=1 build) ---
if ! ls -d /usr/src/linux-headers-6.12.*-amd64 >/dev/null 2>&1; then
	apt_update
	pkg=$(newest_pkg '^linux-headers-6\.12\.[0-9.]+\+deb12-amd64$')
	[ -n "$pkg" ] || die "no 6.12 headers in bookworm-backports"
	log "installing $pkg from bookworm-backports"
	apt-get install "${APT_Q[@]}" -t bookworm-backports "$pkg" >/dev/null
fi

# --- arm64 kernel, headers and busybox, unpacked as files ---
# The version is the arm64 twin of the installed amd64 6.1 kernel.
ver61=$(ls -d /usr/src/linux-headers-6.1.0-*-amd64 2>/dev/null | sort -V | tail -n1 |
	sed 's,.*/linux-headers-,,; s,-amd64$,,')
[ -n "$ver61" ] || die "no 6.1 amd64 headers found after install"
A64=$CACHE/arm64
if [ ! -e "$A64/.done-$ver61" ]; then
	apt_update
	log "unpacking arm64 $ver61 kernel and headers into $A64"
	rm -rf "$A64"
	mkdir -p "$A64/debs"
	# -o APT::Sandbox::User=root: the _apt user cannot write into our cache
	(cd "$A64/debs" && apt-get -q -o APT::Sandbox::User=root download \
		"linux-image-$ver61-arm64:arm64" \
		"linux-headers-$ver61-arm64:arm64" \
		busybox-static:arm64 >/dev/null)
	for d in "$A64"/debs/*.deb; do dpkg -x "$d" "$A64/root"; done
	# The arm64 headers' scripts/ and tools/ point at the host's kbuild and
	# common headers by relative links; give them something to point at.
	mkdir -p "$A64/root/usr/lib" "$A64/root/usr/src"
	ln -sfn /usr/lib/linux-kbuild-6.1 "$A64/root/usr/lib/linux-kbuild-6.1"
	ln -sfn "/usr/src/linux-headers-$ver61-common" \
		"$A64/root/usr/src/linux-headers-$ver61-common"
	rm -rf "$A64/debs"
	touch "$A64/.done-$ver61"
fi

# --- from linux-source-6.1: the KVM ABI spec, the KVM selftests, checkpatch ---
SRC61=$CACHE/linux-source-6.1
if [ ! -e "$SRC61/.done-2" ]; then
	tarball=$(ls /usr/src/linux-source-6.1.tar.* 2>/dev/null | head -n1)
	if [ -n "$tarball" ]; then
		log "unpacking kernel docs and KVM selftests from $tarball"
		rm -rf "$SRC61"
		mkdir -p "$SRC61"
		tar -C "$SRC61" --strip-components=1 -xf "$tarball" \
			--wildcards '*/Documentation/virt/kvm' '*/tools/testing/selftests/kvm' \
			'*/tools/testing/selftests/kselftest*' '*/include/uapi/linux/kvm.h' \
			'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
			'*/scripts/const_structs.checkpatch'
		touch "$SRC61/.done-2"
	fi
fi
exit 0
