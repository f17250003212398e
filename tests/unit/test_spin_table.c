/**
 * hyp/spin_table.c: a CPU held on a spin table is released by a write of the entry address to
 * its cpu-release-addr, cleaned to memory, and only where that address is sane.
 */
#include "support.h"

#include <skiff/spin_table.h>

static struct platform plat;
static uint64_t *ram; /* "physical" RAM: host memory, identity-mapped as pa_to_ptr expects */

#define RAM_SIZE 4096
#define ENTRY 0x5eed0000ULL

static int setup(void **state)
{
	test_setup(state);
	memset(&plat, 0, sizeof(plat));
	ram = test_ram(RAM_SIZE, 4096);
	memset(ram, 0, RAM_SIZE);
	plat.ram[0] = (struct pa_range){ test_pa(ram), pa_add(test_pa(ram), RAM_SIZE) };
	plat.nram = 1;
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

static void test_release_writes_the_entry_and_cleans_it(void **state)
{
	(void)state;
	four_cpus();
	assert_true(spin_table_release(&plat, 2, ENTRY));
	assert_int_equal(ram[0xd8 / 8 + 2], ENTRY);
	assert_int_equal(ram[0xd8 / 8 + 1], 0); /* the others are left alone */
	assert_int_equal(ram[0xd8 / 8 + 3], 0);
	assert_int_equal(fake.dcache_cleans, 1); /* the CPU reads it with its MMU off */
}

static void test_no_spin_table_no_writes(void **state)
{
	(void)state;
	four_cpus();
	memset(plat.cpu_release, 0, sizeof(plat.cpu_release)); /* PSCI machines */
	for (unsigned i = 0; i < 4; i++)
		assert_false(spin_table_release(&plat, i, ENTRY));
	assert_int_equal(fake.dcache_cleans, 0);
}

static void test_insane_release_addresses_ignored(void **state)
{
	uint64_t base = pa_addr(test_pa(ram));

	(void)state;
	four_cpus();
	plat.cpu_release[1] = base + RAM_SIZE;     /* past the end of RAM */
	plat.cpu_release[2] = base + RAM_SIZE - 4; /* straddles the end */
	plat.cpu_release[3] = base + 0xe9;         /* misaligned */
	for (unsigned i = 1; i < 4; i++)
		assert_false(spin_table_release(&plat, i, ENTRY));
	for (unsigned i = 0; i < RAM_SIZE / 8; i++)
		assert_int_equal(ram[i], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_release_writes_the_entry_and_cleans_it),
		T(test_no_spin_table_no_writes),
		T(test_insane_release_addresses_ignored),
	};

	return cmocka_run_group_tests_name("spin_table", tests, NULL, NULL);
}
