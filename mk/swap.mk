# The swap disk a board's QEMU line attaches (SWAP_IMG and QEMU_DISK_ARGS in its board.mk; only
# qemu-virt has virtio): a sparse raw file of SWAP_SIZE, made if missing and kept afterwards, so
# what the hypervisor wrote is still there next run. Delete it for a blank disk.
SWAP_SIZE ?= 256M

ifneq ($(SWAP_IMG),)
$(SWAP_IMG):
	@mkdir -p $(@D)
	truncate -s $(SWAP_SIZE) $@
endif
