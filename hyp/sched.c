/**
 * Stride scheduler (see sched.h). Each CPU's runqueue lists every vCPU placed on it; picking is a
 * linear scan for the least weighted virtual runtime among runnable, unthrottled vCPUs. The hot
 * exit path (a hypercall that does not block) is one check of `need_resched`.
 *
 * SMP: a vCPU is placed on the least loaded CPU it may use when it is created (sched_attach) and
 * moves when balancing or pinning moves it (sched_balance.c). Another CPU's runqueue is changed
 * only under its lock, and that CPU is then kicked (smp_kick) to look at it: it alone arms its
 * timer. v->cpu changes only under both runqueue locks; lock_vcpu_rq retries if it moved meanwhile.
 *
 * Lock order: vm.lock before runqueue.lock; two runqueue locks in CPU index order (balancing);
 * nothing else is taken under a runqueue lock except the frame pool. Event bits are atomic and
 * need no lock.
 */
#include <skiff/arch_vcpu.h>
#include <skiff/console.h>
#include <skiff/cpu.h>
#include <skiff/panic.h>
#include <skiff/sched.h>
#include <skiff/sched_rq.h>
#include <skiff/smp.h>
#include <skiff/timer.h>
#include <skiff/vm.h>
#include <skiff-abi/hypercall.h>

/*
 * The runqueue @v was on when looked at: v->cpu changes only under the runqueue locks, so a caller
 * that does not hold them checks again under the lock (lock_vcpu_rq). A plain load: GCC gives an
 * atomic one no offset addressing, which costs the doorbell path three instructions.
 */
static struct runqueue *rq_of(struct vcpu *v)
{
	return &cpus[v->cpu].rq;
}

static uint64_t lock_rq(struct runqueue *rq)
{
	return sched_rq_lock(rq);
}

static void unlock_rq(struct runqueue *rq, uint64_t flags)
{
	sched_rq_unlock(rq, flags);
}

/* The runqueue @v is on, locked (it may move between the look and the lock: then again). */
static inline __attribute__((always_inline)) struct runqueue *lock_vcpu_rq(struct vcpu *v,
									   uint64_t *flags)
{
	for (;;) {
		struct runqueue *rq = rq_of(v);
		*flags = lock_rq(rq);
		if (rq == rq_of(v))
			return rq;
		unlock_rq(rq, *flags);
	}
}

struct runqueue *sched_lock_vcpu_rq(struct vcpu *v, uint64_t *flags)
{
	return lock_vcpu_rq(v, flags);
}

static bool is_local(const struct runqueue *rq)
{
	return rq == &this_cpu()->rq;
}

bool sched_attach(struct vcpu *v)
{
	unsigned c;
	struct runqueue *rq;
	uint64_t flags;
	bool ok;

	v->cpu_mask = v->vm->cfg.cpu_mask; /* kept across reboots; sched_pin changes it */
	v->evicted = false;
	v->unload_pass = UINT64_MAX; /* never loaded */
	c = sched_place(v);
	if (c == SCHED_NO_CPU)
		return false;
	rq = &cpus[c].rq;
	flags = lock_rq(rq);
	ok = rq->nvcpus < SCHED_MAX_VCPUS;
	if (ok) {
		__atomic_store_n(&v->cpu, c, __ATOMIC_RELAXED);
		rq->vcpus[rq->nvcpus++] = v;
		v->state = VCPU_OFF;
		v->detached = false;
		v->vruntime = rq->min_vruntime;
	}
	unlock_rq(rq, flags);
	return ok;
}

/* After a change to @rq (unlocked now) that its CPU must see: a kick if it is another CPU. */
static void tell(struct runqueue *rq)
{
	if (!is_local(rq))
		smp_kick(sched_rq_cpu(rq));
}

void sched_tell(struct runqueue *rq)
{
	tell(rq);
}

void sched_detach(struct vcpu *v)
{
	uint64_t flags;
	struct runqueue *rq = lock_vcpu_rq(v, &flags);
	bool running = rq->current == v;

	for (unsigned i = 0; i < rq->nvcpus; i++)
		if (rq->vcpus[i] == v)
			rq->vcpus[i] = rq->vcpus[--rq->nvcpus];
	v->state = VCPU_OFF;
	v->detached = true; /* for good: nothing wakes it again */
	if (running)
		rq->need_resched = true;
	unlock_rq(rq, flags);
	if (running)
		tell(rq);
}

