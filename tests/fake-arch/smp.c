/** Fake arch: starting secondary CPUs and kicking them, recorded for tests (fake_arch.h). */
#include <string.h>

#include "fake_arch.h"

struct fake_smp_state fake_smp;

void fake_smp_reset(void)
{
	memset(&fake_smp, 0, sizeof(fake_smp));
}

uint64_t arch_secondary_prepare(unsigned slot, uint64_t hwid, struct cpu *c, uintptr_t stack_top)
{
	(void)hwid;
	(void)stack_top;
	if (slot < FAKE_MAX_CPUS)
		fake_smp.prepared[slot] = c;
	return FAKE_SECONDARY_ENTRY;
}

void arch_cpu_relax(void)
{
	fake_smp.relaxes++;
	if (fake_smp.relax_hook)
		fake_smp.relax_hook();
}

void arch_cpu_send_event(void)
{
	fake_smp.events++;
}
