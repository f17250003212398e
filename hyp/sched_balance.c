/**
 * Placement, load balancing between the per-CPU runqueues, and pinning (sched.h, sched_rq.h).
 *
 * A CPU's load is the sum of the weights of its vCPUs that compete for it: runnable or running,
 * not throttled, of a running VM, allowed there. A CPU pulls a vCPU of weight w from the busiest
 * other CPU when w < load(busiest) - load(this): the gap between the two shrinks (to
 * |gap - 2w| < gap), so the sum of the squared loads falls with every move and a balanced load
 * never ping-pongs. Of the vCPUs that qualify it takes the one that leaves the smallest gap. A
 * CPU looks when it is about to idle (at most once a millisecond while it finds nothing) and
 * once a cap period (SCHED_PERIOD_US, from its timer interrupt): never on the hypercall, event
 * or switch paths.
 *
 * A vCPU moves only when its old CPU holds none of its registers: that CPU's `loaded` is another
 * vCPU (published with release by vcpu_trap.c's load, read here with acquire), and the CPU has
 * passed a scheduling point since it switched away from it (x19-x29 are saved on the way back to
 * the guest, after the switch: vcpu->unload_pass). A pulled vCPU is RUNNABLE (not running, not
 * blocked, not throttled); both runqueue locks are held, taken in CPU index order, and v->cpu
 * changes under them. It keeps its deadlines (noted in the new runqueue) and its lag: its
 * vruntime is renormalised from the old queue's min_vruntime to the new one's, so it neither
 * starves nor runs ahead there. Nothing here waits for another CPU: a vCPU that cannot move yet
 * is left for a later look.
 *
 * Pinning: a vCPU on a CPU outside its new mask is "evicted" there, and never picked there
 * again. If that CPU does not hold it, it moves at once; otherwise that CPU is kicked, switches
 * away from it at its next scheduling point (to another vCPU, or to the idle stub when there is
 * none: sched.c must_leave) and pushes it to the least loaded CPU it may use the next time it
 * balances (when it idles, or within a period).
 */
#include <skiff/cpu.h>
#include <skiff/sched.h>
#include <skiff/sched_rq.h>
#include <skiff/smp.h>
#include <skiff/vm.h>
#include <skiff-abi/hypercall.h>

#define PUSH_MAX 8 /* evicted vCPUs pushed per look: the rest wait for the next */

bool sched_allowed(const struct vcpu *v, unsigned c)
{
	uint32_t mask = __atomic_load_n(&v->cpu_mask, __ATOMIC_RELAXED);

	return smp_cpu_online(c) && (!mask || (mask >> c & 1));
}

/* Under its runqueue's lock: @v competes for its CPU (as pick() sees it). */
static bool competes(const struct vcpu *v)
{
	return (v->state == VCPU_RUNNABLE || v->state == VCPU_RUNNING) && !v->throttled &&
	       v->vm->state == VM_RUNNING; /* (evicted vCPUs are throttled too) */
}

/* Under @rq's lock: its weighted load. */
static uint64_t load_locked(const struct runqueue *rq)
{
	uint64_t load = 0;

	for (unsigned i = 0; i < rq->nvcpus; i++)
		if (competes(rq->vcpus[i]))
			load += rq->vcpus[i]->vm->cfg.weight;
	return load;
}

/* CPU @c's load (and, in *@nvcpus, how many vCPUs are placed there), under its lock. */
static uint64_t cpu_load(unsigned c, unsigned *nvcpus)
{
	struct runqueue *rq = &cpus[c].rq;
	uint64_t flags = sched_rq_lock(rq), load = load_locked(rq);

	*nvcpus = rq->nvcpus;
	sched_rq_unlock(rq, flags);
	return load;
}

unsigned sched_place(const struct vcpu *v)
{
	unsigned best = SCHED_NO_CPU, best_n = 0;
	uint64_t best_load = 0;

	for (unsigned c = 0; c < PLATFORM_MAX_CPUS; c++) {
		unsigned n;
		uint64_t load;
		if (!sched_allowed(v, c))
			continue;
		load = cpu_load(c, &n);
		if (best == SCHED_NO_CPU || load < best_load || (load == best_load && n < best_n)) {
			best = c;
			best_load = load;
			best_n = n;
		}
	}
	return best;
}