static void account(struct runqueue *rq, struct vcpu *v, uint64_t now);
static void note_deadline(struct runqueue *rq, uint64_t deadline);
static void arm(struct runqueue *rq, uint64_t when);

/*
 * Slice and period in counter ticks. Converting microseconds costs two divisions, and the wake
 * path runs on every doorbell, so each runqueue keeps the figures, under its lock, until the
 * counter frequency changes (never, on hardware; between host unit tests, it may). Per runqueue,
 * not shared: every CPU reads them, and a shared copy would be written without ordering. Each
 * entry that takes the lock (wake, pick, timer) refreshes them once; the helpers below only read.
 */
static __attribute__((noinline, cold)) void compute_ticks(struct runqueue *rq, uint64_t f)
{
	rq->tick_freq = f;
	rq->slice_ticks = timer_us_to_ticks(SCHED_SLICE_US);
	rq->period_ticks = timer_us_to_ticks(SCHED_PERIOD_US);
}

/* Under @rq's lock. */
static inline void refresh_ticks(struct runqueue *rq)
{
	uint64_t f = arch_counter_freq();

	if (__builtin_expect(f != rq->tick_freq, 0))
		compute_ticks(rq, f);
}

static uint64_t slice_ticks(const struct runqueue *rq)
{
	return rq->slice_ticks;
}

/*
 * A bound on the least vruntime among the vCPUs competing for this CPU, for the wake-up floor.
 * The running vCPU had the least when it was picked and only it has moved since, so its
 * up-to-date vruntime bounds the least from above (a floor one slice below it gives at most
 * one slice of credit). Idle, the runnable vCPUs are scanned.
 */
static uint64_t least_vruntime(struct runqueue *rq)
{
	uint64_t least = UINT64_MAX;

	if (rq->current && rq->current->state == VCPU_RUNNING) {
		account(rq, rq->current, arch_counter_now());
		return rq->current->vruntime;
	}
	for (unsigned i = 0; i < rq->nvcpus; i++) {
		struct vcpu *v = rq->vcpus[i];
		if ((v->state == VCPU_RUNNABLE || v->state == VCPU_RUNNING) && v->vruntime < least)
			least = v->vruntime;
	}
	return least == UINT64_MAX ? rq->min_vruntime : least;
}

/*
 * A vCPU that slept does not get to bank its idle time: at most one slice of credit against the
 * least vruntime now. It preempts the running vCPU only if it would be picked over it; otherwise
 * it waits for the slice end like any runnable vCPU (which keeps a doorbell cheap).
 */
/* Returns true if @rq's CPU must look again (need_resched set): kick it if it is another. */
static bool wake_locked(struct runqueue *rq, struct vcpu *v)
{
	uint64_t slice, least;
	struct vcpu *cur = rq->current;

	refresh_ticks(rq);
	slice = slice_ticks(rq);
	if ((v->state != VCPU_BLOCKED && v->state != VCPU_OFF) || v->detached)
		return false;
	least = least_vruntime(rq);
	v->state = VCPU_RUNNABLE;
	v->block_deadline = 0;
	if (least > slice && v->vruntime < least - slice)
		v->vruntime = least - slice;
	if (!cur || cur->state != VCPU_RUNNING || v->vruntime < cur->vruntime || !is_local(rq)) {
		/* (Another CPU's timer is its own to arm: it re-picks, which arms it.) */
		rq->need_resched = true;
		return true;
	}
	/* It waits for the slice end: make sure the timer comes by then. */
	__atomic_store_n(&rq->nrunnable, rq->nrunnable + 1, __ATOMIC_RELAXED); /* (a hint for
										   balancing) */
	if (rq->slice_end < rq->timer_at)
		arm(rq, rq->slice_end);
	return false;
}

void sched_wake(struct vcpu *v)
{
	uint64_t flags;
	struct runqueue *rq = lock_vcpu_rq(v, &flags);
	bool look = wake_locked(rq, v);

	unlock_rq(rq, flags);
	if (look)
		tell(rq);
}

