# Booting through real U-Boot, the way a board is flashed: U-Boot's distro boot finds boot.scr on
# the first partition of a virtio disk; it loads a FIT image holding Skiff, a VM config and the
# guest images it names (each with a sha256 hash), describes the config and images as
# /chosen/module nodes in the DTB, and runs `bootm`, which copies each to its load address.
# An environment in the second flash bank sets bootdelay=0, so nothing waits.
#   make run-uboot                  Skiff and the demo VMs under Debian's U-Boot (Ctrl-A X quits)
#   make run-uboot VMS=<config>     another config from dts/, as `make run VMS=...`
# Outputs in $(B)/uboot/: boot.scr, env.txt, flash1.img; per config in $(B)/uboot/<config>/:
# skiff.its and chosen.cmd (tools/uboot-fit.py), skiff.itb (the FIT), disk.img.

UBOOT_SRC := boards/$(BOARD)/uboot
ifneq ($(wildcard $(UBOOT_SRC)/boot.cmd),)

UBOOT_BIN ?= /usr/lib/u-boot/qemu_arm64/u-boot.bin
UB := $(B)/uboot
# The QEMU virt board's second flash bank (64 MiB) holds U-Boot's environment at its start:
# CONFIG_ENV_ADDR=0x4000000, CONFIG_ENV_SIZE=0x40000 in Debian's qemu_arm64 build.
UBOOT_ENV_SIZE := 0x40000
UBOOT_FLASH_SIZE := 64M
UBOOT_ENV_CHANGES := bootdelay=0
# Configs the QEMU tests boot through U-Boot (tests/qemu/test_uboot.py), and the one to run.
UBOOT_TEST_CONFIGS := demo test-selftest
UBOOT_CONFIGS := $(sort $(UBOOT_TEST_CONFIGS) $(VMS))

$(UB)/boot.scr: $(UBOOT_SRC)/boot.cmd | $(SETUP)
	@mkdir -p $(@D)
	mkimage -A arm64 -O linux -T script -C none -n "Skiff boot script" -d $< $@ > /dev/null

# One FIT and disk per config. The generator writes $(UB)/<config>/skiff.d naming the images
# it read, so a rebuilt guest rebuilds the FITs that carry it (the Makefile includes build/**.d);
# `guests` comes first so that every image exists when it runs.
define uboot_config_rule
$(UB)/$(1)/skiff.its $(UB)/$(1)/chosen.cmd &: build/dts/$(1).dtb $(UBOOT_SRC)/skiff.its.in \
		tools/uboot-fit.py tools/guest-args.py boards/$(BOARD)/board.mk | guests
	python3 tools/uboot-fit.py --template $(UBOOT_SRC)/skiff.its.in --skiff $(B)/skiff.bin \
		--load-addr $(BOARD_LINK_ADDR) --board $(BOARD) $$< $(UB)/$(1)
$(UB)/$(1)/skiff.itb: $(UB)/$(1)/skiff.its $(UB)/$(1)/chosen.cmd $(B)/skiff.bin | $(SETUP)
	mkimage -f $$< $$@ > /dev/null
$(UB)/$(1)/disk.img: $(UB)/boot.scr $(UB)/$(1)/skiff.itb tools/mkdisk.py
	python3 tools/mkdisk.py $$@ $(UB)/boot.scr $(UB)/$(1)/skiff.itb
endef
$(foreach c,$(UBOOT_CONFIGS),$(eval $(call uboot_config_rule,$(c))))

$(UB)/env.txt: $(UBOOT_BIN) tools/uboot-env.py $(lastword $(MAKEFILE_LIST)) | $(SETUP)
	@mkdir -p $(@D)
	python3 tools/uboot-env.py $< $@ $(UBOOT_ENV_CHANGES)
$(UB)/flash1.img: $(UB)/env.txt
	mkenvimage -s $(UBOOT_ENV_SIZE) -o $(UB)/env.bin $<
	rm -f $@.tmp && truncate -s $(UBOOT_FLASH_SIZE) $@.tmp
	dd if=$(UB)/env.bin of=$@.tmp conv=notrunc status=none && mv $@.tmp $@

# The environment is data we build, so QEMU gets the flash read-only (a `saveenv` cannot change
# it behind make's back, and several QEMUs may share it).
UBOOT_QEMU_ARGS = -bios $(UBOOT_BIN) \
	-drive if=pflash,format=raw,unit=1,readonly=on,file=$(UB)/flash1.img \
	-drive if=none,file=$(UB)/$(VMS)/disk.img,format=raw,id=d -device virtio-blk-device,drive=d

run-uboot: $(UB)/$(VMS)/disk.img $(UB)/flash1.img
	$(QEMU) $(QEMU_MACHINE) -nographic -no-reboot $(UBOOT_QEMU_ARGS)

QEMU_TEST_DEPS += $(patsubst %,$(UB)/%/disk.img,$(UBOOT_TEST_CONFIGS)) $(UB)/flash1.img

endif
