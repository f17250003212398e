# Raspberry Pi boards (boards/rpi3, boards/rpi4): the board's own DTB, boot modules written into a
# DTB, the SD card, JTAG debugging. Everything here is keyed on board.mk variables, so another
# board with the same needs only sets them.
#   make BOARD=rpi3 run            Skiff and the demo guests on QEMU -M raspi3b (VMS=... as usual)
#   make BOARD=rpi4 sdcard         build/rpi4/sdcard/skiff-rpi4.img (VMS=demo), to dd/bmaptool
#   make BOARD=rpi4 debug-board    OpenOCD on a JTAG probe + gdb-multiarch on skiff.elf
#   make check-openocd             every board's openocd.cfg parses (dummy adapter, no init)
# Outputs in build/<board>/: board.dtb, vms/<config>.{dtb,args}, sdcard/ (see README "Raspberry Pi").

RPI_DEPS := $(SKIFF_DEPS)/rpi
RPI_SETUP := $(RPI_DEPS)/.ok-$(BOARD)

.PHONY: sdcard debug-board check-openocd rpi-setup
rpi-setup: $(RPI_SETUP)
# The kernel package's DTB only where the board has no DTB of its own.
$(RPI_SETUP): tools/setup-rpi.sh | $(SETUP)
	bash tools/setup-rpi.sh $(if $(BOARD_DTS),,$(BOARD_FIRMWARE_DTB))
	@touch $@

# ---- The board's own DTB (where no firmware passes one: QEMU raspi3b) ----
# The unit tests parse the Pi 3's too (tests/unit/dts/rpi3-board.dts includes it).
build/unit/dts/rpi3-board.dtb: dts/boards/rpi3.dts

ifneq ($(BOARD_DTS),)
all: $(B)/board.dtb
# -q: the Linux layout (a "soc" bus with ranges but no unit address) draws dtc warnings.
$(B)/board.dtb: $(BOARD_DTS) | $(SETUP)
	@mkdir -p $(@D)
	dtc -q -I dts -O dtb -o $@ $<

# The board DTB plus /chosen/module@ nodes for VM config <config> and its guests, and the QEMU
# -device loader arguments that put the files there (tools/boot-modules.py).
$(B)/vms/%.dtb $(B)/vms/%.args: build/dts/%.dtb $(B)/board.dtb $(GUEST_ELFS) tools/boot-modules.py \
		tools/guest-args.py
	@mkdir -p $(@D)
	python3 tools/boot-modules.py $< --base $(BOARD_MODULE_BASE) --ram-end $(BOARD_MODULE_END) \
		--board-dtb $(B)/board.dtb --dtb $(B)/vms/$*.dtb --qemu-args $(B)/vms/$*.args
endif

# ---- SD card ----
ifneq ($(BOARD_UBOOT),)
# The demo's card in sdcard/, another config's in sdcard-<config>/ (the tests use test-selftest).
SD := $(B)/sdcard$(if $(filter demo,$(VMS)),,-$(VMS))
SD_IMG := $(SD)/skiff-$(BOARD).img
UBOOT_RPI := $(RPI_DEPS)/u-boot/$(BOARD_UBOOT)/u-boot.bin
RPI_FIRMWARE_DIR := $(RPI_DEPS)/firmware
# Debian's rpi U-Boot keeps its environment in uboot.env on the boot partition (ENV_IS_IN_FAT,
# ENV_SIZE 0x4000, not redundant: its configs in /usr/share/doc/u-boot-rpi/configs/).
# Changed from U-Boot's defaults: no autoboot wait, and no `usb start` before it (2.5 s under
# QEMU; only a USB keyboard at U-Boot's prompt misses it: type `usb start`).
RPI_UBOOT_ENV_SIZE := 0x4000
RPI_UBOOT_ENV_CHANGES := bootdelay=0 preboot=

sdcard: $(SD_IMG)
	@echo "sdcard: $(SD_IMG) ($$(stat -c %s $(SD_IMG)) bytes): see README, Raspberry Pi"

# The DTB the firmware loads and fills in (memory size, serial number, ...): ours on the Pi 3, the
# one Debian's arm64 kernel package ships on the Pi 4.
SD_DTB_SRC := $(if $(BOARD_DTS),$(B)/board.dtb,$(RPI_DEPS)/dtbs/$(BOARD_FIRMWARE_DTB))
$(RPI_DEPS)/dtbs/$(BOARD_FIRMWARE_DTB): $(RPI_SETUP)
$(SD)/files/$(BOARD_FIRMWARE_DTB): $(SD_DTB_SRC)
	@mkdir -p $(@D)
	cp $< $@

$(SD)/files/config.txt: boards/$(BOARD)/config.txt
	@mkdir -p $(@D)
	cp $< $@

# The VM config's guests and Skiff in one U-Boot legacy multi-file image (Debian's rpi U-Boot has
# no FIT support, see README), and the script lines that unpack it.
$(SD)/files/skiff.img $(SD)/boot-modules.cmd &: build/dts/$(VMS).dtb $(B)/skiff.bin $(GUEST_ELFS) \
		tools/boot-modules.py tools/guest-args.py
	@mkdir -p $(SD)/files
	python3 tools/boot-modules.py $< --base $(BOARD_MODULE_BASE) --ram-end $(BOARD_MODULE_END) \
		--skiff $(B)/skiff.bin --uimage $(SD)/files/skiff.img \
		--uboot-script $(SD)/boot-modules.cmd --skiff-addr $(BOARD_LINK_ADDR)

