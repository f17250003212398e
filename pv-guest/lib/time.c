/** Time (pv/time.h): the generic timer's virtual view and SKIFF_HVC_BLOCK / _TIMER_SET. */
#include <pv/arch/timer.h>
#include <pv/hvc.h>
#include <pv/time.h>

#define US_PER_S 1000000UL

unsigned long pv_now(void)
{
	return pv_arch_counter();
}

unsigned long pv_freq(void)
{
	return pv_arch_counter_freq();
}

/* Exact for any frequency that is a whole number of kHz, as CNTFRQ_EL0 always is in practice. */
unsigned long pv_us_to_ticks(unsigned long us)
{
	unsigned long f = pv_freq();

	return us / US_PER_S * f + us % US_PER_S * f / US_PER_S;
}

unsigned long pv_ticks_to_us(unsigned long ticks)
{
	unsigned long f = pv_freq();

	return ticks / f * US_PER_S + ticks % f * US_PER_S / f;
}

void pv_sleep_until(unsigned long deadline)
{
	while (pv_now() < deadline)
		pv_call(SKIFF_HVC_BLOCK, deadline, 0);
}

void pv_sleep_us(unsigned long us)
{
	pv_sleep_until(pv_now() + pv_us_to_ticks(us));
}

long pv_timer_set(unsigned long deadline)
{
	return pv_call(SKIFF_HVC_TIMER_SET, deadline, 0);
}

void pv_vtimer_set(unsigned long deadline)
{
	pv_arch_vtimer_set(deadline);
}

void pv_vtimer_stop(void)
{
	pv_arch_vtimer_stop();
}

unsigned long pv_vtimer_ctl(void)
{
	return pv_arch_vtimer_ctl();
}