/* ---- Moving ---- */

/*
 * All of @v's registers are in memory: the CPU whose runqueue holds it does not have it loaded,
 * and has passed a scheduling point since it switched away from it.
 */
static bool unloaded(const struct vcpu *v)
{
	const struct cpu *c = &cpus[v->cpu];

	return __atomic_load_n(&c->loaded, __ATOMIC_ACQUIRE) != v &&
	       __atomic_load_n(&c->passes, __ATOMIC_ACQUIRE) !=
		       __atomic_load_n(&v->unload_pass, __ATOMIC_RELAXED);
}

/* Two runqueue locks, in CPU index order (cpus[] is in index order). */
static uint64_t lock_pair(struct runqueue *a, struct runqueue *b)
{
	uint64_t flags = sched_rq_lock(a < b ? a : b);

	arch_spin_lock(a < b ? &b->lock : &a->lock);
	return flags;
}

static void unlock_pair(struct runqueue *a, struct runqueue *b, uint64_t flags)
{
	arch_spin_unlock(a < b ? &b->lock : &a->lock);
	sched_rq_unlock(a < b ? a : b, flags);
}

/* Under both locks: @v leaves @from for @to, with its deadlines and its lag. */
static void move_locked(struct vcpu *v, struct runqueue *from, struct runqueue *to)
{
	int64_t lag = (int64_t)(v->vruntime - from->min_vruntime);

	for (unsigned i = 0; i < from->nvcpus; i++)
		if (from->vcpus[i] == v) {
			from->vcpus[i] = from->vcpus[--from->nvcpus];
			break;
		}
	to->vcpus[to->nvcpus++] = v;
	v->vruntime = lag < 0 && (uint64_t)-lag > to->min_vruntime ? 0 : to->min_vruntime + lag;
	__atomic_store_n(&v->cpu, sched_rq_cpu(to), __ATOMIC_RELAXED);
	v->evicted = v->throttled = false; /* (its cap budget: see the new CPU's period) */
	sched_rq_note_deadline(to, sched_vcpu_deadline(v));
	if (v->state == VCPU_RUNNABLE)
		__atomic_store_n(&to->nrunnable, to->nrunnable + 1, __ATOMIC_RELAXED);
	to->need_resched = true; /* its CPU picks again (and arms its timer for it) */
	to->moves++;
}

/* ---- Pushing evicted vCPUs ---- */

/* Under its runqueue's lock: @v may no longer run where it is and may leave now. */
static bool may_leave(const struct vcpu *v)
{
	return v->evicted && v->state != VCPU_RUNNING && !v->detached && unloaded(v);
}

/* Moves @v (evicted from CPU @from) to the least loaded CPU it may use; false if it cannot. */
static bool push(struct vcpu *v, unsigned from)
{
	unsigned to = sched_place(v);
	struct runqueue *f = &cpus[from].rq, *t;
	uint64_t flags;
	bool moved;

	if (to == SCHED_NO_CPU || to == from)
		return false;
	t = &cpus[to].rq;
	flags = lock_pair(f, t);
	moved = v->cpu == from && may_leave(v) && sched_allowed(v, to) &&
		t->nvcpus < SCHED_MAX_VCPUS;
	if (moved)
		move_locked(v, f, t);
	unlock_pair(f, t, flags);
	if (moved)
		sched_tell(t);
	return moved;
}

/* Pushes this CPU's evicted vCPUs that may leave now (a few per look). */
static void push_evicted(unsigned here)
{
	struct runqueue *rq = &cpus[here].rq;

	for (unsigned n = 0; n < PUSH_MAX; n++) {
		struct vcpu *v = NULL;
		uint64_t flags = sched_rq_lock(rq);
		for (unsigned i = 0; i < rq->nvcpus && !v; i++)
			if (may_leave(rq->vcpus[i]))
				v = rq->vcpus[i];
		sched_rq_unlock(rq, flags);
		if (!v || !push(v, here))
			return;
	}
}

/* ---- Pulling ---- */

/* Under its runqueue's lock: @v may be pulled to CPU @to now. */
static bool may_pull(const struct vcpu *v, unsigned to)
{
	return v->state == VCPU_RUNNABLE && competes(v) && sched_allowed(v, to) && unloaded(v);
}

