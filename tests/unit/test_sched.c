/**
 * hyp/sched.c driven the way the arch drives it: the running vCPU computes until the scheduler's
 * one-shot timer fires (fake.counter jumps to fake.timer_deadline), then the timer interrupt
 * (sched_timer_irq) and the exit path (sched_next) run. An idle CPU waits in WFI, where the fake's
 * hook lets time pass to the armed deadline. vCPUs are plain records on CPU 0's runqueue.
 */
#include "support.h"

#include <skiff/cpu.h>
#include <skiff/sched.h>
#include <skiff/smp.h>
#include <skiff/timer.h>
#include <skiff/vm.h>
#include <skiff-abi/hypercall.h>

#define NGUESTS 4

static struct vm guests[NGUESTS];
static struct vcpu *cur; /* the vCPU the CPU runs, as the exit path last returned it */

static uint64_t ms(uint64_t n)
{
	return timer_us_to_ticks(n * 1000);
}

#define SLICE timer_us_to_ticks(SCHED_SLICE_US)
#define PERIOD timer_us_to_ticks(SCHED_PERIOD_US)

/* The first 32 WFIs: when, the deadline armed then, and whether guest 0 was throttled. */
static struct {
	unsigned n;
	uint64_t at[32], deadline[32];
	bool throttled[32];
} idle;
static void (*idle_extra)(void); /* runs in WFI after the bookkeeping, if set */

static void wfi(void)
{
	unsigned i = idle.n++;

	if (!fake.timer_armed)
		fail_msg("idle at %lu with no timer armed: the CPU would sleep forever",
			 fake.counter);
	if (idle.n > 10000)
		fail_msg("the idle loop does not end");
	if (i < ARRAY_SIZE(idle.at)) {
		idle.at[i] = fake.counter;
		idle.deadline[i] = fake.timer_deadline;
		idle.throttled[i] = guests[0].vcpus[0].throttled;
	}
	if (idle_extra) {
		idle_extra();
		return;
	}
	if (fake.timer_deadline > fake.counter) /* nothing else happens: the timer fires */
		fake.counter = fake.timer_deadline;
	fake.timer_armed = false;
}

static int setup(void **state)
{
	test_setup(state);
	test_cpus_reset();
	memset(guests, 0, sizeof(guests));
	memset(&idle, 0, sizeof(idle));
	idle_extra = NULL;
	cur = NULL;
	fake.wfi_hook = wfi;
	return 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, test_teardown)

/* Guest @i: a one-vCPU VM record with @weight and @cap, its vCPU attached to CPU 0. */
static struct vcpu *guest(unsigned i, uint32_t weight, uint32_t cap)
{
	struct vm *vm = &guests[i];

	vm->id = i;
	vm->state = VM_RUNNING;
	vm->cfg.weight = weight;
	vm->cfg.cap = cap;
	vm->nvcpus = 1;
	vm->vcpus[0].vm = vm;
	assert_true(sched_attach(&vm->vcpus[0]));
	assert_int_equal(vm->vcpus[0].state, VCPU_OFF);
	return &vm->vcpus[0];
}

/* Starts vCPUs @v[0..n) and enters the first pick, as boot does. */
static void start(struct vcpu **v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		sched_wake(v[i]);
	cur = sched_next(NULL);
}

/*
 * The running vCPU computes until @end. Every scheduler timer interrupt on the way is taken as on
 * the hardware: the interrupt handler, then the exit path picks what runs next.
 */
static void run_until(uint64_t end)
{
	unsigned storm = 0;

	for (;;) {
		uint64_t fire;
		if (!fake.timer_armed)
			fail_msg("a vCPU runs at %lu with the scheduler timer off", fake.counter);
		fire = MAX(fake.timer_deadline, fake.counter);
		if (fire > end)
			break;
		storm = fire == fake.counter ? storm + 1 : 0;
		if (storm > 100)
			fail_msg("timer interrupt storm at %lu", fake.counter);
		fake.counter = fire;
		fake.timer_armed = false;
		sched_timer_irq();
		cur = sched_next(cur);
	}
	if (fake.counter < end) /* (an idle CPU may have slept past it) */
		fake.counter = end;
}

/* Counter ticks @v has run so far, the running stretch not yet accounted included. */
static uint64_t ran(const struct vcpu *v)
{
	return v->cpu_ticks +
	       (v == cur && v->state == VCPU_RUNNING ? fake.counter - v->run_start : 0);
}

