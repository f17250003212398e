/**
 * hyp/sched_balance.c: placement by weighted load, idle pull, the periodic pull from the busiest
 * CPU, what may not move (running, loaded, pinned, throttled), no ping-pong, and pinning.
 *
 * Several CPUs are simulated in turn on one host thread: each has its own current vCPU and its own
 * armed timer; the earliest timer fires next (sched_timer_irq, then the exit path as the arch runs
 * it: vcpu_exit_resched, which also loads the vCPU, so cpus[c].loaded is real). A kick makes its
 * CPU take an exit at once. The idle stub is entered as on the hardware: vcpu_enter_first, caught
 * at its final entry by the fake arch. A CPU that goes idle (WFI) is left there: the simulation
 * jumps back out and, when its timer fires or it is kicked, has it look again (sched_next(NULL)).
 */
#include "support.h"

#include <skiff/cpu.h>
#include <skiff/sched.h>
#include <skiff/sched_rq.h>
#include <skiff/smp.h>
#include <skiff/timer.h>
#include <skiff/vcpu_trap.h>
#include <skiff/vm.h>
#include <skiff/vmid.h>
#include <skiff-abi/hypercall.h>

#define NGUESTS 6
#define NCPUS 4

extern struct vmid_space vmids; /* vm.c */

static struct vm guests[NGUESTS];
static struct {
	struct vcpu *cur; /* what the CPU runs (NULL: idle) */
	uint64_t timer;   /* its timer, while another CPU is simulated */
	bool armed;
	unsigned kicks_seen;
} sim[NCPUS];
static unsigned ncpus;
static jmp_buf *idle_jmp; /* where WFI goes back to (the CPU idles) */

static uint64_t ms(uint64_t n)
{
	return timer_us_to_ticks(n * 1000);
}

/* An idle CPU (no lock held) stays idle until its timer or a kick: back to the simulation. */
static void wfi(void)
{
	if (!fake.timer_armed)
		fail_msg("idle at %lu with no timer armed", fake.counter);
	if (!idle_jmp)
		fail_msg("a CPU idles outside the simulation");
	longjmp(*idle_jmp, 1);
}

static int setup(void **state)
{
	test_setup(state);
	test_cpus_reset();
	vmid_space_init(&vmids, 256);
	memset(guests, 0, sizeof(guests));
	memset(sim, 0, sizeof(sim));
	fake.wfi_hook = wfi;
	return 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, test_teardown)

static void online(unsigned n)
{
	ncpus = n;
	for (unsigned i = 1; i < n; i++)
		cpus[i].state = CPU_READY;
}

/* Guest @i: a one-vCPU VM of @weight allowed on @mask, attached where placement says. */
static struct vcpu *guest(unsigned i, uint32_t weight, uint32_t mask)
{
	struct vm *vm = &guests[i];

	vm->id = i;
	vm->state = VM_RUNNING;
	vm->cfg.weight = weight;
	vm->cfg.cpu_mask = mask;
	vm->nvcpus = 1;
	vm->s2.root = pa_init(0x100000 * (i + 1));
	vm->vcpus[0].vm = vm;
	assert_true(sched_attach(&vm->vcpus[0]));
	return &vm->vcpus[0];
}

/* Guest @i created and started (as vm_create does: attached, then woken). */
static struct vcpu *started(unsigned i, uint32_t weight, uint32_t mask)
{
	struct vcpu *v = guest(i, weight, mask);

	sched_wake(v);
	return v;
}

static void on(unsigned c)
{
	arch_set_this_cpu(&cpus[c]);
	fake.timer_deadline = sim[c].timer;
	fake.timer_armed = sim[c].armed;
}

static void off(unsigned c)
{
	sim[c].timer = fake.timer_deadline;
	sim[c].armed = fake.timer_armed;
	sim[c].kicks_seen = fake_irqchip.ipis[c];
}

/* vcpu_enter_first on this CPU, up to the guest entry (the fake arch jumps back here). */
static struct vcpu *enter_first(void)
{
	jmp_buf jb;

	fake_vcpu.enter_jmp = &jb;
	if (setjmp(jb) == 0) {
		vcpu_enter_first();
		fail_msg("vcpu_enter_first returned");
	}
	fake_vcpu.enter_jmp = NULL;
	return fake_vcpu.entered;
}

/*
 * What this CPU does next: the exit path of the vCPU it runs, as guest_entry.S runs it (the idle
 * stub included), or, idle (@cur NULL), a fresh look. NULL if it idles (again).
 */
static struct vcpu *step(struct vcpu *cur)
{
	jmp_buf jb;
	struct vcpu *volatile next = NULL;

