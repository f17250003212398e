/**
 * Runqueue internals shared by the scheduler's two halves: sched.c (picking, waking, blocking,
 * the timer) and sched_balance.c (placement, load balancing, pinning). Nothing else uses them.
 *
 * Lock order: two runqueue locks only in CPU index order (sched_rq_lock_pair); a runqueue lock is
 * taken with interrupts masked.
 */
#ifndef SKIFF_SCHED_RQ_H
#define SKIFF_SCHED_RQ_H

#include <skiff/arch.h>
#include <skiff/cpu.h>
#include <skiff/sched.h>
#include <skiff/types.h>

struct vcpu;

static inline uint64_t sched_rq_lock(struct runqueue *rq)
{
	return spin_lock_irqsave(&rq->lock);
}

static inline void sched_rq_unlock(struct runqueue *rq, uint64_t flags)
{
	spin_unlock_irqrestore(&rq->lock, flags);
}

/** The index of the CPU that owns @rq. */
static inline unsigned sched_rq_cpu(const struct runqueue *rq)
{
	/* (Its struct cpu's index: a load, where the array offset would take a division.) */
	return ((const struct cpu *)((uintptr_t)rq - offsetof(struct cpu, rq)))->index;
}

/** The runqueue @v is on, locked (it may move between the look and the lock: then again). */
struct runqueue *sched_lock_vcpu_rq(struct vcpu *v, uint64_t *flags);
/** CPU @c may run @v: online, and in @v's affinity mask (0: any). */
bool sched_allowed(const struct vcpu *v, unsigned c);
/** Under @rq's lock: the scheduler must look at @rq again by @deadline (0: none). */
void sched_rq_note_deadline(struct runqueue *rq, uint64_t deadline);
/** The earliest deadline of @v still to come (timer, guest timer, block; UINT64_MAX: none). */
uint64_t sched_vcpu_deadline(const struct vcpu *v);
/** After a change to @rq (unlocked now) that its CPU must see: a kick if it is another CPU. */
void sched_tell(struct runqueue *rq);
/** The cap period (SCHED_PERIOD_US) in counter ticks. */
uint64_t sched_period_ticks(void);

/**
 * Balances this CPU against the others (no runqueue lock held): pushes the vCPUs it may no
 * longer run to CPUs that may (pinning), then pulls one vCPU from the busiest CPU if that makes
 * their loads closer. True if a vCPU came to this CPU.
 */
bool sched_balance(void);

#endif
