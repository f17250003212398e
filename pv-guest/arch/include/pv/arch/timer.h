/**
 * The generic timer's virtual view (ARM ARM, "The Generic Timer in AArch64 state"): CNTVCT_EL0
 * counts at CNTFRQ_EL0 Hz; the EL1 virtual timer fires when CNTVCT_EL0 >= CNTV_CVAL_EL0 while
 * CNTV_CTL_EL0.ENABLE is set (delivered by Skiff as event SKIFF_EV_VTIMER, see hypercall.h).
 */
#ifndef PV_ARCH_TIMER_H
#define PV_ARCH_TIMER_H

#include <pv/arch/sysreg.h>

/* ISB first: counter reads are not ordered with earlier instructions without it (ARM ARM). */
static inline unsigned long pv_arch_counter(void)
{
	unsigned long v;

	__asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v) : : "memory");
	return v;
}

static inline unsigned long pv_arch_counter_freq(void)
{
	return pv_read_cntfrq_el0();
}

static inline void pv_arch_vtimer_set(unsigned long deadline)
{
	pv_write_cntv_cval_el0(deadline);
	pv_write_cntv_ctl_el0(PV_CNTV_CTL_ENABLE);
	__asm__ volatile("isb" : : : "memory");
}

static inline void pv_arch_vtimer_stop(void)
{
	pv_write_cntv_ctl_el0(0);
	__asm__ volatile("isb" : : : "memory");
}

static inline unsigned long pv_arch_vtimer_ctl(void)
{
	return pv_read_cntv_ctl_el0();
}

#endif
