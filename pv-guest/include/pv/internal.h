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

/** Called by the exception vectors (arch/vectors.S) with the saved registers. */
struct pv_frame;
void pv_arch_irq(struct pv_frame *frame);
_Noreturn void pv_arch_unexpected(unsigned long kind, struct pv_frame *frame);

#endif
