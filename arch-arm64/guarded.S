/*
 * Operations that may fault on a machine without what they touch, made safe to try: each runs
 * with DAIF masked under a private vector table whose every entry steps over the faulting
 * instruction and returns 0 in x0. Works at EL2 and at EL1 (Skiff entered at the wrong level
 * still stops the machine with them). Nothing else may run while the table is installed.
 *
 *   arch_mmio_probe(addr)      a 32-bit read that an absent device answers with an external abort
 *   arch_semihosting_exit(c)   Arm semihosting SYS_EXIT ("Semihosting for AArch32 and AArch64",
 *                              v3.0): `HLT #0xF000` with the operation in w0 and a parameter block
 *                              at x1. QEMU (-semihosting-config enable=on) or a debugger answers;
 *                              without one, HLT is an undefined instruction (halting debug is off).
 */
#include <arch/asm.h>

#define SYS_EXIT 0x18
#define ADP_STOPPED_APPLICATION_EXIT 0x20026

	.text

/*
 * guarded_call: calls x16 with the private vectors installed and DAIF masked; x0-x7 pass through,
 * x0 comes back (0 if the call faulted). Uses x9-x15; x17 is the callee's to use.
 */
guarded_call:
	stp	x29, x30, [sp, #-16]!
	mov	x29, sp
	mrs	x11, daif
	msr	daifset, #0xf
	mrs	x12, CurrentEL
	cmp	x12, #(2 << 2)
	b.ne	1f
	mrs	x13, vbar_el2
	adr_l	x14, guard_vectors_el2
	msr	vbar_el2, x14
	isb
	blr	x16
	msr	vbar_el2, x13
	b	2f
1:	mrs	x13, vbar_el1
	adr_l	x14, guard_vectors_el1
	msr	vbar_el1, x14
	isb
	blr	x16
	msr	vbar_el1, x13
2:	isb
	msr	daif, x11
	ldp	x29, x30, [sp], #16
	ret

/* bool arch_mmio_probe(uintptr_t addr) */
	.global	arch_mmio_probe
	.type	arch_mmio_probe, %function
arch_mmio_probe:
	adr	x16, probe_read
	b	guarded_call
	.size	arch_mmio_probe, . - arch_mmio_probe

probe_read:
	mov	x17, x0
	mov	x0, #1
	ldr	w17, [x17]		/* faults: the vector skips it with x0 = 0 */
	dsb	sy			/* an asynchronous abort would show here, still guarded */
	ret

/* void arch_semihosting_exit(unsigned code) */
	.global	arch_semihosting_exit
	.type	arch_semihosting_exit, %function
arch_semihosting_exit:
	stp	x29, x30, [sp, #-32]!
	mov	x29, sp
	mov	x9, #(ADP_STOPPED_APPLICATION_EXIT & 0xffff)
	movk	x9, #(ADP_STOPPED_APPLICATION_EXIT >> 16), lsl #16
	uxtw	x10, w0
	stp	x9, x10, [sp, #16]	/* parameter block: reason, exit status */
	add	x1, sp, #16
	adr	x16, semihost_exit
	bl	guarded_call
	ldp	x29, x30, [sp], #32
	ret
	.size	arch_semihosting_exit, . - arch_semihosting_exit

semihost_exit:
	mov	w0, #SYS_EXIT
	hlt	#0xf000
	ret

/* Every entry: step over the instruction that trapped, return 0 in x0. */
.macro step_over el
	.rept	16
	.balign	0x80
	mrs	x15, elr_\el
	add	x15, x15, #4
	msr	elr_\el, x15
	mov	x0, #0
	eret
	.endr
.endm

	.balign	0x800
guard_vectors_el2:
	step_over el2

	.balign	0x800
guard_vectors_el1:
	step_over el1
