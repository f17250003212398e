/*
 * unsigned long pv_hvc_clobbers(unsigned long fn)
 *
 * Issues HVC #0 with function ID `fn`, x1..x3 = 0 and x4..x30 holding known values, and returns a
 * bit mask of those registers that changed across the call (bit n = xn). The Skiff ABI preserves
 * x4..x17 and SMCCC preserves x18..x30, so the answer should be 0.
 */
#define PATTERN_HI 0x5a5a	/* bits [63:48] of every pattern; the low bits are the register number */

	.text
	.global pv_hvc_clobbers
pv_hvc_clobbers:
	stp	x29, x30, [sp, #-96]!
	stp	x19, x20, [sp, #16]
	stp	x21, x22, [sp, #32]
	stp	x23, x24, [sp, #48]
	stp	x25, x26, [sp, #64]
	stp	x27, x28, [sp, #80]
	mov	x1, #0
	mov	x2, #0
	mov	x3, #0
	movz	x4, #PATTERN_HI, lsl #48
	.irp	n, 5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30
	add	x\n, x4, #\n
	.endr
	add	x4, x4, #4
	hvc	#0
	/* x2 = pattern base, x3 = the mask of changed registers, x1 = scratch. */
	movz	x2, #PATTERN_HI, lsl #48
	mov	x3, #0
	.irp	n, 4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30
	add	x1, x2, #\n
	cmp	x\n, x1
	cset	x1, ne
	orr	x3, x3, x1, lsl #\n
	.endr
	mov	x0, x3
	ldp	x19, x20, [sp, #16]
	ldp	x21, x22, [sp, #32]
	ldp	x23, x24, [sp, #48]
	ldp	x25, x26, [sp, #64]
	ldp	x27, x28, [sp, #80]
	ldp	x29, x30, [sp], #96
	ret
