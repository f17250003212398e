/*
 * EL2 exception vectors (ARM ARM D1.10.2: 16 entries of 0x80 bytes, VBAR_EL2 2 KiB aligned).
 * Every entry saves a full struct exc_frame (include/arch/exception.h) and calls C.
 * Lower-EL (guest) entries are in guest_entry.S.
 */
#include <arch/asm.h>
#include <arch/exception.h>

.macro save_frame
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp, #FRAME_X(0)]
	stp	x2, x3, [sp, #FRAME_X(2)]
	stp	x4, x5, [sp, #FRAME_X(4)]
	stp	x6, x7, [sp, #FRAME_X(6)]
	stp	x8, x9, [sp, #FRAME_X(8)]
	stp	x10, x11, [sp, #FRAME_X(10)]
	stp	x12, x13, [sp, #FRAME_X(12)]
	stp	x14, x15, [sp, #FRAME_X(14)]
	stp	x16, x17, [sp, #FRAME_X(16)]
	stp	x18, x19, [sp, #FRAME_X(18)]
	stp	x20, x21, [sp, #FRAME_X(20)]
	stp	x22, x23, [sp, #FRAME_X(22)]
	stp	x24, x25, [sp, #FRAME_X(24)]
	stp	x26, x27, [sp, #FRAME_X(26)]
	stp	x28, x29, [sp, #FRAME_X(28)]
	add	x0, sp, #FRAME_SIZE
	stp	x30, x0, [sp, #FRAME_X(30)]
	mrs	x0, elr_el2
	mrs	x1, spsr_el2
	stp	x0, x1, [sp, #FRAME_ELR]
	mrs	x0, esr_el2
	mrs	x1, far_el2
	stp	x0, x1, [sp, #FRAME_ESR]
.endm

.macro restore_frame_eret
	ldp	x0, x1, [sp, #FRAME_ELR]
	msr	elr_el2, x0
	msr	spsr_el2, x1
	ldp	x0, x1, [sp, #FRAME_X(0)]
	ldp	x2, x3, [sp, #FRAME_X(2)]
	ldp	x4, x5, [sp, #FRAME_X(4)]
	ldp	x6, x7, [sp, #FRAME_X(6)]
	ldp	x8, x9, [sp, #FRAME_X(8)]
	ldp	x10, x11, [sp, #FRAME_X(10)]
	ldp	x12, x13, [sp, #FRAME_X(12)]
	ldp	x14, x15, [sp, #FRAME_X(14)]
	ldp	x16, x17, [sp, #FRAME_X(16)]
	ldp	x18, x19, [sp, #FRAME_X(18)]
	ldp	x20, x21, [sp, #FRAME_X(20)]
	ldp	x22, x23, [sp, #FRAME_X(22)]
	ldp	x24, x25, [sp, #FRAME_X(24)]
	ldp	x26, x27, [sp, #FRAME_X(26)]
	ldp	x28, x29, [sp, #FRAME_X(28)]
	ldr	x30, [sp, #FRAME_X(30)]
	add	sp, sp, #FRAME_SIZE
	eret
.endm

/* An entry that reports an unexpected exception of kind \kind. */
.macro unexpected kind
	.balign	0x80
	save_frame
	mov	x0, sp
	mov	x1, #\kind
	bl	arch_exception_unexpected
	b	.
.endm

	.text
	.balign	0x800
	.global	arch_vectors
arch_vectors:
	unexpected (VEC_FROM_CUR_SP0 + VEC_SYNC)
	unexpected (VEC_FROM_CUR_SP0 + VEC_IRQ)
	unexpected (VEC_FROM_CUR_SP0 + VEC_FIQ)
	unexpected (VEC_FROM_CUR_SP0 + VEC_SERROR)

	unexpected (VEC_FROM_CUR_SPX + VEC_SYNC)
	.balign	0x80
	b	el2_irq
	unexpected (VEC_FROM_CUR_SPX + VEC_FIQ)
	unexpected (VEC_FROM_CUR_SPX + VEC_SERROR)

	.balign	0x80
	b	guest_sync
	.balign	0x80
	b	guest_irq
	unexpected (VEC_FROM_LOWER64 + VEC_FIQ)
	.balign	0x80
	b	guest_serror

	unexpected (VEC_FROM_LOWER32 + VEC_SYNC)
	unexpected (VEC_FROM_LOWER32 + VEC_IRQ)
	unexpected (VEC_FROM_LOWER32 + VEC_FIQ)
	unexpected (VEC_FROM_LOWER32 + VEC_SERROR)

el2_irq:
	save_frame
	mov	x0, sp
	bl	arch_exception_irq
	restore_frame_eret