/* |got / total - w / wsum| <= 2 % of w / wsum, in integers. */
static void assert_share(uint64_t got, uint64_t total, uint64_t w, uint64_t wsum)
{
	uint64_t a = got * wsum, b = total * w;

	if ((a > b ? a - b : b - a) * 50 > b)
		fail_msg("share %lu/%lu is more than 2%% off %lu/%lu", got, total, w, wsum);
}

static void test_weights_1_2_4_share_the_cpu(void **state)
{
	struct vcpu *v[3] = { guest(0, 1, 0), guest(1, 2, 0), guest(2, 4, 0) };
	uint64_t total = 0;

	(void)state;
	start(v, 3);
	run_until(ms(10000));
	for (unsigned i = 0; i < 3; i++)
		total += ran(v[i]);
	assert_int_equal(total, ms(10000)); /* CPU-bound: never idle, no tick counted twice */
	for (unsigned i = 0; i < 3; i++)
		assert_share(ran(v[i]), total, 1U << i, 7);
	assert_int_equal(idle.n, 0);
}

/* The shares hold over each second too, not only on average, and with default weights. */
static void test_weights_hold_every_second(void **state)
{
	struct vcpu *v[3] = { guest(0, 256, 0), guest(1, 512, 0), guest(2, 1024, 0) };
	uint64_t before[3] = { 0 };

	(void)state;
	start(v, 3);
	for (unsigned s = 1; s <= 5; s++) {
		run_until(ms(1000 * s));
		for (unsigned i = 0; i < 3; i++) {
			assert_share(ran(v[i]) - before[i], ms(1000), 1U << i, 7);
			before[i] = ran(v[i]);
		}
	}
}

static void test_cap_alone_throttles_then_releases(void **state)
{
	struct vcpu *v = guest(0, 256, 25);
	uint64_t before = 0;

	(void)state;
	start(&v, 1);
	for (unsigned k = 1; k <= 20; k++) {
		uint64_t used;
		run_until(k * PERIOD);
		used = ran(v) - before;
		before = ran(v);
		/* At most a quarter of every period, and not starved: released at each new one. */
		if (used > PERIOD / 4 + PERIOD / 100 || used < PERIOD / 4 - PERIOD / 100)
			fail_msg("period %u: ran %lu ticks, cap 25%% of %lu", k, used, PERIOD);
	}
	/* It idled once a period, throttled, until the period's end. */
	assert_true(idle.n >= 19);
	for (unsigned i = 0; i < 19; i++) {
		assert_true(idle.throttled[i]);
		assert_int_equal(idle.deadline[i] % PERIOD, 0);
		assert_true(idle.deadline[i] > idle.at[i]);
	}
}

static void test_cap_with_competitor(void **state)
{
	/* Weight 1024 against 256 would take 80 %; its cap holds it to 25. */
	struct vcpu *v[2] = { guest(0, 1024, 25), guest(1, 256, 0) };
	uint64_t before[2] = { 0, 0 };

	(void)state;
	start(v, 2);
	for (unsigned k = 1; k <= 100; k++) {
		run_until(k * PERIOD);
		if (ran(v[0]) - before[0] > PERIOD / 4 + PERIOD / 100)
			fail_msg("period %u: capped vCPU ran %lu of %lu ticks", k,
				 ran(v[0]) - before[0], PERIOD);
		before[0] = ran(v[0]);
		before[1] = ran(v[1]);
	}
	assert_share(ran(v[0]), 100 * PERIOD, 1, 4);
	assert_share(ran(v[1]), 100 * PERIOD, 3, 4);
	assert_int_equal(idle.n, 0); /* the other one always had the CPU meanwhile */
}

static void test_block_with_deadline_wakes_at_deadline(void **state)
{
	struct vcpu *b = guest(0, 256, 0), *a = guest(1, 256, 0), *v[2] = { b, a };
	uint64_t deadline;

	(void)state;
	start(v, 2);
	assert_ptr_equal(cur, b);
	run_until(ms(1));
	deadline = fake.counter + ms(3);
	sched_block(b, deadline); /* as SKIFF_HVC_BLOCK does, then the exit path */
	cur = sched_next(b);
	assert_ptr_equal(cur, a);
	assert_int_equal(b->state, VCPU_BLOCKED);
	assert_int_equal(fake.timer_deadline, deadline); /* before the period's end */
	run_until(deadline - 1);
	assert_int_equal(b->state, VCPU_BLOCKED);
	assert_ptr_equal(cur, a);
	run_until(deadline);
	assert_ptr_equal(cur, b); /* woken, and first: it ran less */
	assert_int_equal(b->run_start, deadline);
	assert_int_equal(b->block_deadline, 0);
}

