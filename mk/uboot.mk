# Booting through real U-Boot, the way a board is flashed: U-Boot's distro boot finds boot.scr on
# the first partition of a virtio disk, which loads a FIT image holding Skiff and its sha256 hash
# and runs `bootm`. An environment in the second flash bank sets bootdelay=0, so nothing waits.
#   make run-uboot        build the disk and boot it under Debian's U-Boot (Ctrl-A X quits)
# Outputs in $(B)/uboot/: skiff.its, skiff.itb (FIT), boot.scr, disk.img, env.txt, flash1.img.

UBOOT_SRC := boards/$(BOARD)/uboot
ifneq ($(wildcard $(UBOOT_SRC)/boot.cmd),)

UBOOT_BIN ?= /usr/lib/u-boot/qemu_arm64/u-boot.bin
UB := $(B)/uboot
# The QEMU virt board's second flash bank (64 MiB) holds U-Boot's environment at its start:
# CONFIG_ENV_ADDR=0x4000000, CONFIG_ENV_SIZE=0x40000 in Debian's qemu_arm64 build.
UBOOT_ENV_SIZE := 0x40000
UBOOT_FLASH_SIZE := 64M
UBOOT_ENV_CHANGES := bootdelay=0

# The .its names the image by a path relative to itself (dtc resolves /incbin/ from the source's
# directory), so the build tree can move.
$(UB)/skiff.its: $(UBOOT_SRC)/skiff.its.in boards/$(BOARD)/board.mk
	@mkdir -p $(@D)
	sed -e 's|@SKIFF_BIN@|../skiff.bin|g' -e 's|@LOAD_ADDR@|$(BOARD_LINK_ADDR)|g' \
		-e 's|@BOARD@|$(BOARD)|g' $< > $@
$(UB)/skiff.itb: $(UB)/skiff.its $(B)/skiff.bin | $(SETUP)
	mkimage -f $< $@ > /dev/null
$(UB)/boot.scr: $(UBOOT_SRC)/boot.cmd | $(SETUP)
	@mkdir -p $(@D)
	mkimage -A arm64 -O linux -T script -C none -n "Skiff boot script" -d $< $@ > /dev/null
$(UB)/disk.img: $(UB)/boot.scr $(UB)/skiff.itb tools/mkdisk.py
	python3 tools/mkdisk.py $@ $(UB)/boot.scr $(UB)/skiff.itb

$(UB)/env.txt: $(UBOOT_BIN) tools/uboot-env.py $(lastword $(MAKEFILE_LIST)) | $(SETUP)
	@mkdir -p $(@D)
	python3 tools/uboot-env.py $< $@ $(UBOOT_ENV_CHANGES)
$(UB)/flash1.img: $(UB)/env.txt
	mkenvimage -s $(UBOOT_ENV_SIZE) -o $(UB)/env.bin $<
	rm -f $@.tmp && truncate -s $(UBOOT_FLASH_SIZE) $@.tmp
	dd if=$(UB)/env.bin of=$@.tmp conv=notrunc status=none && mv $@.tmp $@

# The environment is data we build, so QEMU gets the flash read-only (a `saveenv` cannot change
# it behind make's back, and several QEMUs may share it).
UBOOT_QEMU_ARGS := -bios $(UBOOT_BIN) \
	-drive if=pflash,format=raw,unit=1,readonly=on,file=$(UB)/flash1.img \
	-drive if=none,file=$(UB)/disk.img,format=raw,id=d -device virtio-blk-device,drive=d

run-uboot: $(UB)/disk.img $(UB)/flash1.img
	$(QEMU) $(QEMU_MACHINE) -nographic -no-reboot $(UBOOT_QEMU_ARGS)

QEMU_TEST_DEPS += $(UB)/disk.img $(UB)/flash1.img

endif