/*
 * Under @rq's lock: blocks @v (running or runnable on @rq) until an event or @deadline. An event
 * raised on another CPU while @v was deciding to block: the raiser writes the pending bit, then
 * reads the state (vm_vcpu_notify); here the state is written, then the bits read. One of the
 * two sees the other's write (the fence), so either the raiser wakes it or it stays up.
 */
static bool block_locked(struct runqueue *rq, struct vcpu *v, uint64_t deadline)
{
	enum vcpu_state was = v->state;

	if (was != VCPU_RUNNING && was != VCPU_RUNNABLE)
		return false;
	__atomic_store_n(&v->state, VCPU_BLOCKED, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vcpu_event_ready(v)) {
		v->state = was;
		return false;
	}
	v->block_deadline = deadline;
	note_deadline(rq, deadline);
	rq->need_resched = true;
	return true;
}

bool sched_block(struct vcpu *v, uint64_t deadline)
{
	uint64_t flags;
	struct runqueue *rq = lock_vcpu_rq(v, &flags);
	bool blocked = block_locked(rq, v, deadline);

	unlock_rq(rq, flags);
	return blocked;
}

void sched_block_at_exit(struct vcpu *v)
{
	v->block_at_exit = true;
	this_cpu()->rq.need_resched = true;
}

void sched_stop(struct vcpu *v)
{
	uint64_t flags;
	struct runqueue *rq = lock_vcpu_rq(v, &flags);

	v->state = VCPU_OFF;
	rq->need_resched = true;
	unlock_rq(rq, flags);
	tell(rq);
}

void sched_yield(struct vcpu *v)
{
	struct runqueue *rq = rq_of(v);
	uint64_t flags;

	if (__builtin_expect(is_local(rq) && rq->current == v, 1)) { /* WFE, YIELD */
		rq->need_resched = true;
		return;
	}
	/* Pausing a VM whose vCPU may be on another CPU, or moving: under its runqueue's lock. */
	rq = lock_vcpu_rq(v, &flags);
	rq->need_resched = true;
	unlock_rq(rq, flags);
	tell(rq);
}

static uint64_t period_ticks(const struct runqueue *rq)
{
	return rq->period_ticks;
}

uint64_t sched_period_ticks(void)
{
	return timer_us_to_ticks(SCHED_PERIOD_US);
}

static void account(struct runqueue *rq, struct vcpu *v, uint64_t now)
{
	uint64_t delta = now - v->run_start;
	uint32_t cap = v->vm->cfg.cap;

	v->cpu_ticks += delta;
	v->period_ticks += delta;
	v->vruntime += delta * SCHED_WEIGHT_UNIT / v->vm->cfg.weight;
	v->run_start = now;
	if (cap && v->period_ticks * 100 >= (uint64_t)cap * period_ticks(rq))
		v->throttled = true;
}

/*
 * Starts a new cap period when the old one is over: every vCPU's period budget is reset, and
 * this CPU balances at its next timer interrupt (sched_timer_irq).
 */
static void roll_period(struct runqueue *rq, uint64_t now)
{
	if (now - rq->period_start < period_ticks(rq))
		return;
	rq->period_start = now;
	rq->balance_due = true;
	for (unsigned i = 0; i < rq->nvcpus; i++) {
		rq->vcpus[i]->period_ticks = 0;
		rq->vcpus[i]->throttled = rq->vcpus[i]->evicted; /* (pick() looks at one flag) */
	}
}

/* The earliest deadline of @v that is still to come (UINT64_MAX: none). */
static uint64_t earliest(const struct vcpu *v)
{
	uint64_t d = UINT64_MAX;

	if (v->timer_deadline)
		d = v->timer_deadline;
	if (v->vtimer_deadline)
		d = MIN(d, v->vtimer_deadline);
	if (v->state == VCPU_BLOCKED && v->block_deadline)
		d = MIN(d, v->block_deadline);
	return d;
}

