/**
 * hyp/cpu_park.c: secondary CPUs held on spin tables are released into the arch's park loop by
 * a write of its address to their cpu-release-addr, and only where that address is sane.
 */
#include "support.h"

#include <skiff/cpu_park.h>

extern uint64_t fake_cpu_park_entry;
extern unsigned fake_cpu_events;

static struct platform plat;
static uint64_t *ram; /* "physical" RAM: host memory, identity-mapped as pa_to_ptr expects */

#define RAM_SIZE 4096

static int setup(void **state)
{
	test_setup(state);
	memset(&plat, 0, sizeof(plat));
	ram = test_ram(RAM_SIZE, 4096);
	memset(ram, 0, RAM_SIZE);
	plat.ram[0] = (struct pa_range){ test_pa(ram), pa_add(test_pa(ram), RAM_SIZE) };
	plat.nram = 1;
	fake_cpu_events = 0;
	fake.hwid = 0; /* this CPU is cpu@0 */
	return 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, test_teardown)

/* Four CPUs as on a Pi 3: release addresses 0xd8, 0xe0, 0xe8, 0xf0 (here offsets into ram). */
static void four_cpus(void)
{
	plat.ncpus = 4;
	for (unsigned i = 0; i < 4; i++) {
		plat.cpu_hwid[i] = i;
		plat.cpu_release[i] = pa_addr(test_pa(ram)) + 0xd8 + 8 * i;
	}
}

static void test_releases_every_other_cpu(void **state)
{
	(void)state;
	four_cpus();
	assert_int_equal(cpu_park_secondaries(&plat), 3);
	assert_int_equal(ram[0xd8 / 8], 0); /* this CPU's own entry is left alone */
	for (unsigned i = 1; i < 4; i++)
		assert_int_equal(ram[0xd8 / 8 + i], fake_cpu_park_entry);
	assert_int_equal(fake_cpu_events, 1); /* one SEV after all the writes */
}

static void test_boot_cpu_need_not_be_first(void **state)
{
	(void)state;
	four_cpus();
	fake.hwid = 2;
	assert_int_equal(cpu_park_secondaries(&plat), 3);
	assert_int_equal(ram[0xd8 / 8 + 2], 0);
	assert_int_equal(ram[0xd8 / 8], fake_cpu_park_entry);
}

static void test_no_spin_table_no_writes(void **state)
{
	(void)state;
	four_cpus();
	memset(plat.cpu_release, 0, sizeof(plat.cpu_release)); /* PSCI machines */
	assert_int_equal(cpu_park_secondaries(&plat), 0);
	assert_int_equal(fake_cpu_events, 0);
}

static void test_insane_release_addresses_ignored(void **state)
{
	uint64_t base = pa_addr(test_pa(ram));

	(void)state;
	four_cpus();
	plat.cpu_release[1] = base + RAM_SIZE;     /* past the end of RAM */
	plat.cpu_release[2] = base + RAM_SIZE - 4; /* straddles the end */
	plat.cpu_release[3] = base + 0xe9;         /* misaligned */
	assert_int_equal(cpu_park_secondaries(&plat), 0);
	assert_int_equal(fake_cpu_events, 0);
	for (unsigned i = 0; i < RAM_SIZE / 8; i++)
		assert_int_equal(ram[i], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_releases_every_other_cpu),
		T(test_boot_cpu_need_not_be_first),
		T(test_no_spin_table_no_writes),
		T(test_insane_release_addresses_ignored),
	};

	return cmocka_run_group_tests_name("cpu_park", tests, NULL, NULL);
}
