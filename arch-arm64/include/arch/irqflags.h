/**
 * Masking this CPU's interrupts around a critical section (DAIF.I, ARM ARM C5.2.2). Inline:
 * every runqueue lock does it, on the event and switch paths; as calls they cost a branch and a
 * return each and the registers kept across them.
 */
#ifndef ARCH_IRQFLAGS_H
#define ARCH_IRQFLAGS_H

#include <skiff/types.h>

static inline uint64_t arch_irq_save(void)
{
	uint64_t flags;

	__asm__ volatile("mrs %0, daif\n\tmsr daifset, #2" : "=r"(flags) : : "memory");
	return flags;
}

static inline void arch_irq_restore(uint64_t flags)
{
	__asm__ volatile("msr daif, %0" : : "r"(flags) : "memory");
}

#endif
