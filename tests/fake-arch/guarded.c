/**
 * Arch seam pieces added for boards without a GIC or PSCI, on the host: arch_semihosting_exit is
 * counted and returns as on a machine with no debugger; arch_mmio_probe answers
 * fake_mmio_probe_ok; parking secondary CPUs records what would happen.
 */
#include <skiff/arch.h>

unsigned fake_semihosting_exits;
unsigned fake_semihosting_code;
bool fake_mmio_probe_ok = true;

void arch_semihosting_exit(unsigned code)
{
	fake_semihosting_exits++;
	fake_semihosting_code = code;
}

bool arch_mmio_probe(uintptr_t addr)
{
	(void)addr;
	return fake_mmio_probe_ok;
}

/* Secondary-CPU parking: a recognisable entry address, and the SEVs counted. */
uint64_t fake_cpu_park_entry = 0x5eed0000;
unsigned fake_cpu_events;

uint64_t arch_cpu_park_entry(void)
{
	return fake_cpu_park_entry;
}

void arch_cpu_send_event(void)
{
	fake_cpu_events++;
}
