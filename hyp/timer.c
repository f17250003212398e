/** Periodic hypervisor tick. The scheduler (issue 3) will turn it into per-CPU deadlines. */
#include <skiff/cpu.h>
#include <skiff/irqchip.h>
#include <skiff/sched.h>
#include <skiff/timer.h>

uint64_t timer_ticks_to_us(uint64_t ticks)
{
	uint64_t f = arch_counter_freq();

	return ticks / f * 1000000 + ticks % f * 1000000 / f;
}

uint64_t timer_us_to_ticks(uint64_t us)
{
	uint64_t f = arch_counter_freq();

	return us / 1000000 * f + us % 1000000 * f / 1000000;
}

static void timer_irq(uint32_t intid, void *ctx)
{
	struct cpu *c = this_cpu();

	(void)intid;
	(void)ctx;
	c->ticks++;
	if (!c->tick_period) {
		sched_timer_irq(); /* the scheduler owns the timer once guests run */
		return;
	}
	c->next_tick += c->tick_period;
	if (c->next_tick <= arch_counter_now()) /* missed ticks: do not try to catch up */
		c->next_tick = arch_counter_now() + c->tick_period;
	arch_timer_arm(c->next_tick);
}

const char *timer_init(const struct platform *p)
{
	if (!p->timer.hyp_phys)
		return "DTB gives no hypervisor timer interrupt";
	if (!arch_counter_freq())
		return "CNTFRQ_EL0 is 0: firmware did not set the counter frequency";
	irq_register_percpu(p->timer.hyp_phys, timer_irq, NULL);
	return NULL;
}

void timer_stop_tick(void)
{
	this_cpu()->tick_period = 0;
	arch_timer_disarm();
}

void timer_start_tick(void)
{
	struct cpu *c = this_cpu();

	c->tick_period = arch_counter_freq() / TIMER_TICK_HZ;
	c->next_tick = arch_counter_now() + c->tick_period;
	arch_timer_arm(c->next_tick);
}
