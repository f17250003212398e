/** Masking the guest's IRQ (PSTATE.I), which is how events are delivered. */
#ifndef PV_IRQ_H
#define PV_IRQ_H

/** Masks IRQs and returns the previous state for pv_irq_restore(). */
unsigned long pv_irq_save(void);
void pv_irq_restore(unsigned long flags);

void pv_irq_enable(void);
void pv_irq_disable(void);

#endif
