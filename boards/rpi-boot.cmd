# Skiff boot script for a Raspberry Pi SD card (board @BOARD@): U-Boot's distro boot finds it as
# /boot.scr on the FAT partition and runs it. mk/rpi.mk fills in the names in at-signs, and the
# lines tools/boot-modules.py generates replace the marker line below.
#
# Debian's rpi U-Boot has no FIT support, so Skiff and its boot modules (VM config, guest images)
# come as one legacy multi-file image, skiff.img, whose CRC32 iminfo checks before anything is
# unpacked. Skiff goes to @SKIFF_ADDR@ (where booti would move it), each module to its address,
# and each module gets a /chosen/module node in the DTB, as QEMU's guest-loader would write it.
#
# The DTB: the firmware's (it loaded @BOARD_DTB@ from this partition and filled in the memory
# size), copied where it can grow. Without firmware (QEMU) there is none: the file itself.
#
# This U-Boot shell has no working exit in scripts, and takes an apostrophe in double quotes
# for a quote: every step runs only while skiff_bad is empty, and the first failure sets it.
setenv skiff_part "${devtype} ${devnum}:${distro_bootpart}"
setenv skiff_img ${ramdisk_addr_r}
setenv skiff_fdt ${fdt_addr_r}
setenv skiff_bad
echo "Skiff: loading ${prefix}skiff.img from ${skiff_part}"
load ${devtype} ${devnum}:${distro_bootpart} ${skiff_img} ${prefix}skiff.img || setenv skiff_bad "cannot read ${prefix}skiff.img"
test -n "${skiff_bad}" || iminfo ${skiff_img} || setenv skiff_bad "${prefix}skiff.img is damaged (bad checksum)"
if test -z "${skiff_bad}" && test -n "${fdt_addr}"; then
	echo "Skiff: using the DTB from the firmware at ${fdt_addr}"
	fdt addr ${fdt_addr} || setenv skiff_bad "the DTB from the firmware is not valid"
	test -n "${skiff_bad}" || fdt move ${fdt_addr} ${skiff_fdt} 0x20000 || setenv skiff_bad "cannot copy the DTB from the firmware"
elif test -z "${skiff_bad}"; then
	echo "Skiff: no DTB from the firmware, loading ${prefix}@BOARD_DTB@"
	load ${devtype} ${devnum}:${distro_bootpart} ${skiff_fdt} ${prefix}@BOARD_DTB@ || setenv skiff_bad "cannot read ${prefix}@BOARD_DTB@"
fi
@BOOT_MODULES@
test -n "${skiff_bad}" || booti @SKIFF_ADDR@ - ${skiff_fdt}
test -n "${skiff_bad}" || setenv skiff_bad "booti returned"
echo "Skiff: not booting ${prefix}skiff.img from ${skiff_part}: ${skiff_bad}"
