/**
 * Portable handlers for what a guest does that reaches EL2. The arch decodes the trap (ESR_EL2 on
 * arm64) and calls one of these; each returns the vCPU to run next on this CPU (STYLE habit 6).
 */
#ifndef SKIFF_VCPU_TRAP_H
#define SKIFF_VCPU_TRAP_H

#include <skiff/cpu.h>
#include <skiff/types.h>
#include <skiff/vm.h>
#include <skiff/vmem.h>

struct vcpu;

/** HVC: the hypercall ABI (include/skiff-abi/hypercall.h) and guest PSCI. */
struct vcpu *vcpu_hypercall(struct vcpu *v);
/** WFI (block until an event or @deadline, 0 = none) or WFE (yield). PC already advanced. */
struct vcpu *vcpu_wait(struct vcpu *v, bool wfe, uint64_t deadline);
/** A guest fault the hypervisor does not emulate: park the VM with @why and run something else. */
struct vcpu *vcpu_fault(struct vcpu *v, const char *why);
/**
 * A stage-2 fault at @ipa (@write: a data write). Guest RAM is made accessible and the access
 * re-runs (the vCPU may wait for memory first). NULL if @ipa is not the VM's memory: the caller
 * parks the VM, saying what it did.
 */
struct vcpu *vcpu_stage2_fault(struct vcpu *v, uint64_t ipa, bool write);
/**
 * @v's hypercall needs guest memory it cannot have yet (@why: VMEM_WAIT, the page at @ipa is on
 * its way back from swap; VMEM_NO_MEMORY, no frame free): @v waits as a fault would, then runs
 * the call again. What the handler puts in x0 is overwritten.
 */
void vcpu_repeat_hypercall(struct vcpu *v, uint64_t ipa, enum vmem_result why);
/**
 * @v's hypercall cannot proceed now (another CPU holds the quiesce token): @v yields, then runs
 * the call again. What the handler puts in x0 is overwritten.
 */
void vcpu_retry_hypercall(struct vcpu *v);
/** A physical interrupt arrived while @v ran (already handled). */
struct vcpu *vcpu_interrupted(struct vcpu *v);
/** The loaded guest's own virtual timer fired (the arch has masked it). */
void vcpu_vtimer_fired(struct vcpu *v);
/** The guest-timer interrupt handler (registered for the DTB's virtual timer INTID). */
void vcpu_vtimer_irq(uint32_t intid, void *ctx);
/** The console UART's receive interrupt: wakes the root partition (SKIFF_EV_CONSOLE). */
void console_input_irq(uint32_t intid, void *ctx);
/** Common exit, slow part: pick the next vCPU and switch the hardware to it if it changes. */
struct vcpu *vcpu_exit_resched(struct vcpu *v);
/**
 * Picks a vCPU (idling until one is runnable), loads it and enters it, with no exiting vCPU:
 * each CPU's first entry (boot), and the idle stub's (arch_vcpu_idle_stub). Never returns.
 */
NORETURN void vcpu_enter_first(void);

/**
 * Common exit: the vCPU to enter next. Inline because every hypercall ends here: when @v may
 * keep running, it costs two loads and a compare. (Its virtual IRQ line is kept current by
 * vcpu_events_update.)
 */
static inline struct vcpu *vcpu_exit(struct vcpu *v)
{
	if (__builtin_expect(v->state != VCPU_RUNNING || this_cpu()->rq.need_resched, 0))
		v = vcpu_exit_resched(v);
	return v;
}

#endif
