#!/usr/bin/env bash
# Fetches what a Raspberry Pi SD card and the Pi 3 QEMU tests need, into $SKIFF_DEPS/rpi
# (default /opt/skiff-deps/rpi), and nothing else. Idempotent: each part is fetched once.
#
#   tools/setup-rpi.sh [KERNEL_DTB...]
#
#   u-boot/rpi_3, rpi_4, rpi_arm64/u-boot.bin   Debian's u-boot-rpi (arm64 package, main)
#   firmware/bootcode.bin, start*.elf, fixup*.dat  Debian's raspi-firmware (non-free-firmware)
#   dtbs/KERNEL_DTB                             from Debian's arm64 kernel package (e.g.
#                                               bcm2711-rpi-4-b.dtb: the Pi 4 firmware needs one)
#
# raspi-firmware is in the non-free-firmware component, which this machine's apt sources need not
# list. The system's sources are left alone: apt is pointed at a private state directory whose
# sources list is the system's own Debian archive line (as apt reports it) with non-free-firmware
# as the only component.
set -euo pipefail

DEPS=${SKIFF_DEPS:-/opt/skiff-deps}/rpi
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
tmp=$(mktemp -d)
chmod 755 "$tmp" # apt's download user must be able to write here
trap 'rm -rf "$tmp"' EXIT

# u-boot-rpi and the kernel are arm64 packages of the main archive (setup.sh added arm64).
arm64_ready() {
  dpkg --print-foreign-architectures | grep -qx arm64 && return 0
  as_root dpkg --add-architecture arm64
  as_root apt-get update -q
}

fetch_uboot() {
  [ -e "$DEPS/u-boot/rpi_3/u-boot.bin" ] && [ -e "$DEPS/u-boot/rpi_4/u-boot.bin" ] && return 0
  echo "setup-rpi: fetching u-boot-rpi:arm64"
  arm64_ready
  (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root u-boot-rpi:arm64)
  dpkg-deb -x "$tmp"/u-boot-rpi_*_arm64.deb "$tmp/u-boot"
  as_root mkdir -p "$DEPS/u-boot"
  as_root cp -r "$tmp"/u-boot/usr/lib/u-boot/. "$DEPS/u-boot/"
  as_root cp -r "$tmp"/u-boot/usr/share/doc/u-boot-rpi/configs "$DEPS/u-boot/"
}

# The system's Debian archive as a one-line sources entry with another component: the archive
# URI apt uses for the release's main component (apt-get indextargets), this release's codename.
private_sources_line() {
  local codename site keyring=/usr/share/keyrings/debian-archive-keyring.gpg opts=""
  codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
  site=$(apt-get indextargets --format '$(SITE) $(RELEASE) $(COMPONENT)' |
    awk -v r="$codename" '$2 == r && $3 == "main" { print $1; exit }')
  if [ -z "$site" ]; then
    echo "setup-rpi: no '$codename main' entry in the apt sources to derive $1 from" >&2
    exit 1
  fi
  [ -e "$keyring" ] && opts="[signed-by=$keyring] "
  echo "deb ${opts}${site} ${codename} $1"
}

fetch_firmware() {
  [ -e "$DEPS/firmware/start4.elf" ] && [ -e "$DEPS/firmware/bootcode.bin" ] && return 0
  echo "setup-rpi: fetching raspi-firmware (non-free-firmware) through a private apt state"
  local a="$tmp/apt"
  mkdir -p "$a/lists/partial" "$a/cache/archives/partial" "$a/dl"
  private_sources_line non-free-firmware > "$a/sources.list"
  local apt_opts=(-o "Dir::Etc::SourceList=$a/sources.list" -o "Dir::Etc::SourceParts=$a/none"
    -o "Dir::State::Lists=$a/lists" -o "Dir::Cache=$a/cache" -o "APT::Sandbox::User=root")
  apt-get -q "${apt_opts[@]}" update
  (cd "$a/dl" && apt-get -q "${apt_opts[@]}" download raspi-firmware)
  dpkg-deb -x "$a"/dl/raspi-firmware_*.deb "$tmp/fw"
  as_root mkdir -p "$DEPS/firmware"
  as_root cp "$tmp"/fw/usr/lib/raspi-firmware/* "$DEPS/firmware/"
  as_root cp "$tmp"/fw/usr/share/doc/raspi-firmware/copyright "$DEPS/firmware/COPYRIGHT"
}

# A DTB from the kernel package linux-image-arm64 currently depends on (about 60 MB; only the
# DTBs asked for are kept).
fetch_kernel_dtbs() {
  local missing=() dtb
  for dtb in "$@"; do [ -e "$DEPS/dtbs/$dtb" ] || missing+=("$dtb"); done
  [ ${#missing[@]} = 0 ] && return 0
  arm64_ready
  local kpkg
  kpkg=$(apt-cache depends linux-image-arm64:arm64 |
    awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
  [ -n "$kpkg" ] || { echo "setup-rpi: cannot tell which kernel linux-image-arm64 means" >&2; exit 1; }
  echo "setup-rpi: fetching $kpkg for ${missing[*]}"
  (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$kpkg")
  local patterns=()
  for dtb in "${missing[@]}"; do patterns+=("./usr/lib/linux-image-*/broadcom/$dtb"); done
  dpkg-deb --fsys-tarfile "$tmp"/linux-image-*.deb |
    tar -x -C "$tmp" --wildcards "${patterns[@]}"
  as_root mkdir -p "$DEPS/dtbs"
  for dtb in "${missing[@]}"; do
    as_root cp "$tmp"/usr/lib/linux-image-*/broadcom/"$dtb" "$DEPS/dtbs/$dtb"
  done
  echo "${kpkg%:arm64}" | as_root tee "$DEPS/dtbs/FROM" > /dev/null
}

fetch_uboot
fetch_firmware
fetch_kernel_dtbs "$@"
echo "setup-rpi: U-Boot, firmware${1:+ and $*} present in $DEPS"
