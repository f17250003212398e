/** Spinlocks (pv/spinlock.h). */
#include <pv/irq.h>
#include <pv/spinlock.h>

void pv_spin_lock(struct pv_spinlock *l)
{
	while (!pv_spin_trylock(l))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			pv_cpu_relax();
}

unsigned long pv_spin_lock_irqsave(struct pv_spinlock *l)
{
	unsigned long flags = pv_irq_save();

	pv_spin_lock(l);
	return flags;
}

void pv_spin_unlock_irqrestore(struct pv_spinlock *l, unsigned long flags)
{
	pv_spin_unlock(l);
	pv_irq_restore(flags);
}
