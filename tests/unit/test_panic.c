/**
 * hyp/panic.c and hyp/psci.c: a broken invariant reports file, line and condition, then stops the
 * machine through PSCI SYSTEM_OFF, and halts if firmware returns; PSCI calls through the fake
 * firmware conduit.
 */
#include "support.h"

#include <skiff/console.h>
#include <skiff/panic.h>
#include <skiff/psci.h>

static void test_psci_without_conduit(void **state)
{
	(void)state;
	psci_set_conduit(FW_CONDUIT_NONE);
	assert_int_equal(psci_conduit(), FW_CONDUIT_NONE);
	assert_int_equal(psci_version(), 0);
	psci_system_off();
	psci_system_reset();
	assert_int_equal(fake.fw_calls, 0);
}

static void test_psci_calls(void **state)
{
	(void)state;
	psci_set_conduit(FW_CONDUIT_HVC);
	fake.fw_ret = 0x10001; /* PSCI 1.1 */
	assert_int_equal(psci_version(), 0x10001);
	assert_int_equal(fake.fw_conduit, FW_CONDUIT_HVC);
	assert_int_equal(fake.fw_fn, PSCI_VERSION);
	fake.fw_ret = (uint64_t)-1; /* NOT_SUPPORTED */
	assert_int_equal(psci_version(), 0);
	psci_set_conduit(FW_CONDUIT_SMC);
	psci_system_reset();
	assert_int_equal(fake.fw_conduit, FW_CONDUIT_SMC);
	assert_int_equal(fake.fw_fn, PSCI_SYSTEM_RESET);
	assert_int_equal(fake.fw_calls, 3);
}

static void test_check_reports_and_stops(void **state)
{
	volatile int line = 0;

	(void)state;
	psci_set_conduit(FW_CONDUIT_SMC);
	EXPECT_PANIC({
		line = __LINE__ + 1;
		CHECK(1 + 1 == 3);
	});
	{
		char want[96];
		snprintf(want, sizeof(want),
			 "PANIC (tests/unit/test_panic.c:%d): CHECK failed: 1 + 1 == 3", line);
		assert_log_contains(want);
	}
	/* machine_stop asked firmware to power off; firmware returned, so the CPU halted. */
	assert_int_equal(fake.fw_fn, PSCI_SYSTEM_OFF);
	assert_log_contains("power-off unavailable; halting");
	assert_int_equal(fake.halts, 1);
	assert_true(fake.irqs_masked);
}

static void test_panic_formats(void **state)
{
	(void)state;
	psci_set_conduit(FW_CONDUIT_NONE);
	EXPECT_PANIC(panic("vCPU %u of VM %s: %lx", 3U, "web", 0xdeadUL));
	assert_log_contains("): vCPU 3 of VM web: dead\n");
	assert_int_equal(fake.fw_calls, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_psci_without_conduit),
		TEST(test_psci_calls),
		TEST(test_check_reports_and_stops),
		TEST(test_panic_formats),
	};

	return cmocka_run_group_tests_name("panic", tests, NULL, NULL);
}
