/**
 * Spinlocks for state the vCPUs of one VM share (the heap, the console). Taken with IRQs masked
 * (pv_spin_lock_irqsave) wherever an event handler may want the same lock. A waiter executes
 * WFE, which Skiff traps and turns into a yield: a lock holder preempted on the same physical CPU
 * gets to run and release it.
 */
#ifndef PV_SPINLOCK_H
#define PV_SPINLOCK_H

#include <stdbool.h>

struct pv_spinlock {
	unsigned int locked;
};

#define PV_SPINLOCK_INIT \
	{                \
		0        \
	}

/** Takes @l if it is free: true then. */
static inline bool pv_spin_trylock(struct pv_spinlock *l)
{
	return __atomic_exchange_n(&l->locked, 1U, __ATOMIC_ACQUIRE) == 0;
}

/** Takes @l, waiting for it. */
void pv_spin_lock(struct pv_spinlock *l);

static inline void pv_spin_unlock(struct pv_spinlock *l)
{
	__atomic_store_n(&l->locked, 0U, __ATOMIC_RELEASE);
}

/** Masks IRQs, then takes @l; returns the IRQ state for pv_spin_unlock_irqrestore. */
unsigned long pv_spin_lock_irqsave(struct pv_spinlock *l);
void pv_spin_unlock_irqrestore(struct pv_spinlock *l, unsigned long flags);

/** What a waiter does between two looks (arch: WFE, a yield under Skiff). */
void pv_cpu_relax(void);

#endif
