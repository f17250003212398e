/*
 * EL1 exception vectors (ARM ARM D1.10.2, "Exception vectors": 16 entries of 0x80 bytes, table
 * aligned to 2 KiB). pv-guest runs at EL1h, so only "current EL with SP_ELx" IRQs are expected:
 * they are event upcalls. Anything else is reported and ends the VM (pv_arch_unexpected).
 */
#include <pv/arch/frame.h>

/* Each entry saves x0/x1, puts its kind in x0 and branches to a handler with the frame at SP. */
.macro ventry kind, handler
	.balign 0x80
	sub	sp, sp, #PV_FRAME_SIZE
	stp	x0, x1, [sp, #PV_FRAME_X]
	mov	x0, #\kind
	b	\handler
.endm

/* x2..x30, ELR_EL1, SPSR_EL1 into the frame (x0/x1 are already there). */
.macro save_gprs
	stp	x2, x3, [sp, #PV_FRAME_X + 16]
	stp	x4, x5, [sp, #PV_FRAME_X + 32]
	stp	x6, x7, [sp, #PV_FRAME_X + 48]
	stp	x8, x9, [sp, #PV_FRAME_X + 64]
	stp	x10, x11, [sp, #PV_FRAME_X + 80]
	stp	x12, x13, [sp, #PV_FRAME_X + 96]
	stp	x14, x15, [sp, #PV_FRAME_X + 112]
	stp	x16, x17, [sp, #PV_FRAME_X + 128]
	stp	x18, x19, [sp, #PV_FRAME_X + 144]
	stp	x20, x21, [sp, #PV_FRAME_X + 160]
	stp	x22, x23, [sp, #PV_FRAME_X + 176]
	stp	x24, x25, [sp, #PV_FRAME_X + 192]
	stp	x26, x27, [sp, #PV_FRAME_X + 208]
	stp	x28, x29, [sp, #PV_FRAME_X + 224]
	mrs	x2, elr_el1
	mrs	x3, spsr_el1
	stp	x30, x2, [sp, #PV_FRAME_X + 240]
	str	x3, [sp, #PV_FRAME_SPSR]
.endm

/* x0..x18, x30, ELR_EL1, SPSR_EL1 back (x19..x29 are callee-saved: C kept them). */
.macro restore_gprs
	ldr	x3, [sp, #PV_FRAME_SPSR]
	ldp	x30, x2, [sp, #PV_FRAME_X + 240]
	msr	spsr_el1, x3
	msr	elr_el1, x2
	ldp	x18, x19, [sp, #PV_FRAME_X + 144]
	ldp	x16, x17, [sp, #PV_FRAME_X + 128]
	ldp	x14, x15, [sp, #PV_FRAME_X + 112]
	ldp	x12, x13, [sp, #PV_FRAME_X + 96]
	ldp	x10, x11, [sp, #PV_FRAME_X + 80]
	ldp	x8, x9, [sp, #PV_FRAME_X + 64]
	ldp	x6, x7, [sp, #PV_FRAME_X + 48]
	ldp	x4, x5, [sp, #PV_FRAME_X + 32]
	ldp	x2, x3, [sp, #PV_FRAME_X + 16]
	ldp	x0, x1, [sp, #PV_FRAME_X]
.endm

/* The caller-saved FP/SIMD state: handlers are ordinary C and may use vector registers. */
.macro save_fp
	add	x2, sp, #PV_FRAME_FP
	stp	q0, q1, [x2], #32
	stp	q2, q3, [x2], #32
	stp	q4, q5, [x2], #32
	stp	q6, q7, [x2], #32
	stp	q16, q17, [x2], #32
	stp	q18, q19, [x2], #32
	stp	q20, q21, [x2], #32
	stp	q22, q23, [x2], #32
	stp	q24, q25, [x2], #32
	stp	q26, q27, [x2], #32
	stp	q28, q29, [x2], #32
	stp	q30, q31, [x2], #32
	mrs	x3, fpsr
	mrs	x4, fpcr
	add	x2, sp, #PV_FRAME_FPSR
	stp	x3, x4, [x2]
.endm

.macro restore_fp
	add	x2, sp, #PV_FRAME_FPSR
	ldp	x3, x4, [x2]
	msr	fpsr, x3
	msr	fpcr, x4
	add	x2, sp, #PV_FRAME_FP
	ldp	q0, q1, [x2], #32
	ldp	q2, q3, [x2], #32
	ldp	q4, q5, [x2], #32
	ldp	q6, q7, [x2], #32
	ldp	q16, q17, [x2], #32
	ldp	q18, q19, [x2], #32
	ldp	q20, q21, [x2], #32
	ldp	q22, q23, [x2], #32
	ldp	q24, q25, [x2], #32
	ldp	q26, q27, [x2], #32
	ldp	q28, q29, [x2], #32
	ldp	q30, q31, [x2], #32
.endm

	.section .text.vectors, "ax"
	.balign 0x800
	.global pv_vectors
pv_vectors:
	ventry	PV_VEC_EL1T + PV_VEC_SYNC, unexpected
	ventry	PV_VEC_EL1T + PV_VEC_IRQ, unexpected
	ventry	PV_VEC_EL1T + PV_VEC_FIQ, unexpected
	ventry	PV_VEC_EL1T + PV_VEC_SERROR, unexpected
	ventry	PV_VEC_EL1H + PV_VEC_SYNC, unexpected
	ventry	PV_VEC_EL1H + PV_VEC_IRQ, irq
	ventry	PV_VEC_EL1H + PV_VEC_FIQ, unexpected
	ventry	PV_VEC_EL1H + PV_VEC_SERROR, unexpected
	ventry	PV_VEC_EL0_64 + PV_VEC_SYNC, unexpected
	ventry	PV_VEC_EL0_64 + PV_VEC_IRQ, unexpected
	ventry	PV_VEC_EL0_64 + PV_VEC_FIQ, unexpected
	ventry	PV_VEC_EL0_64 + PV_VEC_SERROR, unexpected
	ventry	PV_VEC_EL0_32 + PV_VEC_SYNC, unexpected
	ventry	PV_VEC_EL0_32 + PV_VEC_IRQ, unexpected
	ventry	PV_VEC_EL0_32 + PV_VEC_FIQ, unexpected
	ventry	PV_VEC_EL0_32 + PV_VEC_SERROR, unexpected

/* An event upcall: IRQs stay masked (exception entry set PSTATE.I) until the ERET. */
irq:
	save_gprs
	save_fp
	mov	x0, sp
	bl	pv_arch_irq
	restore_fp
	restore_gprs
	add	sp, sp, #PV_FRAME_SIZE
	eret

/* Reported, never returned from. */
unexpected:
	save_gprs
	mov	x1, sp
	bl	pv_arch_unexpected
	b	.
