/**
 * Proportional-share scheduler: stride scheduling over weighted virtual runtime (the vCPU with the
 * least vruntime runs; running for t advances vruntime by t * SCHED_WEIGHT_UNIT / weight), per-VM
 * caps as a percentage of one CPU per SCHED_PERIOD, preemption by a one-shot timer at the end of
 * the slice, block/wake on events and deadlines. One runqueue per physical CPU.
 */
#ifndef SKIFF_SCHED_H
#define SKIFF_SCHED_H

#include <skiff/arch.h>
#include <skiff/types.h>

struct vcpu;

#define SCHED_MAX_VCPUS 512
#define SCHED_WEIGHT_UNIT 256
#define SCHED_SLICE_US 2000
#define SCHED_PERIOD_US 10000

struct runqueue {
	struct spinlock lock;
	struct vcpu *current; /* running now, or NULL when idle */
	bool need_resched;    /* set by the timer or a wakeup: re-pick at the next exit */
	uint64_t period_start;
	uint64_t slice_end;
	uint64_t min_vruntime;
	uint64_t next_deadline; /* earliest vCPU deadline (0: unknown, scan at the next look) */
	uint64_t timer_at;      /* what the hardware timer is armed for */
	unsigned nrunnable;     /* competing vCPUs at the last pick, plus wake-ups since */
	uint64_t tick_freq, slice_ticks,
		period_ticks; /* SCHED_SLICE_US, SCHED_PERIOD_US in ticks */
	/* Balancing (sched_balance.c) */
	bool balance_due;   /* a cap period rolled over: balance at the next timer interrupt */
	uint64_t next_pull; /* an idle CPU looks for work to pull no sooner than this */
	uint64_t moves; /* vCPUs this CPU pulled or pushed (balancing, pinning): read by tests */
	unsigned nvcpus;
	struct vcpu *vcpus[SCHED_MAX_VCPUS]; /* every vCPU placed on this CPU, any state */
};

#define SCHED_NO_CPU (~0U)

/**
 * The CPU a new vCPU @v should go to: of the online CPUs its affinity mask allows, the one with
 * the least weighted load (sched_balance.c), then the fewest vCPUs, then the lowest index;
 * SCHED_NO_CPU if none is allowed.
 */
unsigned sched_place(const struct vcpu *v);
/**
 * Places @v on the runqueue sched_place picks (state OFF: not yet runnable), its affinity taken
 * from its VM's `cpus` config. False if no CPU is allowed or the runqueue is full.
 */
bool sched_attach(struct vcpu *v);
/**
 * Pins @v to the physical CPUs in @mask (bit n: CPU n; 0: any online CPU). A vCPU on a CPU it
 * may no longer use moves: at once if that CPU does not hold its registers, else that CPU is
 * kicked, lets it go at its next scheduling point and pushes it to an allowed CPU. Never waits
 * for another CPU. SKIFF_E_INVAL if @mask names no online CPU.
 */
int sched_pin(struct vcpu *v, uint32_t mask);
/** Removes @v from its runqueue for good (VM destroyed). */
void sched_detach(struct vcpu *v);
/** Makes @v runnable (start, wake-up). */
void sched_wake(struct vcpu *v);
/**
 * Blocks the running @v until an event or @deadline (0 = none). False if it did not block: an
 * event was ready by the time it was marked blocked (one raised on another CPU meanwhile). Then
 * the exit path may take its fast way out (no reschedule), so what the caller left for a
 * resumption (resume_ack, repeat_fid) must be settled by the caller.
 */
bool sched_block(struct vcpu *v, uint64_t deadline);
/**
 * Blocks the running @v, until an event, at this exit's pick: sched_block without taking the
 * runqueue lock a second time. If an event is ready by then, @v runs on; either way what it left
 * for its resumption (resume_ack) is settled when it next runs (vcpu_exit_resched).
 */
void sched_block_at_exit(struct vcpu *v);
/** Stops @v from running (pause, park, shutdown): it leaves the CPU at the next exit. */
void sched_stop(struct vcpu *v);
/** Sets @v's one-shot timer (SKIFF_HVC_TIMER_SET) to @deadline (0: cancel). */
void sched_set_timer(struct vcpu *v, uint64_t deadline);
/** A deadline of @v was set outside the scheduler (the guest timer, as @v left the CPU). */
void sched_note_deadline(struct vcpu *v, uint64_t deadline);
/** Asks for a new pick at the next exit (yield). */
void sched_yield(struct vcpu *v);

/**
 * The vCPU to run next on this CPU, called at the end of every exit with the one that exited.
 * Cheap when nothing changed; otherwise accounts time, picks, and idles (WFI) until some vCPU
 * is runnable. Never returns NULL. Returns the idle stub (arch_vcpu_idle_stub) instead of idling
 * when @prev, still loaded here, may no longer run here (sched_pin): the exit then lets go of all
 * its registers and the CPU idles from vcpu_enter_first.
 */
struct vcpu *sched_next(struct vcpu *prev);
/** Timer interrupt: deadlines, slice end, cap period. */
void sched_timer_irq(void);
/**
 * Background work a CPU does instead of sleeping when nothing is runnable (the sharing scanner,
 * hyp/vmem_scan.c); true if it did some and has more. Runs with no lock held.
 */
bool sched_idle_work(void);
/**
 * Takes the quiesce token (one CPU at a time may quiesce: see sched.c): false if another CPU
 * holds it; a hypercall then runs again later (vcpu_retry_hypercall).
 */
bool sched_quiesce_claim(void);
/** Gives the token back. */
void sched_quiesce_release(void);
/**
 * With the quiesce token: returns once every other CPU has been through two scheduling points:
 * none then runs, or holds the EL1 state of, a vCPU that was stopped before the call, nor still
 * uses a VM pointer it took before (what may be freed or reset next: vm_destroy, vm_reboot).
 * Free on one CPU.
 */
void sched_quiesce(void);
/** Number of runnable-or-running vCPUs on this CPU. */
unsigned sched_runnable(void);

#endif
