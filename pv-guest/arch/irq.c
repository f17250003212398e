/** PSTATE.I masking (pv/irq.h) with MSR DAIFSet/DAIFClr (ARM ARM C5.2, DAIF). */
#include <pv/arch/sysreg.h>
#include <pv/irq.h>

/* DAIFSet/DAIFClr immediate bits: D 8, A 4, I 2, F 1. */
#define DAIF_IMM_I "2"

unsigned long pv_irq_save(void)
{
	unsigned long flags = pv_read_daif();

	__asm__ volatile("msr daifset, #" DAIF_IMM_I : : : "memory");
	return flags;
}

void pv_irq_restore(unsigned long flags)
{
	if (!(flags & PV_DAIF_I))
		pv_irq_enable();
}

bool pv_irq_was_masked(unsigned long flags)
{
	return (flags & PV_DAIF_I) != 0;
}

void pv_irq_enable(void)
{
	__asm__ volatile("msr daifclr, #" DAIF_IMM_I : : : "memory");
}

void pv_irq_disable(void)
{
	__asm__ volatile("msr daifset, #" DAIF_IMM_I : : : "memory");
}