	idle_jmp = &jb;
	if (setjmp(jb) == 0) {
		next = cur ? vcpu_exit(cur) : enter_first();
		if (!next->vm)
			next = enter_first();
	}
	idle_jmp = NULL;
	return next;
}

static struct vcpu *exit_path(struct vcpu *v)
{
	return step(v);
}

/* Every online CPU enters its first vCPU (or idles), as boot does. */
static void boot(void)
{
	for (unsigned c = 0; c < ncpus; c++) {
		on(c);
		sim[c].cur = step(NULL);
		off(c);
	}
}

/* CPUs kicked since they last ran take their exit now (the kick interrupt). */
static void take_kicks(void)
{
	for (unsigned c = 0; c < ncpus; c++)
		if (fake_irqchip.ipis[c] != sim[c].kicks_seen) {
			on(c);
			sim[c].cur = exit_path(sim[c].cur);
			off(c);
		}
}

/* The CPUs compute until @end; each timer interrupt is taken on its CPU, earliest first. */
static void run_until(uint64_t end)
{
	for (unsigned n = 0;; n++) {
		unsigned c = NCPUS;
		if (n > 1000000)
			fail_msg("the simulation does not end");
		for (unsigned i = 0; i < ncpus; i++)
			if (sim[i].armed && (c == NCPUS || sim[i].timer < sim[c].timer))
				c = i;
		if (c == NCPUS)
			fail_msg("no CPU has its timer armed at %lu", fake.counter);
		if (MAX(sim[c].timer, fake.counter) > end)
			break;
		fake.counter = MAX(sim[c].timer, fake.counter);
		on(c);
		fake.timer_armed = false;
		sched_timer_irq();
		sim[c].cur = exit_path(sim[c].cur);
		off(c);
		take_kicks();
	}
	fake.counter = end;
}

/* Counter ticks @v has run, the stretch it is running now included. */
static uint64_t ran(const struct vcpu *v)
{
	return v->cpu_ticks + (v->state == VCPU_RUNNING ? fake.counter - v->run_start : 0);
}

static uint64_t moves(void)
{
	uint64_t n = 0;

	for (unsigned c = 0; c < NCPUS; c++)
		n += cpus[c].rq.moves;
	return n;
}

/* ---- Placement ---- */

static void test_placement_follows_weighted_load(void **state)
{
	struct vcpu *a, *b, *c, *d;

	(void)state;
	online(2);
	a = started(0, 4, 0); /* both empty: the lowest index */
	b = started(1, 1, 0); /* load 4 against 0 */
	c = started(2, 1, 0); /* 4 against 1 */
	d = started(3, 2, 0); /* 4 against 2: weight, not the number of vCPUs, decides */
	assert_int_equal(a->cpu, 0);
	assert_int_equal(b->cpu, 1);
	assert_int_equal(c->cpu, 1);
	assert_int_equal(d->cpu, 1);
	/* A paused VM's vCPUs weigh nothing: 0 against 4. */
	guests[0].state = VM_PAUSED;
	assert_int_equal(guest(4, 1, 0)->cpu, 0);
}

/* ---- The 1, 1, 2 case ---- */

static void test_weights_1_1_2_on_two_cpus_converge(void **state)
{
	struct vcpu *v[3];
	uint64_t from[3], total = 0;

	(void)state;
	online(2);
	v[0] = started(0, 1, 0);
	v[1] = started(1, 1, 0);
	v[2] = started(2, 2, 0);
	/* placement alone: {1, 2} and {1} */
	assert_int_equal(v[0]->cpu, 0);
	assert_int_equal(v[1]->cpu, 1);
	assert_int_equal(v[2]->cpu, 0);
	boot();
	run_until(ms(100));
	assert_int_equal(v[0]->cpu, v[1]->cpu); /* {1, 1} and {2} */
	assert_int_not_equal(v[2]->cpu, v[0]->cpu);
	assert_int_equal(moves(), 1); /* one move did it, and nothing moves back */
	for (unsigned i = 0; i < 3; i++)
		from[i] = ran(v[i]);
	run_until(ms(1100));
	assert_int_equal(moves(), 1);
	for (unsigned i = 0; i < 3; i++) {
		from[i] = ran(v[i]) - from[i];
		total += from[i];
	}
	/* Two CPUs' worth of time, shared 1:1:2 within 5 %. */
	assert_in_range(total, 2 * ms(1000) - ms(1), 2 * ms(1000));
	for (unsigned i = 0; i < 3; i++) {
		uint64_t want = total * (i == 2 ? 2 : 1) / 4;
		assert_in_range(from[i], want - want / 20, want + want / 20);
	}
}

/* ---- Idle pull ---- */