/*
 * Under @from's lock: of the vCPUs that may go to CPU @to with a weight below @gap (the load
 * difference), the one leaving the smallest difference (|gap - 2w|); the first on a tie.
 */
static struct vcpu *pick_mover(const struct runqueue *from, unsigned to, uint64_t gap)
{
	struct vcpu *best = NULL;
	uint64_t best_left = gap;

	for (unsigned i = 0; i < from->nvcpus; i++) {
		struct vcpu *v = from->vcpus[i];
		uint64_t w = v->vm->cfg.weight;
		uint64_t left = gap > 2 * w ? gap - 2 * w : 2 * w - gap;
		if (w < gap && left < best_left && may_pull(v, to)) {
			best = v;
			best_left = left;
		}
	}
	return best;
}

/* Under both locks, with the loads as they are now: pulls a vCPU from @f to @t if it helps. */
static bool pull_locked(struct runqueue *f, struct runqueue *t)
{
	uint64_t lf = load_locked(f), lt = load_locked(t);
	struct vcpu *v = NULL;

	if (lf > lt && t->nvcpus < SCHED_MAX_VCPUS)
		v = pick_mover(f, sched_rq_cpu(t), lf - lt);
	if (v)
		move_locked(v, f, t);
	return v != NULL;
}

/* The busiest other CPU with a vCPU worth pulling to CPU @here (SCHED_NO_CPU: none). */
static unsigned busiest(unsigned here)
{
	unsigned n, best = SCHED_NO_CPU;
	uint64_t mine = UINT64_MAX, most = 0;

	for (unsigned c = 0; c < PLATFORM_MAX_CPUS; c++) {
		struct runqueue *rq = &cpus[c].rq;
		uint64_t flags, load;
		/* Fewer than two competing at its last look: nothing waits there. Read without its
		 * lock, so that idle CPUs do not take a busy one's lock for nothing (under QEMU a
		 * preempted holder stalls it). */
		if (c == here || !smp_cpu_online(c) ||
		    __atomic_load_n(&rq->nrunnable, __ATOMIC_RELAXED) < 2)
			continue;
		if (mine == UINT64_MAX)
			mine = cpu_load(here, &n);
		flags = sched_rq_lock(rq);
		load = load_locked(rq);
		if (load > mine && load > most && pick_mover(rq, here, load - mine)) {
			best = c;
			most = load;
		}
		sched_rq_unlock(rq, flags);
	}
	return best;
}

static bool pull(unsigned here)
{
	unsigned from = busiest(here);
	struct runqueue *f, *t = &cpus[here].rq;
	uint64_t flags;
	bool moved;

	if (from == SCHED_NO_CPU)
		return false;
	f = &cpus[from].rq;
	flags = lock_pair(f, t);
	moved = pull_locked(f, t); /* looked at again: it may have changed meanwhile */
	unlock_pair(f, t, flags);
	return moved;
}

bool sched_balance(void)
{
	unsigned here = this_cpu()->index;

	push_evicted(here);
	return pull(here);
}

/* ---- Pinning ---- */

int sched_pin(struct vcpu *v, uint32_t mask)
{
	bool any = !mask, held;
	struct runqueue *rq;
	uint64_t flags;
	unsigned from;

	for (unsigned c = 0; c < PLATFORM_MAX_CPUS && !any; c++)
		any = (mask >> c & 1) && smp_cpu_online(c);
	if (!any)
		return SKIFF_E_INVAL;
	rq = sched_lock_vcpu_rq(v, &flags);
	from = v->cpu;
	__atomic_store_n(&v->cpu_mask, mask, __ATOMIC_RELAXED);
	v->evicted = !v->detached && !sched_allowed(v, from);
	if (v->evicted) /* never picked here again (roll_period keeps it so) */
		v->throttled = true;
	held = v->evicted && (v->state == VCPU_RUNNING || !unloaded(v));
	if (held) /* its CPU lets it go at its next scheduling point, then pushes it */
		rq->need_resched = true;
	sched_rq_unlock(rq, flags);
	if (held)
		sched_tell(rq);
	else if (v->evicted)
		push(v, from);
	return 0;
}
