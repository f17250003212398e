/** The hypervisor tick on each CPU, from the EL2 physical timer (CNTHP, ARM ARM D11.2). */
#ifndef SKIFF_TIMER_H
#define SKIFF_TIMER_H

#include <skiff/platform.h>

#define TIMER_TICK_HZ 1000

/** Routes the hypervisor timer's interrupt; NULL or an error sentence. */
const char *timer_init(const struct platform *p);
/** Starts this CPU's periodic tick. */
void timer_start_tick(void);
/** Stops the periodic tick: from then on the timer interrupt goes to the scheduler. */
void timer_stop_tick(void);
/** Counter ticks to microseconds and back. */
uint64_t timer_ticks_to_us(uint64_t ticks);
uint64_t timer_us_to_ticks(uint64_t us);

#endif
