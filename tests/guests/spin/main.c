/**
 * spin: masks its interrupts (PSTATE.I) and loops forever without a hypercall. Physical
 * interrupts still reach EL2 (HCR_EL2.IMO), so Skiff's scheduler tick must preempt it and every
 * other VM keeps its share of the CPU. It is never parked: it does nothing forbidden.
 */
#include <pv/pv.h>

int main(void)
{
	pv_printf("spin: IRQs masked, looping forever\n");
	pv_irq_disable();
	for (;;)
		__asm__ volatile("");
}
