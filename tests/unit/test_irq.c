/**
 * hyp/irq.c and hyp/timer.c against the fake interrupt controller and counter: choosing the
 * controller, dispatching and completing interrupts, the periodic tick, tick/time conversions.
 */
#include "support.h"

#include <skiff/cpu.h>
#include <skiff/irqchip.h>
#include <skiff/timer.h>

static struct cpu cpu0;
static struct platform plat;

static int setup(void **state)
{
	test_setup(state);
	memset(&cpu0, 0, sizeof(cpu0));
	arch_set_this_cpu(&cpu0);
	memset(&plat, 0, sizeof(plat));
	plat.gic.kind = IRQCHIP_GICV3;
	plat.timer.hyp_phys = 26;
	return 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, test_teardown)

static struct {
	unsigned calls;
	uint32_t intid;
	void *ctx;
} seen;

static void handler(uint32_t intid, void *ctx)
{
	seen.calls++;
	seen.intid = intid;
	seen.ctx = ctx;
}

/* Runs first: irq.c keeps its controller for the life of the program. */
static void test_before_init(void **state)
{
	const char *err;

	(void)state;
	assert_string_equal(irq_chip_name(), "none");
	err = irq_cpu_init();
	assert_non_null(err);
	assert_non_null(strstr(err, "not initialised"));
	EXPECT_PANIC(irq_register(30, handler, NULL));
	assert_log_contains("CHECK failed: chip && intid < IRQ_MAX");
}

static void test_init_errors(void **state)
{
	const char *err;

	(void)state;
	plat.gic.kind = IRQCHIP_NONE;
	err = irq_init(&plat);
	assert_non_null(err);
	assert_non_null(strstr(err, "no supported interrupt controller"));

	plat.gic.kind = IRQCHIP_GICV2;
	fake_irqchip.present = false;
	err = irq_init(&plat);
	assert_non_null(err);
	assert_non_null(strstr(err, "no driver"));

	fake_irqchip.present = true;
	fake_irqchip.init_error = "GICD_CTLR will not enable";
	assert_string_equal(irq_init(&plat), "GICD_CTLR will not enable");
}

static void test_init_and_cpu_init(void **state)
{
	(void)state;
	assert_null(irq_init(&plat));
	assert_int_equal(fake_irqchip.inits, 1);
	assert_string_equal(irq_chip_name(), "fake-gic");
	assert_null(irq_cpu_init());
	assert_int_equal(fake_irqchip.cpu_inits, 1);
	fake_irqchip.cpu_init_error = "redistributor asleep";
	assert_string_equal(irq_cpu_init(), "redistributor asleep");
}

static void test_dispatch_and_complete(void **state)
{
	int ctx;

	(void)state;
	assert_null(irq_init(&plat));
	memset(&seen, 0, sizeof(seen));
	irq_register(33, handler, &ctx);
	assert_true(fake_irqchip.enabled[33]);
	fake_irqchip_raise(33);
	fake_irqchip_raise(33);
	irq_handle();
	assert_int_equal(seen.calls, 2);
	assert_int_equal(seen.intid, 33);
	assert_ptr_equal(seen.ctx, &ctx);
	assert_int_equal(fake_irqchip.eois, 2);
	assert_int_equal(fake_irqchip.last_eoi, 33);
	assert_int_equal(fake_irqchip.acks, 3); /* the third says "spurious": done */
	assert_int_equal(cpu0.irqs, 2);
	irq_handle(); /* nothing pending */
	assert_int_equal(seen.calls, 2);
}

static void test_unexpected_interrupt_is_disabled(void **state)
{
	(void)state;
	assert_null(irq_init(&plat));
	fake_irqchip.enabled[77] = true;
	fake_irqchip_raise(77);
	irq_handle();
	assert_log_contains("irq: unexpected interrupt 77");
	assert_int_equal(fake_irqchip.last_eoi, 77); /* completed, */
	assert_false(fake_irqchip.enabled[77]);      /* then switched off */
}

static void test_register_out_of_range_panics(void **state)
{
	(void)state;
	assert_null(irq_init(&plat));
	EXPECT_PANIC(irq_register(IRQ_MAX, handler, NULL));
	assert_log_contains("CHECK failed: chip && intid < IRQ_MAX");
}

static void test_timer_init_errors(void **state)
{
	const char *err;

	(void)state;
	assert_null(irq_init(&plat));
	plat.timer.hyp_phys = 0;
	err = timer_init(&plat);
	assert_non_null(err);
	assert_non_null(strstr(err, "hypervisor timer interrupt"));
	plat.timer.hyp_phys = 26;
	fake.counter_freq = 0;
	err = timer_init(&plat);
	assert_non_null(err);
	assert_non_null(strstr(err, "CNTFRQ"));
}

static void test_periodic_tick(void **state)
{
	uint64_t period = 62500000 / TIMER_TICK_HZ;

	(void)state;
	assert_null(irq_init(&plat));
	assert_null(timer_init(&plat));
	assert_true(fake_irqchip.enabled[26]);
	fake.counter = 1000;
	timer_start_tick();
	assert_true(fake.timer_armed);
	assert_int_equal(fake.timer_deadline, 1000 + period);

	fake.counter = 1000 + period + 5;
	fake_irqchip_raise(26);
	irq_handle();
	assert_int_equal(cpu0.ticks, 1);
	assert_int_equal(fake.timer_deadline, 1000 + 2 * period); /* on the grid, no drift */

	fake.counter += 10 * period; /* ticks missed: the next one is a period from now */
	fake_irqchip_raise(26);
	irq_handle();
	assert_int_equal(cpu0.ticks, 2);
	assert_int_equal(fake.timer_deadline, fake.counter + period);
}

static void test_tick_conversions(void **state)
{
	(void)state;
	fake.counter_freq = 62500000;
	assert_int_equal(timer_ticks_to_us(62500000), 1000000);
	assert_int_equal(timer_ticks_to_us(62500), 1000);
	assert_int_equal(timer_ticks_to_us(62), 0);
	assert_int_equal(timer_us_to_ticks(1), 62);
	assert_int_equal(timer_us_to_ticks(1000000), 62500000);
	/* Large values do not overflow the intermediate products. */
	assert_int_equal(timer_ticks_to_us(62500000ULL * 86400 * 365 * 100),
			 1000000ULL * 86400 * 365 * 100);
	assert_int_equal(timer_us_to_ticks(1000000ULL * 86400 * 365 * 100),
			 62500000ULL * 86400 * 365 * 100);
	fake.counter_freq = 19200000; /* Raspberry Pi */
	assert_int_equal(timer_us_to_ticks(2000), 38400);
	assert_int_equal(timer_ticks_to_us(38400), 2000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_before_init),
		T(test_init_errors),
		T(test_init_and_cpu_init),
		T(test_dispatch_and_complete),
		T(test_unexpected_interrupt_is_disabled),
		T(test_register_out_of_range_panics),
		T(test_timer_init_errors),
		T(test_periodic_tick),
		T(test_tick_conversions),
	};

	return cmocka_run_group_tests_name("irq", tests, NULL, NULL);
}
