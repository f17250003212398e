/** Fake arch: interrupt masking is a flag in the fake machine (checked in arch.c). */
#ifndef ARCH_IRQFLAGS_H
#define ARCH_IRQFLAGS_H

#include <skiff/types.h>

uint64_t fake_irq_save(void);
void fake_irq_restore(uint64_t flags);

static inline uint64_t arch_irq_save(void)
{
	return fake_irq_save();
}

static inline void arch_irq_restore(uint64_t flags)
{
	fake_irq_restore(flags);
}

#endif
