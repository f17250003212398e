/**
 * PSTATE.I masking inline (ARM ARM C5.2, DAIF; MSR DAIFSet/DAIFClr), for hot paths that mask
 * IRQs around a few dozen instructions (a channel's packet calls). pv/irq.h's functions are the
 * same, out of line.
 */
#ifndef PV_ARCH_IRQ_H
#define PV_ARCH_IRQ_H

#include <pv/arch/sysreg.h>

/* DAIFSet/DAIFClr immediate bits: D 8, A 4, I 2, F 1. */
#define PV_DAIF_IMM_I "2"

/** Masks IRQs; returns the DAIF value before. */
static inline unsigned long pv_arch_irq_save(void)
{
	unsigned long flags = pv_read_daif();

	__asm__ volatile("msr daifset, #" PV_DAIF_IMM_I : : : "memory");
	return flags;
}

/** Unmasks IRQs if `flags` (from pv_arch_irq_save) had them unmasked. */
static inline void pv_arch_irq_restore(unsigned long flags)
{
	if (!(flags & PV_DAIF_I))
		__asm__ volatile("msr daifclr, #" PV_DAIF_IMM_I : : : "memory");
}

#endif
