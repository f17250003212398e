#!/usr/bin/env bash
# Installs what building, running and testing Skiff needs on Debian 12, and nothing else.
# Idempotent: checks every tool first, runs `apt-get update` at most once, installs only what is
# missing. Called by the Makefile (via build/.setup-ok) and by .ci/run, so a fresh machine needs no
# manual step.
set -euo pipefail

# Debian package that provides each command (or file) we depend on.
declare -A need=(
  [aarch64-linux-gnu-gcc]=gcc-aarch64-linux-gnu
  [qemu-system-aarch64]=qemu-system-arm
  [dtc]=device-tree-compiler
  [mkimage]=u-boot-tools
  [mkenvimage]=u-boot-tools
  [gdb-multiarch]=gdb-multiarch
  [openocd]=openocd
  [mcopy]=mtools
  [mkfs.vfat]=dosfstools
  [pytest-3]=python3-pytest
  [clang-format]=clang-format
  [ctags]=universal-ctags
  [make]=make
  [gcc]=gcc
)
declare -A need_file=(
  [/usr/lib/u-boot/qemu_arm64/u-boot.bin]=u-boot-qemu
  [/usr/include/cmocka.h]=libcmocka-dev
  [/usr/include/libfdt.h]=libfdt-dev
  [/usr/lib/python3/dist-packages/pexpect/__init__.py]=python3-pexpect
)

# The arm64 libfdt.a (linked into the EL2 image) cannot be installed next to the host libfdt-dev
# (the two packages conflict), so its .deb is fetched by name and unpacked into a private folder.
FDT_ARM64_DIR=${SKIFF_DEPS:-/opt/skiff-deps}/libfdt-arm64
FDT_ARM64_LIB=$FDT_ARM64_DIR/usr/lib/aarch64-linux-gnu/libfdt.a

missing=()
for cmd in "${!need[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${need[$cmd]}")
done
for f in "${!need_file[@]}"; do
  [ -e "$f" ] || missing+=("${need_file[$f]}")
done

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

updated=0
apt_update_once() {
  [ $updated = 1 ] && return 0
  as_root apt-get update -q
  updated=1
}

if [ ${#missing[@]} -gt 0 ]; then
  mapfile -t pkgs < <(printf '%s\n' "${missing[@]}" | sort -u)
  echo "setup: installing ${pkgs[*]}"
  apt_update_once
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${pkgs[@]}"
fi

if [ ! -e "$FDT_ARM64_LIB" ]; then
  echo "setup: fetching libfdt-dev:arm64 into $FDT_ARM64_DIR"
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    as_root dpkg --add-architecture arm64
    updated=0
  fi
  apt_update_once
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download -q libfdt-dev:arm64)
  as_root mkdir -p "$FDT_ARM64_DIR"
  as_root dpkg-deb -x "$tmp"/libfdt-dev_*_arm64.deb "$FDT_ARM64_DIR"
  rm -rf "$tmp"
fi
[ -e "$FDT_ARM64_LIB" ] || { echo "setup: $FDT_ARM64_LIB still missing" >&2; exit 1; }
echo "setup: all build and test dependencies present"