/* Expires what is due for @v: one-shot timer, guest timer, block deadline. */
static void expire_one(struct runqueue *rq, struct vcpu *v, uint64_t now)
{
	if (v->timer_deadline && now >= v->timer_deadline) {
		v->timer_deadline = 0;
		__atomic_fetch_or(&v->ev_pending, 1ULL << SKIFF_EV_TIMER, __ATOMIC_RELAXED);
	}
	if (v->vtimer_deadline && now >= v->vtimer_deadline) {
		arch_vcpu_vtimer_mask(v); /* as the hardware would have raised it */
		__atomic_fetch_or(&v->ev_pending, 1ULL << SKIFF_EV_VTIMER, __ATOMIC_RELAXED);
	}
	vcpu_events_update(v);
	if (v->state == VCPU_BLOCKED &&
	    ((v->block_deadline && now >= v->block_deadline) || vcpu_event_ready(v)))
		wake_locked(rq, v);
}

/*
 * Expires every deadline that is due, in one pass that also finds the earliest one left
 * (rq->next_deadline). Nothing is scanned before that moment: deadlines set meanwhile lower it
 * through note_deadline, so the exit path stays O(1) in the number of vCPUs until one is due.
 */
static void expire_deadlines(struct runqueue *rq, uint64_t now)
{
	uint64_t next = UINT64_MAX;

	if (now < rq->next_deadline)
		return;
	for (unsigned i = 0; i < rq->nvcpus; i++) {
		expire_one(rq, rq->vcpus[i], now);
		next = MIN(next, earliest(rq->vcpus[i]));
	}
	rq->next_deadline = next;
}

static void note_deadline(struct runqueue *rq, uint64_t deadline)
{
	if (deadline && deadline < rq->next_deadline)
		rq->next_deadline = deadline;
}

void sched_rq_note_deadline(struct runqueue *rq, uint64_t deadline)
{
	note_deadline(rq, deadline);
}

uint64_t sched_vcpu_deadline(const struct vcpu *v)
{
	return earliest(v);
}

void sched_note_deadline(struct vcpu *v, uint64_t deadline)
{
	uint64_t flags;
	struct runqueue *rq = lock_vcpu_rq(v, &flags);

	note_deadline(rq, deadline);
	unlock_rq(rq, flags);
}

void sched_set_timer(struct vcpu *v, uint64_t deadline)
{
	uint64_t flags;
	struct runqueue *rq = lock_vcpu_rq(v, &flags);

	v->timer_deadline = deadline;
	note_deadline(rq, deadline);
	rq->need_resched = true; /* re-arm the hardware timer on the way out */
	unlock_rq(rq, flags);
}

static struct vcpu *pick(struct runqueue *rq)
{
	struct vcpu *best = NULL;
	unsigned runnable = 0;

	for (unsigned i = 0; i < rq->nvcpus; i++) {
		struct vcpu *v = rq->vcpus[i];
		if ((v->state != VCPU_RUNNABLE && v->state != VCPU_RUNNING) || v->throttled ||
		    v->vm->state != VM_RUNNING) /* paused VMs do not run; evicted are throttled */
			continue;
		runnable++;
		if (!best || v->vruntime < best->vruntime)
			best = v;
	}
	__atomic_store_n(&rq->nrunnable, runnable, __ATOMIC_RELAXED); /* (read by balancing) */
	if (best)
		rq->min_vruntime = best->vruntime;
	return best;
}

/* The next moment the scheduler must look again: slice end, a deadline, or the period end. */
static uint64_t next_event(struct runqueue *rq, uint64_t now)
{
	uint64_t next = now + period_ticks(rq) - MIN(now - rq->period_start, period_ticks(rq));
	struct vcpu *cur = rq->current;

	if (cur && rq->nrunnable > 1)
		next = MIN(next, rq->slice_end);
	if (cur && cur->vm->cfg.cap) { /* when its cap's budget for this period runs out */
		uint64_t budget = ((uint64_t)cur->vm->cfg.cap * period_ticks(rq) + 99) / 100;
		next = MIN(next, cur->run_start + budget - MIN(budget, cur->period_ticks));
	}
	return MIN(next, rq->next_deadline);
}

/* Arms the hardware timer for @when and remembers it (wake-ups may need it sooner). */
static void arm(struct runqueue *rq, uint64_t when)
{
	rq->timer_at = when;
	arch_timer_arm(when);
}

