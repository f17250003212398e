/*
 * Guest exits and entries: the world switch's register half. On an exit from EL1 the guest's
 * caller-saved registers (x0-x18, x30) and ELR/SPSR go into its struct vcpu (arch_vcpu at offset
 * 0, include/arch/vcpu_regs.h); C handles the exit and returns the vCPU to run. Callee-saved
 * x19-x29 stay live in the registers through C (AAPCS64) and are only swapped when the vCPU
 * changes. That keeps a hypercall that does not switch to ~20 instructions each way.
 *
 * SP_EL2 is this CPU's stack top at every guest exit; the exiting vCPU is kept on it.
 */
#include <arch/asm.h>
#include <arch/vcpu_regs.h>

/* Saves the exiting guest's volatile state into the vCPU; leaves x0 = vcpu, sp: [vcpu]. */
.macro guest_save
	stp	x0, x1, [sp, #-16]!
	mrs	x0, tpidr_el2
	ldr	x0, [x0]			/* struct cpu.vcpu */
	stp	x2, x3, [x0, #VCPU_X(2)]
	stp	x4, x5, [x0, #VCPU_X(4)]
	stp	x6, x7, [x0, #VCPU_X(6)]
	stp	x8, x9, [x0, #VCPU_X(8)]
	stp	x10, x11, [x0, #VCPU_X(10)]
	stp	x12, x13, [x0, #VCPU_X(12)]
	stp	x14, x15, [x0, #VCPU_X(14)]
	stp	x16, x17, [x0, #VCPU_X(16)]
	str	x18, [x0, #VCPU_X(18)]
	str	x30, [x0, #VCPU_X(30)]
	ldp	x2, x3, [sp]
	stp	x2, x3, [x0, #VCPU_X(0)]
	str	x0, [sp]			/* keep the exiting vCPU on the stack */
	mrs	x2, elr_el2
	mrs	x3, spsr_el2
	stp	x2, x3, [x0, #VCPU_PC]
.endm

/* x19-x29 (callee-saved) to or from the vCPU at \reg. */
.macro callee_regs op, opp, reg
	\opp	x19, x20, [\reg, #VCPU_X(19)]
	\opp	x21, x22, [\reg, #VCPU_X(21)]
	\opp	x23, x24, [\reg, #VCPU_X(23)]
	\opp	x25, x26, [\reg, #VCPU_X(25)]
	\opp	x27, x28, [\reg, #VCPU_X(27)]
	\op	x29, [\reg, #VCPU_X(29)]
.endm

	.text
	.global	guest_sync
guest_sync:
	guest_save
	mrs	x1, esr_el2
	lsr	x2, x1, #26			/* ESR_EL2.EC */
	cmp	x2, #0x16			/* HVC64: the hot path goes straight to C */
	b.ne	1f
	bl	vcpu_hypercall			/* x0 = next vCPU */
	b	guest_resume
1:	bl	arch_guest_sync
	b	guest_resume

	.global	guest_irq
guest_irq:
	guest_save
	bl	arch_guest_irq
	b	guest_resume

	.global	guest_serror
guest_serror:
	guest_save
	mrs	x1, esr_el2
	bl	arch_guest_serror
	b	guest_resume

/* x0 = vCPU to enter; [sp] = the vCPU that exited (its x19-x29 are live in the registers). */
guest_resume:
	ldr	x1, [sp], #16
	cmp	x0, x1
	b.eq	1f
	callee_regs str, stp, x1
	callee_regs ldr, ldp, x0
1:
enter_volatile:
	ldp	x2, x3, [x0, #VCPU_PC]
	msr	elr_el2, x2
	msr	spsr_el2, x3
	ldr	x2, [x0, #VCPU_HCR]
	msr	hcr_el2, x2
	ldp	x2, x3, [x0, #VCPU_X(2)]
	ldp	x4, x5, [x0, #VCPU_X(4)]
	ldp	x6, x7, [x0, #VCPU_X(6)]
	ldp	x8, x9, [x0, #VCPU_X(8)]
	ldp	x10, x11, [x0, #VCPU_X(10)]
	ldp	x12, x13, [x0, #VCPU_X(12)]
	ldp	x14, x15, [x0, #VCPU_X(14)]
	ldp	x16, x17, [x0, #VCPU_X(16)]
	ldr	x18, [x0, #VCPU_X(18)]
	ldr	x30, [x0, #VCPU_X(30)]
	ldp	x0, x1, [x0, #VCPU_X(0)]
	eret

/* void arch_vcpu_enter_first(struct vcpu *v): x1 = stack top for this CPU. */
	.global	arch_enter_first_asm
arch_enter_first_asm:
	mov	sp, x1
	callee_regs ldr, ldp, x0
	b	enter_volatile

/* FP/SIMD context: q0-q31, FPSR, FPCR at @x0 (16-byte aligned), ARM ARM C5.2.7-8. */
	.global	arch_fp_save
arch_fp_save:
	stp	q0, q1, [x0, #0x000]
	stp	q2, q3, [x0, #0x020]
	stp	q4, q5, [x0, #0x040]
	stp	q6, q7, [x0, #0x060]
	stp	q8, q9, [x0, #0x080]
	stp	q10, q11, [x0, #0x0a0]
	stp	q12, q13, [x0, #0x0c0]
	stp	q14, q15, [x0, #0x0e0]
	stp	q16, q17, [x0, #0x100]
	stp	q18, q19, [x0, #0x120]
	stp	q20, q21, [x0, #0x140]
	stp	q22, q23, [x0, #0x160]
	stp	q24, q25, [x0, #0x180]
	stp	q26, q27, [x0, #0x1a0]
	stp	q28, q29, [x0, #0x1c0]
	stp	q30, q31, [x0, #0x1e0]
	mrs	x1, fpsr
	mrs	x2, fpcr
	add	x0, x0, #0x200
	stp	x1, x2, [x0]
	ret

	.global	arch_fp_restore
arch_fp_restore:
	ldp	q0, q1, [x0, #0x000]
	ldp	q2, q3, [x0, #0x020]
	ldp	q4, q5, [x0, #0x040]
	ldp	q6, q7, [x0, #0x060]
	ldp	q8, q9, [x0, #0x080]
	ldp	q10, q11, [x0, #0x0a0]
	ldp	q12, q13, [x0, #0x0c0]
	ldp	q14, q15, [x0, #0x0e0]
	ldp	q16, q17, [x0, #0x100]
	ldp	q18, q19, [x0, #0x120]
	ldp	q20, q21, [x0, #0x140]
	ldp	q22, q23, [x0, #0x160]
	ldp	q24, q25, [x0, #0x180]
	ldp	q26, q27, [x0, #0x1a0]
	ldp	q28, q29, [x0, #0x1c0]
	ldp	q30, q31, [x0, #0x1e0]
	add	x0, x0, #0x200
	ldp	x1, x2, [x0]
	msr	fpsr, x1
	msr	fpcr, x2
	ret