static void test_idle_sleeps_until_the_deadline(void **state)
{
	struct vcpu *b = guest(0, 256, 0);

	(void)state;
	start(&b, 1);
	run_until(ms(2));
	sched_block(b, ms(5));
	cur = sched_next(b);
	assert_ptr_equal(cur, b);
	assert_int_equal(idle.n, 1);
	assert_int_equal(idle.at[0], ms(2));
	assert_int_equal(idle.deadline[0], ms(5));
	assert_int_equal(fake.counter, ms(5));
	assert_int_equal(b->run_start, ms(5));
	assert_int_equal(b->cpu_ticks, ms(2)); /* the sleep is not charged */
}

static void test_idle_arms_the_earliest_deadline(void **state)
{
	struct vcpu *v[4] = { guest(0, 256, 0), guest(1, 256, 0), guest(2, 256, 0),
			      guest(3, 256, 0) };
	struct vcpu *want[4] = { v[1], v[3], v[2], v[0] };
	uint64_t at[4] = { ms(3), ms(4), ms(5), ms(7) };

	(void)state;
	for (unsigned i = 0; i < 4; i++)
		sched_wake(v[i]);
	sched_block(v[0], ms(7));
	sched_block(v[1], ms(3));
	sched_block(v[2], ms(5));
	sched_block(v[3], 0); /* until an event: its one-shot timer (SKIFF_HVC_TIMER_SET) */
	v[3]->timer_deadline = ms(4);
	cur = sched_next(NULL);
	/* Each wakes at its moment, in order, and blocks again for good when it runs. */
	for (unsigned i = 0; i < 4; i++) {
		assert_ptr_equal(cur, want[i]);
		assert_int_equal(idle.deadline[i], at[i]);
		assert_int_equal(fake.counter, at[i]);
		if (cur == v[3]) { /* woken by the timer's event, which it acknowledges */
			assert_true(guests[3].vcpus[0].ev_pending & (1ULL << SKIFF_EV_TIMER));
			guests[3].vcpus[0].ev_pending = 0;
		}
		if (i == 3)
			break;
		sched_block(cur, 0);
		cur = sched_next(cur);
	}
	assert_int_equal(v[3]->timer_deadline, 0);
	assert_int_equal(idle.n, 4);
}

static unsigned raise_after;

/* WFI where the third wait ends with an event for guest 0 (from a device or another CPU). */
static void wfi_then_event(void)
{
	if (idle.n == raise_after) {
		vm_event_raise(&guests[0], 12);
		return;
	}
	fake.counter = fake.timer_deadline;
}

static void test_block_until_event(void **state)
{
	struct vcpu *b = guest(0, 256, 0), *a = guest(1, 256, 0), *v[2] = { b, a };

	(void)state;
	start(v, 2);
	assert_ptr_equal(cur, b);
	sched_block(b, 0);
	cur = sched_next(b);
	assert_ptr_equal(cur, a);
	run_until(ms(50));
	assert_int_equal(b->state, VCPU_BLOCKED);
	assert_int_equal(ran(b), 0);
	/* A masked event stays pending and wakes nothing. */
	guests[0].vcpus[0].ev_mask = 1ULL << 9;
	vm_event_raise(&guests[0], 9);
	assert_true(guests[0].vcpus[0].ev_pending & (1ULL << 9));
	run_until(ms(70));
	assert_int_equal(b->state, VCPU_BLOCKED);
	assert_false(b->arch.virq);
	/* An unmasked one wakes it; the exit path then runs it (it ran least). */
	vm_event_raise(&guests[0], 10);
	assert_int_equal(b->state, VCPU_RUNNABLE);
	assert_true(b->arch.virq);
	assert_true(cpus[0].rq.need_resched);
	cur = sched_next(a);
	assert_ptr_equal(cur, b);
	assert_int_equal(b->run_start, ms(70));
}

