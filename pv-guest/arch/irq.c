/** PSTATE.I masking (pv/irq.h), out of line (pv/arch/irq.h has the inline forms). */
#include <pv/arch/irq.h>
#include <pv/irq.h>

unsigned long pv_irq_save(void)
{
	return pv_arch_irq_save();
}

void pv_irq_restore(unsigned long flags)
{
	pv_arch_irq_restore(flags);
}

bool pv_irq_was_masked(unsigned long flags)
{
	return (flags & PV_DAIF_I) != 0;
}

void pv_irq_enable(void)
{
	__asm__ volatile("msr daifclr, #" PV_DAIF_IMM_I : : : "memory");
}

void pv_irq_disable(void)
{
	__asm__ volatile("msr daifset, #" PV_DAIF_IMM_I : : : "memory");
}