unsigned sched_runnable(void)
{
	struct runqueue *rq = &this_cpu()->rq;
	unsigned n = 0;

	for (unsigned i = 0; i < rq->nvcpus; i++)
		n += rq->vcpus[i]->state == VCPU_RUNNABLE || rq->vcpus[i]->state == VCPU_RUNNING;
	return n;
}

/*
 * The vCPU whose EL1 state this CPU still holds, if it was stopped, is forgotten before the CPU
 * sleeps: its VM may be destroyed or reset meanwhile (sched_quiesce waits for this).
 */
static void forget_stopped(void)
{
	struct vcpu *v = this_cpu()->loaded;

	if (v && (__atomic_load_n(&v->state, __ATOMIC_ACQUIRE) == VCPU_OFF || v->detached))
		arch_vcpu_forget(v);
}

/*
 * @prev (that exited) is still loaded here but may not run here any more (sched_pin): it must
 * leave, and it cannot while this CPU idles inside its exit, where its x19-x29 are live. So the
 * exit switches to the idle stub instead (vcpu_trap.c), which saves them and idles afresh.
 */
static bool must_leave(const struct vcpu *prev)
{
	return prev && prev->evicted && prev->state != VCPU_OFF && this_cpu()->loaded == prev;
}

/* Idle: looks for work on other CPUs, at most once a millisecond while none is found. */
static bool idle_balance(struct runqueue *rq, uint64_t now)
{
	bool pulled;

	if (now < rq->next_pull)
		return false;
	pulled = sched_balance();
	rq->next_pull = pulled ? 0 : now + sched_period_ticks() / 10;
	return pulled;
}

/*
 * Nothing to run: idles once (WFI, or background work) with the runqueue unlocked, and returns
 * true; or returns false, still locked, if the exit must switch to the idle stub (must_leave).
 * Out of line: the switch path (pick_or_idle) stays short.
 */
static __attribute__((noinline)) bool idle(struct runqueue *rq, uint64_t *flags, struct vcpu *prev,
					   uint64_t now)
{
	struct cpu *self = this_cpu();

	rq->current = NULL;
	arm(rq, next_event(rq, now));
	if (must_leave(prev)) {
		rq->next_pull = 0; /* push it as soon as this CPU idles */
		return false;
	}
	unlock_rq(rq, *flags);
	forget_stopped();
	/* idle: holds nothing of any VM (sched_quiesce) */
	__atomic_store_n(&self->passes, self->passes + 1, __ATOMIC_RELEASE);
	if (!idle_balance(rq, now)) { /* (if it pulled a vCPU: pick again at once) */
		if (sched_idle_work())
			arch_irq_poll(); /* a wake-up may be waiting */
		else
			arch_wait_for_interrupt();
	}
	*flags = lock_rq(rq);
	return true;
}

/*
 * Picks a vCPU, idling in WFI until one is runnable. Called with the runqueue locked, at @now.
 * NULL: the exit must switch to the idle stub (must_leave).
 */
static struct vcpu *pick_or_idle(struct runqueue *rq, uint64_t *flags, struct vcpu *prev,
				 uint64_t now)
{
	for (;; now = arch_counter_now()) {
		struct vcpu *next;

		roll_period(rq, now);
		expire_deadlines(rq, now);
		next = pick(rq);
		if (next) {
			next->run_start = now;
			rq->slice_end = now + slice_ticks(rq);
			return next;
		}
		if (!idle(rq, flags, prev, now))
			return NULL;
	}
}

struct vcpu *sched_next(struct vcpu *prev)
{
	struct cpu *self = this_cpu();
	struct runqueue *rq = &self->rq;
	struct vcpu *next;
	uint64_t flags, now;

