# Raspberry Pi 4 Model B / 400 / CM4 (BCM2711): board.c; the DTB comes from the firmware
# (bcm2711-rpi-4-b.dtb from Debian's arm64 kernel package, on the SD card). U-Boot's booti puts
# an Image at RAM + 2 MiB (text_offset 0): linked there, Skiff runs where gdb's symbols say.
# QEMU 7.2 has no raspi4b machine: this board builds, makes an SD card and is debugged over JTAG.
BOARD_LINK_ADDR := 0x200000
BOARD_SRCS := boards/rpi4/board.c
# Boot modules from 256 MiB up: clear of Skiff, U-Boot's DTB copy at 38 MiB and U-Boot itself
# near the top of the first GiB; the first RAM range ends below 1 GiB on every Pi 4.
BOARD_MODULE_BASE := 0x10000000
BOARD_MODULE_END := 0x3b400000

BOARD_UBOOT := rpi_4
BOARD_FIRMWARE := start4.elf fixup4.dat
BOARD_FIRMWARE_DTB := bcm2711-rpi-4-b.dtb
BOARD_OPENOCD := boards/rpi4/openocd.cfg