static void test_idle_until_event(void **state)
{
	struct vcpu *b = guest(0, 256, 0);

	(void)state;
	start(&b, 1);
	sched_block(b, 0);
	idle_extra = wfi_then_event;
	raise_after = 3;
	cur = sched_next(b);
	assert_ptr_equal(cur, b);
	assert_int_equal(idle.n, 3);
	/* With no deadline the idle CPU still wakes at each period's end, for the caps. */
	assert_int_equal(idle.deadline[0], PERIOD);
	assert_int_equal(idle.deadline[1], 2 * PERIOD);
	assert_int_equal(fake.counter, 2 * PERIOD);
}

static void test_wake_after_long_sleep_gets_one_slice_of_credit(void **state)
{
	struct vcpu *a = guest(0, 256, 0), *b = guest(1, 256, 0), *v[2] = { a, b };
	uint64_t woke, slept_ran;

	(void)state;
	start(v, 2);
	run_until(ms(20));
	sched_block(b, 0);
	cur = sched_next(cur);
	assert_ptr_equal(cur, a);
	slept_ran = ran(b);
	/* a computes alone for a second, then b's event comes 9 ms into a period. */
	run_until(ms(1009));
	assert_int_equal(ran(b), slept_ran);
	vm_event_raise(b->vm, 9);
	cur = sched_next(cur);
	assert_ptr_equal(cur, b);
	if (b->vruntime + SLICE < a->vruntime)
		fail_msg("woken with %lu ticks of credit, more than one slice (%lu)",
			 a->vruntime - b->vruntime, SLICE);
	/* So it runs one slice (two at most), not the second it slept through. */
	woke = fake.counter;
	while (cur == b) {
		run_until(fake.counter + timer_us_to_ticks(100));
		assert_true(fake.counter - woke <= 2 * SLICE);
	}
	/* From then on they share evenly again. */
	slept_ran = ran(b);
	woke = fake.counter;
	run_until(woke + ms(1000));
	assert_share(ran(b) - slept_ran, ms(1000), 1, 2);
}

static struct vcpu *restart;

/* WFI with every vCPU stopped: events for every guest first (they must not restart anything),
 * then, at the third wait, a reboot starts @restart again. */
static void wfi_then_restart(void)
{
	if (idle.n == 1)
		for (unsigned i = 0; i < NGUESTS; i++)
			vm_event_raise(&guests[i], 9);
	if (idle.n == 3) {
		sched_wake(restart);
		return;
	}
	fake.counter = fake.timer_deadline;
}

static void test_stopped_vcpus_never_run(void **state)
{
	struct vcpu *v[3] = { guest(0, 256, 0), guest(1, 256, 0), guest(2, 256, 0) };
	struct vcpu *left = NULL;
	uint64_t before[3];

	(void)state;
	start(v, 3);
	run_until(ms(21));
	/* Stop the running one (its VM parked itself) and one waiting. */
	for (unsigned i = 0; i < 3; i++)
		if (v[i] != cur && !left)
			left = v[i];
	for (unsigned i = 0; i < 3; i++)
		if (v[i] != left)
			sched_stop(v[i]);
	cur = sched_next(cur);
	assert_ptr_equal(cur, left);
	for (unsigned i = 0; i < 3; i++) {
		before[i] = ran(v[i]);
		if (v[i] != left) {
			vm_event_raise(v[i]->vm, 9); /* events do not restart a stopped vCPU */
			assert_int_equal(v[i]->state, VCPU_OFF);
		}
	}
	assert_int_equal(sched_runnable(), 1);
	for (unsigned t = 1; t <= 100; t++) {
		run_until(ms(21) + t * ms(10));
		assert_ptr_equal(cur, left);
	}
	for (unsigned i = 0; i < 3; i++)
		if (v[i] != left)
			assert_int_equal(ran(v[i]), before[i]);
	/* Stopping the last one too leaves the CPU idle until one is started again. */
	sched_stop(left);
	restart = v[0];
	idle_extra = wfi_then_restart;
	cur = sched_next(left);
	assert_ptr_equal(cur, v[0]);
	assert_int_equal(idle.n, 3);
}

