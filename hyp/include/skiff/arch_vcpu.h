/**
 * The vCPU part of the arch seam: creating a vCPU's initial state, switching the hardware between
 * vCPUs, the stage-2 regime, and entering the first guest. The trap decoding is the arch's; it
 * calls the portable handlers in vcpu_trap.h.
 */
#ifndef SKIFF_ARCH_VCPU_H
#define SKIFF_ARCH_VCPU_H

#include <skiff/addr.h>
#include <skiff/types.h>

struct vcpu;

/** Global stage-2 / virtualization set-up, once per CPU (VTCR_EL2 and friends). */
void arch_virt_cpu_init(void);
/** Resets @v to the architectural start state: EL1h, MMU off, PC @entry, x0 @arg. */
void arch_vcpu_reset(struct vcpu *v, uint64_t entry, uint64_t arg);
/**
 * Forgets that @v's EL1 state is live on this CPU (it was stopped; its VM may be reset or freed):
 * its registers are not saved into it on the next switch.
 */
void arch_vcpu_forget(struct vcpu *v);
/** Points @v at its VM's stage-2 table (root @root, VMID @vmid). */
void arch_vcpu_set_stage2(struct vcpu *v, paddr_t root, uint16_t vmid);
/** Saves @prev's EL1 state (may be NULL) and loads @next's into the hardware. */
void arch_vcpu_switch(struct vcpu *prev, struct vcpu *next);
/** Saves @prev's EL1 state and loads nobody's (the exit goes to the idle stub). */
void arch_vcpu_unload(struct vcpu *prev);
/**
 * This CPU's idle stub: a stand-in vCPU (vm NULL) that the exit path may return instead of a
 * vCPU. Entering it saves the exiting vCPU's registers like any switch (x19-x29 included), then
 * calls vcpu_enter_first at EL2 on this CPU's stack top instead of entering a guest.
 */
struct vcpu *arch_vcpu_idle_stub(void);
/** Masks the guest timer of a vCPU that is not loaded (its deadline passed while it was out). */
void arch_vcpu_vtimer_mask(struct vcpu *v);
/** Masks the guest timer in the hardware (its interrupt fired while the vCPU was loaded). */
void arch_vcpu_vtimer_mask_loaded(void);
/**
 * Enters @v, already loaded (vcpu_enter_first), from this CPU's stack top with nothing to save;
 * never returns (later entries are exits' returns).
 */
NORETURN void arch_vcpu_enter_first(struct vcpu *v);
/** Number of VMIDs the hardware provides (256 or 65536). */
unsigned arch_vmid_count(void);
/** Invalidates every stage-1+2 TLB entry of every VMID (VMID rollover). */
void arch_tlb_flush_guests(void);

#endif
