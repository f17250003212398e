/**
 * Arch seam pieces added for boards without a GIC or PSCI, on the host: arch_semihosting_exit is
 * counted and returns as on a machine with no debugger; arch_mmio_probe answers
 * fake_mmio_probe_ok.
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