static void test_idle_cpu_pulls_a_waiting_vcpu(void **state)
{
	struct vcpu *a, *b;

	(void)state;
	online(2);
	a = started(0, 256, 1U << 0);
	b = started(1, 256, 1U << 0); /* both on CPU 0: placement had no choice */
	on(0);
	sim[0].cur = step(NULL); /* a runs, b waits on CPU 0 */
	off(0);
	assert_ptr_equal(sim[0].cur, a);
	assert_int_equal(sched_pin(b, 0), 0); /* b may go anywhere now: allowed where it is */
	assert_int_equal(b->cpu, 0);
	on(1); /* CPU 1 has nothing: about to idle, it pulls b */
	sim[1].cur = step(NULL);
	off(1);
	assert_ptr_equal(sim[1].cur, b);
	assert_int_equal(b->cpu, 1);
	assert_int_equal(cpus[1].rq.moves, 1);
	assert_ptr_equal(cpus[1].loaded, b);
}

/* ---- What may not move ---- */

/* A running vCPU and a loaded one stay; so do throttled and pinned ones. */
static void test_running_loaded_throttled_pinned_stay(void **state)
{
	struct vcpu *a, *b;

	(void)state;
	online(2);
	a = started(0, 256, 1U << 0);
	b = started(1, 256, 1U << 0);
	on(0);
	sim[0].cur = step(NULL); /* a runs */
	off(0);
	assert_ptr_equal(sim[0].cur, a);
	/* Pinned: b must stay on CPU 0 though CPU 1 is empty. */
	on(1);
	assert_false(sched_balance());
	/* Free to move, but still loaded on CPU 0 (as right after a switch away from it). */
	b->cpu_mask = 0;
	cpus[0].loaded = b;
	assert_false(sched_balance());
	/* Switched away from, but CPU 0 has not passed a scheduling point since: its x19-x29 may
	 * still be live there. */
	cpus[0].loaded = a;
	b->unload_pass = cpus[0].passes;
	assert_false(sched_balance());
	/* Throttled (its cap reached). */
	cpus[0].passes++;
	b->throttled = true;
	assert_false(sched_balance());
	b->throttled = false;
	/* The running one never moves: only b may go. */
	assert_true(sched_balance());
	assert_int_equal(b->cpu, 1);
	assert_int_equal(a->cpu, 0);
	assert_int_equal(cpus[0].rq.nvcpus, 1);
	assert_int_equal(cpus[1].rq.nvcpus, 1);
}

/* A blocked vCPU is not pulled (it competes for nothing), nor a paused VM's. */
static void test_blocked_and_paused_vcpus_are_not_pulled(void **state)
{
	struct vcpu *a, *b, *c;

	(void)state;
	online(2);
	a = started(0, 256, 1U << 0);
	b = started(1, 256, 1U << 0);
	c = started(2, 256, 1U << 0);
	on(0);
	sim[0].cur = step(NULL);
	off(0);
	assert_ptr_equal(sim[0].cur, a);
	b->cpu_mask = c->cpu_mask = 0;
	b->state = VCPU_BLOCKED;
	guests[2].state = VM_PAUSED;
	on(1);
	assert_false(sched_balance()); /* a runs, b sleeps, c is paused: nothing to take */
	assert_int_equal(b->cpu, 0);
	assert_int_equal(c->cpu, 0);
}

/* ---- No ping-pong ---- */

static void test_balanced_load_never_moves(void **state)
{
	struct vcpu *v[4];

	(void)state;
	online(2);
	for (unsigned i = 0; i < 4; i++)
		v[i] = started(i, 256, 0);
	boot();
	run_until(ms(500));
	assert_int_equal(moves(), 0);
	assert_int_equal(v[0]->cpu, 0);
	assert_int_equal(v[1]->cpu, 1);
	assert_int_equal(v[2]->cpu, 0);
	assert_int_equal(v[3]->cpu, 1);
}

static void test_uneven_weights_settle_and_stay(void **state)
{
	(void)state;
	online(2);
	started(0, 3, 0); /* CPU 0 */
	started(1, 2, 0); /* CPU 1 */
	started(2, 1, 0); /* CPU 1 (2 < 3) */
	boot();
	run_until(ms(500)); /* 3 against 3: nothing to do */
	assert_int_equal(moves(), 0);
	on(1); /* the 2 stops: 3 against 1 leaves a gap of 2 ... */
	sched_stop(&guests[1].vcpus[0]);
	off(1);
	run_until(ms(1000));
	assert_int_equal(moves(), 0); /* ... which a move of the 1 or the 3 would not shrink */
}

/* ---- Pinning ---- */

