/**
 * Time: the virtual counter (CNTVCT_EL0, ticks at pv_freq() Hz), sleeping through SKIFF_HVC_BLOCK,
 * the hypervisor's one-shot timer (event SKIFF_EV_TIMER) and the guest's own virtual timer
 * (CNTV_*, event SKIFF_EV_VTIMER). A deadline is an absolute CNTVCT value.
 */
#ifndef PV_TIME_H
#define PV_TIME_H

/** CNTVCT_EL0 now, read in program order. */
unsigned long pv_now(void);

/** Counter frequency in Hz (CNTFRQ_EL0). */
unsigned long pv_freq(void);

unsigned long pv_us_to_ticks(unsigned long us);
unsigned long pv_ticks_to_us(unsigned long ticks);

/** Blocks (SKIFF_HVC_BLOCK) until CNTVCT >= deadline; events arriving meanwhile are handled. */
void pv_sleep_until(unsigned long deadline);

/** Sleeps for at least `us` microseconds of counter time. */
void pv_sleep_us(unsigned long us);

/** Arms the hypervisor's one-shot timer: SKIFF_EV_TIMER at `deadline`; 0 cancels. */
long pv_timer_set(unsigned long deadline);

/**
 * Arms the guest's own virtual timer (CNTV_CVAL_EL0 = deadline, CNTV_CTL_EL0 enabled and
 * unmasked). When it fires the hypervisor sets CNTV_CTL_EL0.IMASK and raises SKIFF_EV_VTIMER; the
 * handler calls this again or pv_vtimer_stop().
 */
void pv_vtimer_set(unsigned long deadline);

/** Disables the virtual timer. */
void pv_vtimer_stop(void);

/** CNTV_CTL_EL0 as it is now (PV_VTIMER_* bits). */
unsigned long pv_vtimer_ctl(void);
#define PV_VTIMER_ENABLE (1UL << 0)
#define PV_VTIMER_IMASK (1UL << 1)
#define PV_VTIMER_ISTATUS (1UL << 2)

#endif
