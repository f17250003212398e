# Skiff: one non-recursive Makefile. `make` builds everything; see README.md for the targets.
# Every build and test target first makes sure the Debian packages it needs are installed
# (tools/setup.sh, once per machine, recorded in build/.setup-ok).

BOARD ?= qemu-virt
include boards/$(BOARD)/board.mk

CROSS ?= aarch64-linux-gnu-
CC := $(CROSS)gcc
LD := $(CROSS)ld
OBJCOPY := $(CROSS)objcopy
NM := $(CROSS)nm
QEMU ?= qemu-system-aarch64
PYTEST ?= /usr/bin/python3 -m pytest
SKIFF_DEPS ?= /opt/skiff-deps
FDT_DIR := $(SKIFF_DEPS)/libfdt-arm64/usr
FDT_LIB := $(FDT_DIR)/lib/aarch64-linux-gnu/libfdt.a

B := build/$(BOARD)
SETUP := build/.setup-ok

HYP_SRCS := $(wildcard hyp/*.c hyp/lib/*.c hyp/drivers/*.c)
ARCH_SRCS := $(wildcard arch-arm64/*.c arch-arm64/*.S arch-arm64/gic/*.c arch-arm64/irq/*.c)
SRCS := $(HYP_SRCS) $(ARCH_SRCS) $(BOARD_SRCS)
OBJS := $(patsubst %,$(B)/obj/%.o,$(SRCS))

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla
HYP_CFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -fno-builtin -nostdlib \
	-fno-tree-loop-distribute-patterns -mgeneral-regs-only -mstrict-align -mno-outline-atomics -fpie \
	-fno-stack-protector -fno-omit-frame-pointer \
	-fno-asynchronous-unwind-tables -ffunction-sections -fdata-sections \
	-Ihyp/include -Iinclude -Iarch-arm64/include -I$(FDT_DIR)/include -MMD -MP
ASFLAGS := -g -D__ASSEMBLER__ -Ihyp/include -Iarch-arm64/include \
	-DSKIFF_LINK_ADDR_VALUE=$(BOARD_LINK_ADDR) -MMD -MP
LDFLAGS := -pie --no-dynamic-linker -z norelro -z noexecstack --build-id=none \
	--no-warn-rwx-segments

.PHONY: all setup run run-uboot debug test test-unit test-qemu check-format check-headers \
	format bench clean
all: $(B)/skiff.bin

setup: $(SETUP)
$(SETUP): tools/setup.sh
	bash tools/setup.sh
	@mkdir -p $(@D) && touch $@

$(B)/obj/%.c.o: %.c Makefile | $(SETUP)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(HYP_CFLAGS) -c $< -o $@

$(B)/obj/%.S.o: %.S Makefile | $(SETUP)
	@mkdir -p $(@D)
	@echo "  AS      $<"
	@$(CC) $(ASFLAGS) -c $< -o $@

$(B)/skiff.ld: arch-arm64/skiff.lds | $(SETUP)
	@mkdir -p $(@D)
	$(CC) -E -P -x c -DSKIFF_LINK_ADDR_VALUE=$(BOARD_LINK_ADDR) $< -o $@

# Two links: the second embeds the first's function symbols for crash backtraces. The table
# sits after .text, so no function moves; the cmp below proves it.
$(B)/ksyms0.c: tools/gensyms.py
	@mkdir -p $(@D)
	: > $(B)/empty.nm && python3 tools/gensyms.py $(B)/empty.nm $@
$(B)/ksyms.c: $(B)/skiff.pass1.elf tools/gensyms.py
	@$(NM) -n $< > $(B)/pass1.nm
	@python3 tools/gensyms.py $(B)/pass1.nm $@
$(B)/%.o: $(B)/%.c
	@echo "  CC      $<"
	@$(CC) $(HYP_CFLAGS) -c $< -o $@

$(B)/skiff.pass1.elf: $(OBJS) $(B)/ksyms0.o $(B)/skiff.ld
	@echo "  LD      $@"
	@$(LD) $(LDFLAGS) -T $(B)/skiff.ld -o $@ $(OBJS) $(B)/ksyms0.o $(FDT_LIB)
$(B)/skiff.elf: $(OBJS) $(B)/ksyms.o $(B)/skiff.ld $(B)/skiff.pass1.elf
	@echo "  LD      $@"
	@$(LD) $(LDFLAGS) -T $(B)/skiff.ld -o $@ $(OBJS) $(B)/ksyms.o $(FDT_LIB)
	@$(NM) -n $(B)/skiff.pass1.elf | grep ' [tT] ' > $(B)/text1.nm
	@$(NM) -n $@ | grep ' [tT] ' > $(B)/text2.nm
	@cmp -s $(B)/text1.nm $(B)/text2.nm || { echo "ksyms: functions moved between links"; exit 1; }
$(B)/skiff.bin: $(B)/skiff.elf
	@$(OBJCOPY) -O binary $< $@
	@echo "skiff: $@ is $$(stat -c %s $@) bytes"

-include $(shell find build -name '*.d' 2>/dev/null)

# ---- Running ----
# A board.mk may add to the QEMU line (none of these is needed on qemu-virt):
#   QEMU_SERIAL_PRE   serial ports before the console's (the console is the next -serial)
#   QEMU_DTB_ARGS     the DTB when QEMU makes none (make debug)
#   QEMU_GUEST_ARGS   how VM config $(VMS) and its guests are loaded (default: QEMU's guest-loader)
#   QEMU_DISK_ARGS    disks (qemu-virt: the hypervisor's swap disk, mk/swap.mk)
#   QEMU_RUN_DEPS     files those arguments need
QEMU_RUN := $(QEMU) $(QEMU_MACHINE) -nographic -no-reboot

# VMS names the VM config (dts/$(VMS).dts) whose guests boot as modules next to Skiff.
VMS ?= demo
QEMU_GUEST_ARGS ?= $$(python3 tools/guest-args.py build/dts/$(VMS).dtb)
run: $(B)/skiff.bin guests $(QEMU_RUN_DEPS)
	$(QEMU_RUN) $(QEMU_SERIAL_PRE) -serial mon:stdio -kernel $(B)/skiff.bin $(QEMU_GUEST_ARGS) \
		$(QEMU_DISK_ARGS)

# QEMU halted at reset with a gdbstub; gdb-multiarch attached with the ELF's symbols. The serial
# console goes to $(B)/console.log (gdb owns the terminal): `tail -f` it from another terminal.
GDB_PORT ?= 1234
debug: $(B)/skiff.bin $(QEMU_RUN_DEPS)
	@echo "skiff: QEMU halted, gdbstub on tcp::$(GDB_PORT); console in $(B)/console.log"
	@$(QEMU) $(QEMU_MACHINE) -display none -monitor none $(QEMU_SERIAL_PRE) \
		-serial file:$(B)/console.log -no-reboot -kernel $(B)/skiff.bin $(QEMU_DTB_ARGS) \
		$(QEMU_DISK_ARGS) -S -gdb tcp:127.0.0.1:$(GDB_PORT) & \
	qemu=$$!; gdb-multiarch -q $(B)/skiff.elf -ex 'target remote 127.0.0.1:$(GDB_PORT)' \
		-ex 'break panic_at'; kill $$qemu 2>/dev/null || true

# ---- Feature fragments (each owns its targets; `test` depends on their test targets) ----
include $(wildcard mk/*.mk)

# ---- Tests (what CI runs) ----
test: $(TEST_DEPS) test-qemu

test-qemu: $(B)/skiff.bin $(QEMU_TEST_DEPS)
	cd tests/qemu && $(PYTEST) -q

clean:
	rm -rf build
