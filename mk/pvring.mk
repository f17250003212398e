# pv-guest's channel rings (pv-guest/lib/ring.c) tested on the host, part of `make test`:
#   make test-pvguest-ring   tests/pvguest/test_ring.c (cmocka) under ASan/UBSan, then its two-thread
#                            tests again under TSan (which checks the ring's atomics, not its bounds)
# The ring code is portable C with no hypercalls, so it builds for the host unchanged.

PV_RING_TEST_SRCS := pv-guest/lib/ring.c tests/pvguest/test_ring.c
PV_RING_TEST_DEPS := $(PV_RING_TEST_SRCS) pv-guest/include/pv/ring.h pv-guest/include/pv/string.h \
	include/skiff-abi/channel.h mk/pvring.mk
PV_RING_CFLAGS := -std=gnu11 -O1 -g $(WARN) -Iinclude -Ipv-guest/include -pthread
PV_RING_TESTS := build/host/pv-ring-tests
PV_RING_TSAN := build/host/pv-ring-tests-tsan

.PHONY: test-pvguest-ring
TEST_DEPS += test-pvguest-ring

$(PV_RING_TESTS): $(PV_RING_TEST_DEPS) | $(SETUP)
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	@gcc $(PV_RING_CFLAGS) -fsanitize=address,undefined -fno-sanitize-recover=all \
		-fno-omit-frame-pointer -o $@ $(PV_RING_TEST_SRCS) -lcmocka

$(PV_RING_TSAN): $(PV_RING_TEST_DEPS) | $(SETUP)
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	@gcc $(PV_RING_CFLAGS) -fsanitize=thread -o $@ $(PV_RING_TEST_SRCS) -lcmocka

test-pvguest-ring: $(PV_RING_TESTS) $(PV_RING_TSAN)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		timeout 300 $(PV_RING_TESTS)
	TSAN_OPTIONS=halt_on_error=1 timeout 300 $(PV_RING_TSAN) 'test_threads_*'