static void test_stopped_blocked_vcpu_ignores_its_deadline(void **state)
{
	struct vcpu *b = guest(0, 256, 0), *a = guest(1, 256, 0), *v[2] = { b, a };

	(void)state;
	start(v, 2);
	sched_block(b, ms(3));
	cur = sched_next(b);
	sched_stop(b);
	run_until(ms(50));
	assert_int_equal(b->state, VCPU_OFF);
	assert_ptr_equal(cur, a);
	assert_int_equal(ran(b), 0);
}

static void test_yield_lets_the_other_run(void **state)
{
	struct vcpu *v[2] = { guest(0, 256, 0), guest(1, 256, 0) };

	(void)state;
	start(v, 2);
	assert_ptr_equal(cur, v[0]);
	/* Without a reason to re-pick, the exit path keeps the running vCPU. */
	fake.counter = ms(1);
	assert_ptr_equal(sched_next(cur), v[0]);
	sched_yield(cur);
	cur = sched_next(cur);
	assert_ptr_equal(cur, v[1]);
	assert_int_equal(v[0]->cpu_ticks, ms(1));
	assert_int_equal(v[0]->state, VCPU_RUNNABLE);
	assert_int_equal(v[1]->state, VCPU_RUNNING);
	assert_int_equal(sched_runnable(), 2);
	/* The slice timer is armed for the new one. */
	assert_int_equal(fake.timer_deadline, ms(1) + SLICE);
}

static void test_detach_and_full_runqueue(void **state)
{
	static struct vcpu many[SCHED_MAX_VCPUS + 1];
	struct vcpu *v = guest(0, 256, 0);

	(void)state;
	memset(many, 0, sizeof(many));
	many[0].vm = &guests[1];
	for (unsigned i = 1; i < SCHED_MAX_VCPUS; i++) {
		many[i].vm = &guests[1];
		assert_true(sched_attach(&many[i]));
	}
	assert_false(sched_attach(&many[0])); /* the 513th */
	assert_int_equal(cpus[0].rq.nvcpus, SCHED_MAX_VCPUS);
	sched_detach(v);
	assert_int_equal(cpus[0].rq.nvcpus, SCHED_MAX_VCPUS - 1);
	for (unsigned i = 0; i < cpus[0].rq.nvcpus; i++)
		assert_ptr_not_equal(cpus[0].rq.vcpus[i], v);
	assert_true(sched_attach(&many[0]));
}

/* ---- Several CPUs: the fake's this_cpu is whichever record a test installs ---- */

static void online(unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		cpus[i].state = CPU_READY;
}

/* A one-vCPU VM record like guest(), on whatever CPU placement picks, allowed on @mask. */
static struct vcpu *placed(unsigned i, uint32_t mask)
{
	guests[i].cfg.cpu_mask = mask;
	return guest(i, 256, 0);
}

static void test_vcpus_spread_over_the_least_loaded_cpus(void **state)
{
	unsigned per_cpu[4] = { 0 };

	(void)state;
	online(4);
	for (unsigned i = 0; i < NGUESTS; i++)
		per_cpu[placed(i, 0)->cpu]++;
	for (unsigned c = 0; c < 4; c++) {
		assert_int_equal(per_cpu[c], 1);
		assert_int_equal(cpus[c].rq.nvcpus, 1);
	}
}

static void test_offline_cpus_get_nothing(void **state)
{
	(void)state;
	online(2); /* CPUs 2.. failed or absent */
	for (unsigned i = 0; i < NGUESTS; i++)
		assert_true(placed(i, 0)->cpu < 2);
	assert_int_equal(cpus[0].rq.nvcpus, 2);
	assert_int_equal(cpus[1].rq.nvcpus, 2);
}

static void test_pinned_vcpus_stay_on_their_cpus(void **state)
{
	(void)state;
	online(4);
	assert_int_equal(placed(0, 1U << 2)->cpu, 2);
	assert_int_equal(placed(1, 1U << 2)->cpu, 2); /* though CPUs 0, 1 and 3 are emptier */
	assert_int_equal(placed(2, 1U << 1 | 1U << 3)->cpu, 1);
	assert_int_equal(placed(3, 1U << 1 | 1U << 3)->cpu, 3);
	assert_int_equal(cpus[2].rq.nvcpus, 2);
}

