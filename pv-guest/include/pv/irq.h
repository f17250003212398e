/** Masking the guest's IRQ (PSTATE.I), which is how events are delivered. */
#ifndef PV_IRQ_H
#define PV_IRQ_H

#include <stdbool.h>

/** Masks IRQs and returns the previous state for pv_irq_restore(). */
unsigned long pv_irq_save(void);
void pv_irq_restore(unsigned long flags);

/** True when `flags` (from pv_irq_save) say IRQs were masked, e.g. by the caller's caller. */
bool pv_irq_was_masked(unsigned long flags);

void pv_irq_enable(void);
void pv_irq_disable(void);

#endif
