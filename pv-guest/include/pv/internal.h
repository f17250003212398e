/** Library-internal entry points between pv-guest/arch and pv-guest/lib. */
#ifndef PV_INTERNAL_H
#define PV_INTERNAL_H

#include <skiff-abi/hypercall.h>

/**
 * Called by start.S at EL1h with the MMU off, the stack just below the start-information page,
 * bss clear, VBAR_EL1 set and FP/SIMD enabled: checks the start information, maps RAM, turns the
 * MMU and caches on and calls pv_main().
 */
_Noreturn void pv_arch_start(const struct skiff_start_info *si);

/** Called by pv_arch_start() with the MMU and caches on. */
_Noreturn void pv_main(const struct skiff_start_info *si);

/** Records the (checked) start information. */
void pv_vm_init(const struct skiff_start_info *si);

/** Reports a start-up failure on the console and shuts down with PV_EXIT_BAD_START. */
_Noreturn void pv_boot_fail(const char *why);

/** One vCPU's library state; TPIDR_EL1 points at it (lib/cpu.c). */
#include <pv/arch/boot.h>
struct pv_cpu {
	struct pv_cpu_boot boot; /* first: start.S reads it with the MMU off */
	unsigned int id;
	void (*fn)(void *);
	void *arg;
	void *stack;
	unsigned long ev_enabled; /* lib/event.c: its unmasked ports, as the hypervisor has them */
	volatile unsigned long upcalls; /* lib/event.c: event upcalls it took */
	unsigned long ipis;             /* IPIs taken by the default handler */
};

/** The calling vCPU's record. */
struct pv_cpu *pv_this_cpu(void);

/** Start-up of the boot vCPU (pv_main, first): its record in TPIDR_EL1, the vCPU count. */
void pv_cpu_init_boot(void);

/** Start-up, after pv_event_init: the library's own SKIFF_EV_IPI handler. */
void pv_cpu_init_events(void);

/** Start-up of a secondary vCPU, called by start.S with its MMU on. */
_Noreturn void pv_secondary_main(struct pv_cpu *c);

/** Events on a vCPU: every port masked, then those of SKIFF_EV_PER_VCPU with a handler unmasked. */
void pv_event_cpu_init(void);

/** Called by the exception vectors (arch/vectors.S) with the saved registers. */
struct pv_frame;
void pv_arch_irq(struct pv_frame *frame);
_Noreturn void pv_arch_unexpected(unsigned long kind, struct pv_frame *frame);

#endif
