# The root partition's host side (docs/root.md):
#   build/host/skiffctl      tools/skiffctl.c: runs shell verbs over the console socket
#   make run-headless        QEMU with the serial console on $(SKIFF_SOCKET) instead of this
#                            terminal; `build/host/skiffctl list` (or `attach`) drives it
#   make test-root-host      the shell's pieces (line editor, verbs, JSON) on the host, ASan/UBSan
# The root partition itself is a pv-guest (pv-guest/root/, built by mk/pvguest.mk).

SKIFFCTL := build/host/skiffctl
SKIFF_SOCKET ?= $(B)/console.sock

.PHONY: skiffctl run-headless test-root-host
all: $(SKIFFCTL)
skiffctl: $(SKIFFCTL)
QEMU_TEST_DEPS += $(SKIFFCTL)
TEST_DEPS += test-root-host

$(SKIFFCTL): tools/skiffctl.c mk/root.mk | $(SETUP)
	@mkdir -p $(@D)
	gcc -std=gnu11 -O2 -g $(WARN) -o $@ $<

# The console is a unix-socket server (one client at a time; output with no client is dropped
# but kept in $(B)/console.log). Ctrl-C here stops QEMU.
run-headless: $(B)/skiff.bin guests $(SKIFFCTL) $(SWAP_IMG)
	@rm -f $(SKIFF_SOCKET)
	@echo "skiff: console on $(SKIFF_SOCKET), also logged to $(B)/console.log"
	@echo "skiff: $(SKIFFCTL) list | $(SKIFFCTL) attach (Ctrl-\\ leaves) | Ctrl-C here stops QEMU"
	$(QEMU) $(QEMU_MACHINE) -display none -monitor none -no-reboot \
		-chardev socket,id=con,path=$(SKIFF_SOCKET),server=on,wait=off,logfile=$(B)/console.log \
		-serial chardev:con -kernel $(B)/skiff.bin $(QEMU_DISK_ARGS) \
		$$(python3 tools/guest-args.py build/dts/$(VMS).dtb)

# The shell's portable files against tests/root/fake_hv.c (hypervisor and services faked), with
# the pv-guest library's formatting and TEST() runner; tests/guests/selftest/host/shim.c is main.
ROOT_HOST := build/host/root-tests
ROOT_PORTABLE := term line shell verbs_vm verbs_mem verbs_cpu balloon vms json top log console errors hyplog
ROOT_HOST_SRCS := $(patsubst %,pv-guest/root/%.c,$(ROOT_PORTABLE)) $(wildcard tests/root/*.c) \
	pv-guest/lib/fmt.c pv-guest/lib/args.c pv-guest/lib/test.c pv-guest/lib/printf.c \
	pv-guest/lib/alloc.c pv-guest/lib/spinlock.c pv-guest/lib/balloon_msg.c \
	tests/guests/selftest/host/shim.c
$(ROOT_HOST): $(ROOT_HOST_SRCS) $(wildcard pv-guest/root/*.h tests/root/*.h) mk/root.mk | $(SETUP)
	@mkdir -p $(@D)
	gcc -std=gnu11 -O1 -g $(WARN) -fsanitize=address,undefined -fno-sanitize-recover=all \
		-Iinclude -Ipv-guest/include -Ipv-guest/root -Itests/root -o $@ $(ROOT_HOST_SRCS)
test-root-host: $(ROOT_HOST)
	$(ROOT_HOST)

# Every root header compiles on its own (STYLE habit 12).
ROOT_HEADERS := $(wildcard pv-guest/root/*.h)
TEST_DEPS += check-root-headers
.PHONY: check-root-headers
check-root-headers: | $(SETUP)
	@echo "  HEADERS $(words $(ROOT_HEADERS)) root partition files"
	@fail=0; for h in $(ROOT_HEADERS); do \
		echo "#include \"$$(basename $$h)\"" | $(CC) $(filter-out -MMD -MP,$(PV_CFLAGS)) \
			-Ipv-guest/root -fsyntax-only -x c - || \
			{ echo "check-root-headers: $$h does not compile alone"; fail=1; }; \
	done; exit $$fail
