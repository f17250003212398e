# pv-guest: the guest library, the guests built with it and the VM configs that name them.
#   build/guests/<name>.elf   one per directory with a main.c under pv-guest/demos/ or tests/guests/,
#                             and build/guests/root.elf (pv-guest/root/: the root partition)
#   build/dts/<name>.dtb      one per dts/<name>.dts (docs/vm-config.md)
#   make test-pvguest-host    the library's pure TEST()s on the host, under ASan/UBSan
# A guest directory's *.c files are its sources; every guest links pv-guest/pv-guest.ld (IPA
# 0x40000000, static, not PIE) and the library archive. QEMU arguments that load a config and its
# images: $(call skiff_guest_args,demo) (tools/guest-args.py).

PV := build/pv-guest
PV_INC := -Iinclude -Ipv-guest/include -Ipv-guest/arch/include
PV_CFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -nostdlib -fno-pie -mstrict-align -mno-outline-atomics \
	-fno-stack-protector -fno-tree-loop-distribute-patterns -fno-asynchronous-unwind-tables \
	-ffunction-sections -fdata-sections $(PV_INC) -MMD -MP
PV_ASFLAGS := -g -D__ASSEMBLER__ $(PV_INC) -MMD -MP
PV_LDFLAGS := -static -T pv-guest/pv-guest.ld --gc-sections -z noexecstack -z max-page-size=4096 \
	--build-id=none
PV_LIBGCC = $(shell $(CC) -print-libgcc-file-name)

PV_LIB_SRCS := $(wildcard pv-guest/lib/*.c pv-guest/arch/*.c pv-guest/arch/*.S)
PV_LIB_OBJS := $(patsubst %,$(PV)/obj/%.o,$(PV_LIB_SRCS))
PV_LIB := $(PV)/libpv.a

GUEST_DIRS := $(patsubst %/main.c,%,$(wildcard pv-guest/demos/*/main.c pv-guest/root/main.c \
	tests/guests/*/main.c))
GUEST_NAMES := $(notdir $(GUEST_DIRS))
GUEST_ELFS := $(patsubst %,build/guests/%.elf,$(GUEST_NAMES))
VM_CONFIGS := $(patsubst dts/%.dts,build/dts/%.dtb,$(wildcard dts/*.dts))

ifneq ($(words $(GUEST_NAMES)),$(words $(sort $(GUEST_NAMES))))
$(error two guest directories share a name: $(GUEST_DIRS))
endif

.PHONY: guests test-pvguest-host check-pvguest-headers
all: $(GUEST_ELFS) $(VM_CONFIGS)
guests: $(GUEST_ELFS) $(VM_CONFIGS)
QEMU_TEST_DEPS += $(GUEST_ELFS) $(VM_CONFIGS)
TEST_DEPS += test-pvguest-host check-pvguest-headers

# The ring code moves packets with unaligned loads and stores: rings are used only with the MMU
# on, where guest RAM is Normal memory and those are allowed (lib/ring.c, copy()).
$(PV)/obj/pv-guest/lib/ring.c.o: PV_CFLAGS += -mno-strict-align

$(PV)/obj/%.c.o: %.c mk/pvguest.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(PV_CFLAGS) -c $< -o $@

$(PV)/obj/%.S.o: %.S mk/pvguest.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "  AS      $<"
	@$(CC) $(PV_ASFLAGS) -c $< -o $@

$(PV_LIB): $(PV_LIB_OBJS)
	@rm -f $@
	$(CROSS)ar rcs $@ $^

# build/guests/<name>.elf from the .c files of its directory.
define pv_guest_rule
build/guests/$(notdir $(1)).elf: $(patsubst %,$(PV)/obj/%.o,$(wildcard $(1)/*.c)) $(PV_LIB) \
		pv-guest/pv-guest.ld
	@mkdir -p $$(@D)
	@echo "  LD      $$@"
	@$(LD) $(PV_LDFLAGS) -o $$@ $$(filter %.o,$$^) $(PV_LIB) $$(PV_LIBGCC)
endef
$(foreach d,$(GUEST_DIRS),$(eval $(call pv_guest_rule,$(d))))

build/dts/%.dtb: dts/%.dts | $(SETUP)
	@mkdir -p $(@D)
	dtc -I dts -O dtb -o $@ $<

# QEMU -device arguments loading config dts/$(1).dts and the images it names as boot modules.
skiff_guest_args = $(shell python3 tools/guest-args.py build/dts/$(1).dtb)

# The library's portable parts (formatting, allocator, arguments, test runner) and the selftest's
# pure tests, built for the host with sanitizers.
PV_HOST := build/host/pv-lib-tests
PV_HOST_SRCS := pv-guest/lib/fmt.c pv-guest/lib/alloc.c pv-guest/lib/args.c pv-guest/lib/test.c \
	pv-guest/lib/printf.c pv-guest/lib/spinlock.c tests/guests/selftest/lib_tests.c \
	tests/guests/selftest/host/shim.c
$(PV_HOST): $(PV_HOST_SRCS) $(wildcard pv-guest/include/pv/*.h) | $(SETUP)
	@mkdir -p $(@D)
	gcc -std=gnu11 -O1 -g $(WARN) -fsanitize=address,undefined -fno-sanitize-recover=all \
		-Iinclude -Ipv-guest/include -o $@ $(PV_HOST_SRCS)
test-pvguest-host: $(PV_HOST)
	$(PV_HOST)

# Every pv-guest header compiles on its own (STYLE habit 12); frame.h also as assembly.
PV_HEADERS := $(wildcard pv-guest/include/pv/*.h pv-guest/arch/include/pv/arch/*.h)
check-pvguest-headers: | $(SETUP)
	@echo "  HEADERS $(words $(PV_HEADERS)) pv-guest files"
	@fail=0; for h in $(PV_HEADERS); do \
		inc=$$(echo $$h | sed -e 's|^pv-guest/include/||' -e 's|^pv-guest/arch/include/||'); \
		echo "#include <$$inc>" | $(CC) $(filter-out -MMD -MP,$(PV_CFLAGS)) -fsyntax-only \
			-x c - || { echo "check-pvguest-headers: $$h does not compile alone"; fail=1; }; \
	done; \
	echo "#include <pv/arch/frame.h>" | $(CC) $(filter-out -MMD -MP,$(PV_ASFLAGS)) -x assembler-with-cpp -c - \
		-o /dev/null || { echo "check-pvguest-headers: frame.h does not assemble"; fail=1; }; \
	exit $$fail
