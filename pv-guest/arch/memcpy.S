/*
 * void *memcpy(void *dst, const void *src, size_t n)                     (pv/string.h)
 *
 * Channel rings copy every payload twice (into the ring, out of it), so this is the copy the
 * channel throughput figures are made of. With the MMU on, guest RAM is Normal memory and
 * SCTLR_EL1.A is 0 (arch/mmu.c), where loads and stores of any alignment are allowed (ARM ARM
 * B2.5.2): 128 bytes a round go through four SIMD register pairs, whatever the alignment of
 * either pointer, and the last 0..127 bytes by the bits of n. With the MMU off all memory is
 * Device memory, where an unaligned access faults: then the careful copy in lib/string.c
 * (pv_memcpy_strict, aligned accesses only) does it. q0..q7 are caller-saved (AAPCS64).
 */

/* SCTLR_EL1.M, bit 0 (ARM ARM D13.2.118): the stage-1 MMU is on. */
#define SCTLR_M_BIT 0

	.section .text.memcpy, "ax"
	.global memcpy
	.type memcpy, %function
memcpy:
	mrs	x3, sctlr_el1
	tbz	x3, #SCTLR_M_BIT, pv_memcpy_strict
	mov	x3, x0
	subs	x4, x2, #128
	b.lo	2f
1:	ldp	q0, q1, [x1], #32
	ldp	q2, q3, [x1], #32
	ldp	q4, q5, [x1], #32
	ldp	q6, q7, [x1], #32
	stp	q0, q1, [x3], #32
	stp	q2, q3, [x3], #32
	stp	q4, q5, [x3], #32
	stp	q6, q7, [x3], #32
	subs	x4, x4, #128
	b.hs	1b
	/* x4 = n - 128 * rounds - 128: its low 7 bits are what is left. */
2:	tbz	x4, #6, 3f
	ldp	q0, q1, [x1], #32
	ldp	q2, q3, [x1], #32
	stp	q0, q1, [x3], #32
	stp	q2, q3, [x3], #32
3:	tbz	x4, #5, 4f
	ldp	q0, q1, [x1], #32
	stp	q0, q1, [x3], #32
4:	tbz	x4, #4, 5f
	ldr	q0, [x1], #16
	str	q0, [x3], #16
5:	tbz	x4, #3, 6f
	ldr	x5, [x1], #8
	str	x5, [x3], #8
6:	tbz	x4, #2, 7f
	ldr	w5, [x1], #4
	str	w5, [x3], #4
7:	tbz	x4, #1, 8f
	ldrh	w5, [x1], #2
	strh	w5, [x3], #2
8:	tbz	x4, #0, 9f
	ldrb	w5, [x1]
	strb	w5, [x3]
9:	ret
	.size memcpy, . - memcpy