$(SD)/boot.cmd: boards/rpi-boot.cmd $(SD)/boot-modules.cmd boards/$(BOARD)/board.mk
	sed -e 's|@BOARD@|$(BOARD)|g' -e 's|@BOARD_DTB@|$(BOARD_FIRMWARE_DTB)|g' \
		-e 's|@SKIFF_ADDR@|$(BOARD_LINK_ADDR)|g' -e '/@BOOT_MODULES@/r $(SD)/boot-modules.cmd' \
		-e '/@BOOT_MODULES@/d' $< > $@
$(SD)/files/boot.scr: $(SD)/boot.cmd | $(SETUP)
	mkimage -A arm64 -O linux -T script -C none -n "Skiff boot script" -d $< $@ > /dev/null

$(SD)/files/u-boot.bin: $(RPI_SETUP)
	@mkdir -p $(@D)
	cp $(UBOOT_RPI) $@
$(SD)/env.txt: $(RPI_SETUP) tools/uboot-env.py mk/rpi.mk
	@mkdir -p $(@D)
	python3 tools/uboot-env.py $(UBOOT_RPI) $@ $(RPI_UBOOT_ENV_CHANGES)
$(SD)/files/uboot.env: $(SD)/env.txt
	mkenvimage -s $(RPI_UBOOT_ENV_SIZE) -o $@ $<

SD_FILES := $(addprefix $(SD)/files/,$(BOARD_FIRMWARE) config.txt u-boot.bin uboot.env boot.scr \
	skiff.img $(BOARD_FIRMWARE_DTB))
$(addprefix $(SD)/files/,$(BOARD_FIRMWARE)): $(RPI_SETUP)
	@mkdir -p $(@D)
	cp $(RPI_FIRMWARE_DIR)/$(@F) $@

# SHA256SUMS lets a flashed card be checked on any host (sha256sum -c, in the mounted partition).
$(SD)/files/SHA256SUMS: $(filter-out %/SHA256SUMS,$(SD_FILES))
	cd $(SD)/files && sha256sum $(notdir $^) > SHA256SUMS
# Padded to a power of two: QEMU's SD card model takes no other size, and this is the file the
# U-Boot test boots (the partition ends where mkdisk.py put it).
$(SD_IMG): $(SD_FILES) $(SD)/files/SHA256SUMS tools/mkdisk.py mk/rpi.mk
	python3 tools/mkdisk.py $@.tmp $(SD_FILES) $(SD)/files/SHA256SUMS
	size=$$(stat -c %s $@.tmp); p=1048576; while [ $$p -lt $$size ]; do p=$$((p * 2)); done; \
		truncate -s $$p $@.tmp && mv $@.tmp $@
endif

# ---- JTAG: OpenOCD and gdb ----
# The probe: any OpenOCD interface file (OPENOCD_INTERFACE=interface/ftdi/...cfg for an FT2232H
# probe); boards/<board>/openocd.cfg selects JTAG and the SoC. gdb attaches to core 0 (port 3333).
OPENOCD_INTERFACE ?= interface/cmsis-dap.cfg
OPENOCD_GDB_PORT := 3333
ifneq ($(BOARD_OPENOCD),)
debug-board: $(B)/skiff.elf
	@echo "skiff: OpenOCD with $(OPENOCD_INTERFACE) + $(BOARD_OPENOCD); gdb on :$(OPENOCD_GDB_PORT)"
	@openocd -f $(OPENOCD_INTERFACE) -f $(BOARD_OPENOCD) > $(B)/openocd.log 2>&1 & \
	ocd=$$!; sleep 1; kill -0 $$ocd 2>/dev/null || { cat $(B)/openocd.log; exit 1; }; \
	gdb-multiarch -q $(B)/skiff.elf -ex 'target extended-remote 127.0.0.1:$(OPENOCD_GDB_PORT)' \
		-ex 'break panic_at'; kill $$ocd 2>/dev/null || true
endif

check-openocd: | $(SETUP)
	@for cfg in $(wildcard boards/*/openocd.cfg); do \
		echo "  OPENOCD $$cfg"; \
		openocd -c 'adapter driver dummy' -f $$cfg -c shutdown > build/openocd-check.log 2>&1 || \
			{ cat build/openocd-check.log; echo "check-openocd: $$cfg does not parse"; exit 1; }; \
	done

# ---- What the Raspberry Pi tests use (tests/qemu/test_rpi3.py, test_rpi_images.py) ----
# `make test` on another board also builds the rpi3 image, its DTBs with the test configs'
# modules and SD card (test-selftest), and the rpi4 image and SD card: sub-makes, after the
# guests (which they share) are built.
RPI_TEST_BOARDS := rpi3 rpi4
ifeq ($(filter $(BOARD),$(RPI_TEST_BOARDS)),)
.PHONY: rpi-test-files
QEMU_TEST_DEPS += rpi-test-files
rpi-test-files: $(GUEST_ELFS) $(VM_CONFIGS) | $(SETUP)
	@$(MAKE) --no-print-directory BOARD=rpi3 all build/rpi3/vms/demo.dtb \
		build/rpi3/vms/test-selftest.dtb
	@$(MAKE) --no-print-directory BOARD=rpi3 VMS=test-selftest sdcard
	@$(MAKE) --no-print-directory BOARD=rpi4 all sdcard
endif
