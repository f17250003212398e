# QEMU virt: RAM at 0x40000000; QEMU's -kernel puts an Image at RAM + 2 MiB (text_offset 0).
BOARD_LINK_ADDR := 0x40200000
BOARD_SRCS := boards/qemu-virt/board.c
GIC ?= 3
QEMU_MEM ?= 1G
# Physical CPUs (issue 6): four, as on the Pis (`make run SMP=1` for one); Skiff starts every
# CPU the DTB lists.
SMP ?= 4
QEMU_MACHINE := -M virt,virtualization=on,gic-version=$(GIC) -cpu cortex-a57 -m $(QEMU_MEM) \
	-smp $(SMP)
# The hypervisor's swap disk (docs/virtio-blk.md): make run, run-headless and debug attach
# $(SWAP_IMG), a sparse raw file mk/swap.mk makes once and keeps between runs.
SWAP_IMG := build/swap.img
QEMU_DISK_ARGS = -drive if=none,file=$(SWAP_IMG),format=raw,id=swap \
	-device virtio-blk-device,drive=swap
QEMU_RUN_DEPS = $(SWAP_IMG)
