# Host-side checks (STYLE habits 1, 12, 13), all part of `make test`:
#   make test-unit       the portable core built for the host with ASan and UBSan, linked against
#                        the fake arch (tests/fake-arch/), every tests/unit/test_*.c run by cmocka
#   make check-format    clang-format --dry-run --Werror over every C source and header
#   make check-headers   every header compiles on its own
#   make format          reformats every C source and header in place
# Outputs in build/unit/: one program per test file, the test DTBs (tests/unit/dts/*.dts).

HOSTCC ?= gcc
U := build/unit

# The whole portable core goes into every test program, object by object rather than from an
# archive, so a call from any hyp/ file past the arch seam fails the link. Left out: hyp/lib/ (the
# host C library stands in) and ksyms.c (it reads linker-script symbols and a generated table).
# Arch headers the portable core includes (<arch/...>) come from tests/fake-arch/include/.
# Test doubles every program may use: the fake arch, support.c, and fake_virtio.c (a virtio-blk
# device on the fake arch's MMIO hooks, for the drivers in hyp/drivers/).
UNIT_CORE_SRCS := $(filter-out hyp/ksyms.c,$(wildcard hyp/*.c hyp/drivers/*.c)) $(BOARD_SRCS)
UNIT_FAKE_SRCS := $(wildcard tests/fake-arch/*.c) tests/unit/support.c tests/unit/fake_virtio.c
UNIT_LINK_OBJS := $(patsubst %,$(U)/obj/%.o,$(UNIT_CORE_SRCS) $(UNIT_FAKE_SRCS))
UNIT_TESTS := $(patsubst tests/unit/%.c,$(U)/%,$(wildcard tests/unit/test_*.c))
UNIT_DTBS := $(patsubst tests/unit/dts/%.dts,$(U)/dts/%.dtb,$(wildcard tests/unit/dts/*.dts))

# -fno-builtin as in the EL2 build: the compiler must not answer snprintf or memcpy calls itself.
UNIT_CFLAGS := -std=gnu11 -g -O1 $(WARN) -fno-builtin -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer -Ihyp/include -Iinclude \
	-Itests/fake-arch/include -DUNIT_DTB_DIR='"$(abspath $(U)/dts)"' -MMD -MP
# The core's symbols stay inside each test program: the hypervisor's snprintf or sched_yield must
# not replace the C library's for cmocka or the sanitizer runtimes, which call them too.
UNIT_CORE_OBJS := $(patsubst %,$(U)/obj/%.o,$(UNIT_CORE_SRCS))
$(UNIT_CORE_OBJS): UNIT_CFLAGS += -fvisibility=hidden
UNIT_LDFLAGS := -fsanitize=address,undefined
UNIT_LIBS := -lcmocka -lfdt
UNIT_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1
UNIT_TIMEOUT := 300

.SECONDARY: $(UNIT_LINK_OBJS) $(patsubst $(U)/%,$(U)/obj/tests/unit/%.c.o,$(UNIT_TESTS))

$(U)/obj/%.c.o: %.c mk/unit.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "  HOSTCC  $<"
	@$(HOSTCC) $(UNIT_CFLAGS) -c $< -o $@

$(U)/test_%: $(U)/obj/tests/unit/test_%.c.o $(UNIT_LINK_OBJS)
	@echo "  HOSTLD  $@"
	@$(HOSTCC) $(UNIT_LDFLAGS) -o $@ $^ $(UNIT_LIBS)

# -q: the malformed trees are malformed on purpose.
$(U)/dts/%.dtb: tests/unit/dts/%.dts $(wildcard tests/unit/dts/*.dtsi) | $(SETUP)
	@mkdir -p $(@D)
	@echo "  DTC     $<"
	@dtc -q -I dts -O dtb -o $@ $<

# Every program runs even after one fails, so one `make` shows every failure.
test-unit: $(UNIT_TESTS) $(UNIT_DTBS)
	@fail=0; for t in $(UNIT_TESTS); do \
		echo "  RUN     $$t"; $(UNIT_ENV) timeout $(UNIT_TIMEOUT) $$t || fail=1; \
	done; exit $$fail

# ---- Formatting: .clang-format at the top is the style ----
# Every C source and header we write (build/ holds the generated ones); headers that are assembly
# (an assembler .macro) are not C and are left alone.
FORMAT_SRCS = $(shell find hyp arch-arm64 boards tests include pv-guest migration tools \
	\( -name '*.c' -o -name '*.h' \) -type f 2>/dev/null | \
	xargs grep -L '^[[:space:]]*\.macro' | sort)

check-format: | $(SETUP)
	@echo "  FORMAT  $(words $(FORMAT_SRCS)) files"
	@clang-format --dry-run --Werror $(FORMAT_SRCS)

format: | $(SETUP)
	clang-format -i $(FORMAT_SRCS)

# ---- Header self-containment: each header alone, with each compiler that uses it ----
# Portable and ABI headers: the host compiler with the fake arch's <arch/...> headers (as the unit
# tests see them) and the EL2 cross compiler with arm64's. Arch headers: the cross compiler, as C
# unless assembly-only, and as assembly too if they serve .S files (__ASSEMBLER__ or a .macro).
# The fake arch's own headers: the host compiler.
HDR_PORTABLE = $(wildcard hyp/include/skiff/*.h) $(wildcard include/*/*.h)
HDR_ARCH = $(wildcard arch-arm64/include/arch/*.h)
HDR_FAKE = $(wildcard tests/fake-arch/include/arch/*.h)
HDR_HOST := $(HOSTCC) -std=gnu11 $(WARN) -Ihyp/include -Iinclude -Itests/fake-arch/include
HDR_EL2 := $(CC) -std=gnu11 $(WARN) -ffreestanding -Ihyp/include -Iinclude -Iarch-arm64/include

check-headers: | $(SETUP)
	@echo "  HEADERS $(words $(HDR_PORTABLE) $(HDR_ARCH) $(HDR_FAKE)) files"
	@fail=0; \
	for h in $(HDR_PORTABLE); do \
		inc=$$(echo $$h | sed -e 's|^hyp/include/||' -e 's|^include/||'); \
		echo "#include <$$inc>" | $(HDR_HOST) -fsyntax-only -x c - || \
			{ echo "check-headers: $$h does not compile alone (host)"; fail=1; }; \
		echo "#include <$$inc>" | $(HDR_EL2) -fsyntax-only -x c - || \
			{ echo "check-headers: $$h does not compile alone (EL2)"; fail=1; }; \
	done; \
	for h in $(HDR_FAKE); do \
		echo "#include <$${h#tests/fake-arch/include/}>" | $(HDR_HOST) -fsyntax-only -x c - || \
			{ echo "check-headers: $$h does not compile alone (host)"; fail=1; }; \
	done; \
	for h in $(HDR_ARCH); do \
		inc=$${h#arch-arm64/include/}; \
		if ! grep -q '^[[:space:]]*\.macro' $$h; then \
			echo "#include <$$inc>" | $(HDR_EL2) -fsyntax-only -x c - || \
				{ echo "check-headers: $$h does not compile alone (C)"; fail=1; }; \
		fi; \
		if grep -q '__ASSEMBLER__\|^[[:space:]]*\.macro' $$h; then \
			echo "#include <$$inc>" | $(HDR_EL2) -D__ASSEMBLER__ -x assembler-with-cpp \
				-c - -o /dev/null || \
				{ echo "check-headers: $$h does not assemble alone"; fail=1; }; \
		fi; \
	done; exit $$fail

TEST_DEPS += test-unit check-format check-headers
