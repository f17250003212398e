/*
 * Guest entry. Skiff enters at EL1h with the MMU off, DAIF masked and x0 = IPA of struct
 * skiff_start_info in the last page of RAM (include/skiff-abi/hypercall.h). The stack grows down
 * from that page. Only what C cannot do goes here; pv_arch_start() (arch/mmu.c) does the rest.
 */

#include <pv/arch/boot.h>

/* CPACR_EL1.FPEN, bits [21:20] (ARM ARM D13.2): 0b11, FP/SIMD not trapped at EL1 or EL0. */
#define CPACR_FPEN_ALL (3 << 20)
#define PAGE_MASK 0xfff

	.section .text.entry, "ax"
	.global _start
_start:
	mov	x19, x0
	and	x1, x0, #~PAGE_MASK
	mov	sp, x1

	/* bss: both ends are 16-byte aligned (pv-guest.ld), so aligned stores suit Device memory. */
	adrp	x1, __bss_start
	add	x1, x1, :lo12:__bss_start
	adrp	x2, __bss_end
	add	x2, x2, :lo12:__bss_end
1:	cmp	x1, x2
	b.hs	2f
	stp	xzr, xzr, [x1], #16
	b	1b

2:	adrp	x1, pv_vectors
	add	x1, x1, :lo12:pv_vectors
	msr	vbar_el1, x1
	mov	x1, #CPACR_FPEN_ALL
	msr	cpacr_el1, x1
	isb
	msr	daifclr, #4		/* SError: a virtual SError injected by Skiff gets reported */

	mov	x0, x19
	bl	pv_arch_start
	b	.

/*
 * A vCPU started by pv_cpu_on (guest PSCI CPU_ON): EL1h, MMU off, DAIF masked, x0 = its struct
 * pv_cpu, whose first bytes (struct pv_cpu_boot, cleaned to memory by the starter) hold the boot
 * vCPU's MMU registers and this vCPU's stack. Nothing is written before the MMU is on, so no
 * uncached write can hide behind a stale cache line.
 */
	.text
	.global pv_secondary_entry
pv_secondary_entry:
	mov	x19, x0
	adrp	x1, pv_vectors
	add	x1, x1, :lo12:pv_vectors
	msr	vbar_el1, x1
	mov	x1, #CPACR_FPEN_ALL
	msr	cpacr_el1, x1
	ldr	x1, [x19, #PV_BOOT_MAIR]
	msr	mair_el1, x1
	ldr	x1, [x19, #PV_BOOT_TCR]
	msr	tcr_el1, x1
	ldr	x1, [x19, #PV_BOOT_TTBR0]
	msr	ttbr0_el1, x1
	isb
	tlbi	vmalle1
	dsb	nsh
	ic	iallu
	dsb	nsh
	isb
	ldr	x1, [x19, #PV_BOOT_SCTLR]
	msr	sctlr_el1, x1
	isb
	ldr	x1, [x19, #PV_BOOT_SP]
	mov	sp, x1
	msr	tpidr_el1, x19
	msr	daifclr, #4
	mov	x0, x19
	bl	pv_secondary_main
	b	.
