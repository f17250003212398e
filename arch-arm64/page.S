/*
 * Whole-page operations for guest memory (hyp/vmem.c): zeroing a demand-zero frame and copying
 * a copy-on-write one are on the fault path, counted in instructions, so they are written out.
 *
 *   arch_page_zero(page)      DC ZVA (ARM ARM C5.3.x, DC ZVA): zeroes one block of the size
 *                             DCZID_EL0.BS gives (4 << BS bytes) per instruction; if DCZID_EL0.DZP
 *                             forbids it, 64-byte rounds of STP XZR.
 *   arch_page_copy(dst, src)  64 bytes per round with LDP/STP of general registers (EL2 is built
 *                             with -mgeneral-regs-only and guest FP/SIMD state may be live).
 */
#include <arch/asm.h>

#define PAGE_BYTES 4096

	.text

	.global	arch_page_zero
	.type	arch_page_zero, %function
arch_page_zero:
	mrs	x1, dczid_el0
	tbnz	x1, #4, 2f		/* DZP: DC ZVA prohibited */
	and	x1, x1, #0xf
	mov	x2, #4
	lsl	x2, x2, x1		/* block size in bytes */
	add	x3, x0, #PAGE_BYTES
1:	dc	zva, x0
	add	x0, x0, x2
	cmp	x0, x3
	b.lo	1b
	ret
2:	add	x3, x0, #PAGE_BYTES
3:	stp	xzr, xzr, [x0]
	stp	xzr, xzr, [x0, #16]
	stp	xzr, xzr, [x0, #32]
	stp	xzr, xzr, [x0, #48]
	add	x0, x0, #64
	cmp	x0, x3
	b.lo	3b
	ret
	.size	arch_page_zero, . - arch_page_zero

	.global	arch_page_copy
	.type	arch_page_copy, %function
arch_page_copy:
	add	x2, x1, #PAGE_BYTES
1:	ldp	x3, x4, [x1]
	ldp	x5, x6, [x1, #16]
	ldp	x7, x8, [x1, #32]
	ldp	x9, x10, [x1, #48]
	stp	x3, x4, [x0]
	stp	x5, x6, [x0, #16]
	stp	x7, x8, [x0, #32]
	stp	x9, x10, [x0, #48]
	add	x0, x0, #64
	add	x1, x1, #64
	cmp	x1, x2
	b.lo	1b
	ret
	.size	arch_page_copy, . - arch_page_copy