static void test_pinned_to_offline_cpus_is_refused(void **state)
{
	struct vcpu *v = &guests[0].vcpus[0];

	(void)state;
	online(2);
	guests[0].cfg.cpu_mask = 1U << 3;
	guests[0].cfg.weight = 256;
	v->vm = &guests[0];
	v->cpu_mask = 1U << 3; /* placement follows the vCPU's own mask (sched_attach copies it) */
	assert_int_equal(sched_place(v), SCHED_NO_CPU);
	assert_false(sched_attach(v));
}

/* A vCPU on CPU 1 is woken from CPU 0: CPU 1 is told to look (need_resched) and kicked. */
static void test_wake_on_another_cpu_kicks_it(void **state)
{
	struct vcpu *v;

	(void)state;
	online(2);
	v = placed(0, 1U << 1);
	assert_int_equal(v->cpu, 1);
	sched_wake(v);
	assert_int_equal(v->state, VCPU_RUNNABLE);
	assert_true(cpus[1].rq.need_resched);
	assert_int_equal(fake_irqchip.ipis[1], 1);
	assert_int_equal(fake_irqchip.ipis[0], 0);
	/* CPU 1 picks it up at its next look. */
	arch_set_this_cpu(&cpus[1]);
	assert_ptr_equal(sched_next(NULL), v);
	assert_false(cpus[1].rq.need_resched);
	assert_int_equal(fake_irqchip.ipis[1], 1); /* no kick for itself */
}

/* An event for a vCPU that runs on another CPU: its virtual IRQ line is set and its CPU kicked
 * (it reads the line on entry). A blocked one is woken there. */
static void test_event_for_a_vcpu_on_another_cpu(void **state)
{
	struct vcpu *v;

	(void)state;
	online(2);
	v = placed(0, 1U << 1);
	arch_set_this_cpu(&cpus[1]);
	sched_wake(v);
	assert_ptr_equal(sched_next(NULL), v);
	arch_set_this_cpu(&cpus[0]);
	vm_event_raise(&guests[0], 10);
	assert_true(v->arch.virq);
	assert_int_equal(fake_irqchip.ipis[1], 1);
	/* It acknowledges and blocks on CPU 1; the next event, from CPU 0, wakes it there. */
	arch_set_this_cpu(&cpus[1]);
	guests[0].vcpus[0].ev_pending = 0;
	v->arch.virq = false;
	sched_block(v, 0);
	assert_int_equal(v->state, VCPU_BLOCKED);
	cpus[1].rq.need_resched = false;
	arch_set_this_cpu(&cpus[0]);
	vm_event_raise(&guests[0], 11);
	assert_int_equal(v->state, VCPU_RUNNABLE);
	assert_true(cpus[1].rq.need_resched);
	assert_int_equal(fake_irqchip.ipis[1], 2);
}

/* The event comes between the guest's look (nothing pending) and its block: it must not sleep. */
static void test_block_after_a_raced_event_stays_runnable(void **state)
{
	struct vcpu *v = guest(0, 256, 0);

	(void)state;
	start(&v, 1);
	guests[0].vcpus[0].ev_pending = 1ULL << 9; /* raised meanwhile, from another CPU */
	sched_block(v, 0);
	assert_int_equal(v->state, VCPU_RUNNING);
	assert_false(cpus[0].rq.need_resched);
	assert_ptr_equal(sched_next(v), v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_weights_1_2_4_share_the_cpu),
		T(test_weights_hold_every_second),
		T(test_cap_alone_throttles_then_releases),
		T(test_cap_with_competitor),
		T(test_block_with_deadline_wakes_at_deadline),
		T(test_idle_sleeps_until_the_deadline),
		T(test_idle_arms_the_earliest_deadline),
		T(test_block_until_event),
		T(test_idle_until_event),
		T(test_wake_after_long_sleep_gets_one_slice_of_credit),
		T(test_stopped_vcpus_never_run),
		T(test_stopped_blocked_vcpu_ignores_its_deadline),
		T(test_yield_lets_the_other_run),
		T(test_detach_and_full_runqueue),
		T(test_vcpus_spread_over_the_least_loaded_cpus),
		T(test_offline_cpus_get_nothing),
		T(test_pinned_vcpus_stay_on_their_cpus),
		T(test_pinned_to_offline_cpus_is_refused),
		T(test_wake_on_another_cpu_kicks_it),
		T(test_event_for_a_vcpu_on_another_cpu),
		T(test_block_after_a_raced_event_stays_runnable),
	};

	return cmocka_run_group_tests_name("sched", tests, NULL, NULL);
}
