/** Small CPU operations pv-guest/lib needs from the architecture. */
#ifndef PV_ARCH_CPU_H
#define PV_ARCH_CPU_H

#define PV_ARCH_PAGE_SIZE 4096UL

/** Waits for interrupts forever (the last resort when the hypervisor ignores SHUTDOWN). */
static inline _Noreturn void pv_arch_halt(void)
{
	for (;;)
		__asm__ volatile("wfi");
}

#endif
