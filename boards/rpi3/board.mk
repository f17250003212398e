# Raspberry Pi 3 Model B/B+ (BCM2837): board.c, and dts/boards/rpi3.dts where no firmware passes
# a DTB (QEMU -M raspi3b). U-Boot's booti and QEMU's -kernel both put an Image at RAM + 2 MiB
# (text_offset 0): linked there, Skiff runs where gdb's symbols say.
BOARD_LINK_ADDR := 0x200000
BOARD_SRCS := boards/rpi3/board.c
BOARD_DTS := dts/boards/rpi3.dts
# Boot modules (VM config, guests) go from 256 MiB up, clear of Skiff, the DTB QEMU places at
# 128 MiB and U-Boot at the top of RAM; RAM ends where the VideoCore's share begins.
BOARD_MODULE_BASE := 0x10000000
BOARD_MODULE_END := 0x3b400000

# SD card (mk/rpi.mk): Debian's u-boot-rpi build, the firmware files the boot ROM and the GPU
# read, our DTB under the name the firmware loads with upstream_kernel=1.
BOARD_UBOOT := rpi_3
BOARD_FIRMWARE := bootcode.bin start.elf fixup.dat
BOARD_FIRMWARE_DTB := bcm2837-rpi-3-b.dtb
BOARD_OPENOCD := boards/rpi3/openocd.cfg

# QEMU: -M raspi3b enters an Image at EL2 with the DTB given by -dtb. There is no PSCI, so Skiff
# ends the run with semihosting (board.c); the console is the mini UART, QEMU's second serial.
QEMU_MACHINE := -M raspi3b -semihosting-config enable=on,target=native
QEMU_SERIAL_PRE := -serial null
QEMU_DTB_ARGS = -dtb $(B)/board.dtb
# The VM config's modules: no guest-loader here (it edits a DTB QEMU makes, and raspi3b makes
# none), so mk/rpi.mk writes them into the board DTB and QEMU's generic loader copies the files.
QEMU_GUEST_ARGS = -dtb $(B)/vms/$(VMS).dtb $$(cat $(B)/vms/$(VMS).args)
QEMU_RUN_DEPS = $(B)/vms/$(VMS).dtb