	if (prev && prev->state == VCPU_RUNNING && !rq->need_resched)
		return prev;
	/* A scheduling point (sched_quiesce); released: the registers of a vCPU this CPU switched
	 * away from before are in memory (sched_balance.c reads it with acquire). */
	__atomic_store_n(&self->passes, self->passes + 1, __ATOMIC_RELEASE);
	flags = lock_rq(rq);
	refresh_ticks(rq);
	now = arch_counter_now(); /* one reading: what prev ran up to is when next starts */
	if (prev && rq->current == prev) {
		if (prev->block_at_exit) /* (sched_block_at_exit: the lock taken once for both) */
			block_locked(rq, prev, 0);
		account(rq, prev, now);
		if (prev->state == VCPU_RUNNING)
			prev->state = VCPU_RUNNABLE;
	}
	if (prev)
		prev->block_at_exit = false;
	next = pick_or_idle(rq, &flags, prev, now);
	/* Cleared after the pick: wake-ups while idling set it, and the pick has seen them. */
	rq->need_resched = false;
	if (__builtin_expect(!next, 0)) {
		unlock_rq(rq, flags);
		return arch_vcpu_idle_stub();
	}
	next->state = VCPU_RUNNING;
	rq->current = next;
	arm(rq, next_event(rq, next->run_start));
	unlock_rq(rq, flags);
	/* RUNNING before its HCR_EL2 (virtual IRQ) is read on entry: an event raised on another CPU
	 * in between then sees it running and kicks (vm_vcpu_notify). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return next;
}

/*
 * The quiesce token: sched_quiesce spins without passing a scheduling point, so two CPUs
 * quiescing at once would each wait for the other forever. Whatever may quiesce (vm_reboot,
 * vm_destroy) first tries to take the token; a hypercall that finds it taken gives up, yields
 * (a scheduling point, which is what the owner waits for) and runs again later
 * (vcpu_retry_hypercall). The token also keeps two lifecycle operations off one VM at once.
 */
static unsigned quiesce_owner; /* CPU index + 1; 0: free */

bool sched_quiesce_claim(void)
{
	unsigned none = 0;

	return __atomic_compare_exchange_n(&quiesce_owner, &none, this_cpu()->index + 1, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

void sched_quiesce_release(void)
{
	CHECK(__atomic_load_n(&quiesce_owner, __ATOMIC_RELAXED) == this_cpu()->index + 1);
	__atomic_store_n(&quiesce_owner, 0, __ATOMIC_RELEASE);
}

/*
 * Every other CPU passes two scheduling points (the first may still be switching away from a
 * stopped vCPU: guest_entry.S saves its callee-saved registers after the pick), kicked with
 * need_resched so that it does not wait for its slice to end. Spinning here is no scheduling
 * point: the caller holds the quiesce token, so no other CPU spins here meanwhile.
 */
void sched_quiesce(void)
{
	struct cpu *self = this_cpu();

	CHECK(__atomic_load_n(&quiesce_owner, __ATOMIC_RELAXED) == self->index + 1);
	for (unsigned c = 0; c < PLATFORM_MAX_CPUS; c++) {
		uint64_t seen;
		if (&cpus[c] == self || !smp_cpu_online(c))
			continue;
		seen = __atomic_load_n(&cpus[c].passes, __ATOMIC_ACQUIRE);
		while (__atomic_load_n(&cpus[c].passes, __ATOMIC_ACQUIRE) - seen < 2) {
			__atomic_store_n(&cpus[c].rq.need_resched, true, __ATOMIC_RELEASE);
			smp_kick(c);
			for (unsigned i = 0; i < 64; i++)
				arch_cpu_relax();
		}
	}
}

void sched_timer_irq(void)
{
	struct runqueue *rq = &this_cpu()->rq;
	uint64_t flags = lock_rq(rq), now = arch_counter_now();
	bool balance;

	refresh_ticks(rq);
	if (rq->current) /* charged to the cap period it ran in, before a new one starts */
		account(rq, rq->current, now);
	roll_period(rq, now);
	expire_deadlines(rq, now);
	if (rq->current && (now >= rq->slice_end || rq->current->throttled))
		rq->need_resched = true;
	/* A level-triggered timer left in the past would fire again at once: the exit path
	 * re-arms it after picking (sched_next). */
	if (rq->need_resched && rq->current)
		arch_timer_disarm();
	else
		arm(rq, next_event(rq, now));
	balance = rq->balance_due;
	rq->balance_due = false;
	unlock_rq(rq, flags);
	if (balance) /* once a period, outside the exit and event paths */
		sched_balance();
}