static void test_pin_moves_a_waiting_vcpu_at_once(void **state)
{
	struct vcpu *a, *b;

	(void)state;
	online(2);
	a = started(0, 256, 0);
	b = started(1, 256, 0);
	a->state = VCPU_BLOCKED; /* neither runs nor is loaded anywhere */
	assert_int_equal(a->cpu, 0);
	assert_int_equal(sched_pin(a, 1U << 1), 0);
	assert_int_equal(a->cpu, 1);
	assert_int_equal(a->cpu_mask, 1U << 1);
	assert_false(a->evicted);
	assert_int_equal(cpus[1].rq.moves, 1);
	assert_true(cpus[1].rq.need_resched);
	(void)b;
}

/* Pinned away from the CPU that runs it: kicked, it leaves through the idle stub and is pushed. */
static void test_pin_makes_a_running_vcpu_leave(void **state)
{
	struct vcpu *a, *b;

	(void)state;
	online(2);
	a = started(0, 256, 0);
	b = started(1, 256, 0);
	boot();
	assert_ptr_equal(sim[0].cur, a);
	assert_ptr_equal(sim[1].cur, b);
	on(1); /* pinned from CPU 1 (the root partition, say) */
	assert_int_equal(sched_pin(a, 1U << 1), 0);
	off(1);
	assert_int_equal(a->cpu, 0); /* running there: it cannot move yet */
	assert_true(a->evicted);
	assert_int_equal(fake_irqchip.ipis[0], 1);
	take_kicks(); /* CPU 0 lets it go through the idle stub, then pushes it to CPU 1 */
	assert_int_equal(fake_vcpu.stubs, 1);
	assert_int_equal(fake_vcpu.unloads, 1);
	assert_null(cpus[0].loaded);
	assert_int_equal(a->cpu, 1);
	assert_int_equal(a->state, VCPU_RUNNABLE);
	assert_int_equal(cpus[1].rq.moves, 1);
	/* CPU 0 idles; the two share CPU 1 from now on. */
	run_until(ms(200));
	assert_int_equal(a->cpu, 1);
	assert_in_range(ran(a), ms(90), ms(110));
}

/* A vCPU pinned away while another runs on its CPU goes at that CPU's next balance. */
static void test_pin_of_a_vcpu_waiting_behind_another(void **state)
{
	struct vcpu *a, *b, *c;

	(void)state;
	online(2);
	a = started(0, 256, 1U << 0);
	b = started(1, 256, 1U << 0);
	c = started(2, 256, 1U << 1);
	boot();
	run_until(ms(5)); /* a and b take turns on CPU 0 */
	assert_int_equal(sched_pin(b, 1U << 1), 0);
	run_until(ms(50));
	assert_int_equal(b->cpu, 1);
	assert_int_equal(a->cpu, 0);
	assert_int_equal(c->cpu, 1);
	assert_false(b->evicted);
}

static void test_pin_refuses_offline_cpus(void **state)
{
	struct vcpu *a;

	(void)state;
	online(2);
	a = started(0, 256, 0);
	assert_int_equal(sched_pin(a, 1U << 3), SKIFF_E_INVAL);
	assert_int_equal(sched_pin(a, 1U << 3 | 1U << 1), 0); /* CPU 1 is enough */
	assert_int_equal(a->cpu, 1);
	assert_int_equal(sched_pin(a, 0), 0); /* any CPU: it stays */
	assert_int_equal(a->cpu, 1);
}

/* Four CPUs, six equal guests created at once: two CPUs get two, balanced, no moves. */
static void test_four_cpus(void **state)
{
	unsigned per[NCPUS] = { 0 };

	(void)state;
	online(4);
	for (unsigned i = 0; i < 6; i++)
		started(i, 256, 0);
	boot();
	run_until(ms(300));
	for (unsigned i = 0; i < 6; i++)
		per[guests[i].vcpus[0].cpu]++;
	for (unsigned c = 0; c < 4; c++)
		assert_in_range(per[c], 1, 2);
	assert_int_equal(moves(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_placement_follows_weighted_load),
		T(test_weights_1_1_2_on_two_cpus_converge),
		T(test_idle_cpu_pulls_a_waiting_vcpu),
		T(test_running_loaded_throttled_pinned_stay),
		T(test_blocked_and_paused_vcpus_are_not_pulled),
		T(test_balanced_load_never_moves),
		T(test_uneven_weights_settle_and_stay),
		T(test_pin_moves_a_waiting_vcpu_at_once),
		T(test_pin_makes_a_running_vcpu_leave),
		T(test_pin_of_a_vcpu_waiting_behind_another),
		T(test_pin_refuses_offline_cpus),
		T(test_four_cpus),
	};

	return cmocka_run_group_tests_name("balance", tests, NULL, NULL);
}
