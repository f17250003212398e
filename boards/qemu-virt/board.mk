# QEMU virt: RAM at 0x40000000; QEMU's -kernel puts an Image at RAM + 2 MiB (text_offset 0).
BOARD_LINK_ADDR := 0x40200000
BOARD_SRCS := boards/qemu-virt/board.c
GIC ?= 3
QEMU_MEM ?= 1G
QEMU_MACHINE := -M virt,virtualization=on,gic-version=$(GIC) -cpu cortex-a57 -m $(QEMU_MEM)
