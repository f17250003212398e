/*
 * Invalidate the whole data cache by set/way, every level up to the Level of Coherency
 * (ARM ARM D7.4.x "Cache maintenance", CLIDR_EL1 / CCSIDR_EL1 / DC ISW). Used once, before the
 * MMU is first enabled: the boot protocol guarantees the loader cleaned the caches, and everything
 * Skiff wrote since went straight to memory, so any line still cached is stale.
 */
	.text
	.global arch_dcache_invalidate_all_early
arch_dcache_invalidate_all_early:
	mrs	x0, clidr_el1
	ubfx	x1, x0, #24, #3		/* LoC */
	lsl	x1, x1, #1		/* LoC * 2: level field of CSSELR */
	mov	x2, #0			/* x2 = level << 1 */
1:	cmp	x2, x1
	b.hs	5f
	add	x3, x2, x2, lsr #1	/* 3 * level */
	lsr	x3, x0, x3
	and	x3, x3, #7		/* cache type at this level */
	cmp	x3, #2
	b.lt	4f			/* no data cache here */
	msr	csselr_el1, x2
	isb
	mrs	x3, ccsidr_el1
	and	x4, x3, #7
	add	x4, x4, #4		/* x4 = log2(line bytes) */
	ubfx	x5, x3, #3, #10		/* x5 = ways - 1 */
	clz	w6, w5			/* x6 = way shift */
	ubfx	x7, x3, #13, #15	/* x7 = sets - 1 */
2:	mov	x8, x5			/* way */
3:	lsl	x9, x8, x6
	orr	x9, x9, x2
	lsl	x10, x7, x4
	orr	x9, x9, x10
	dc	isw, x9
	subs	x8, x8, #1
	b.ge	3b
	subs	x7, x7, #1
	b.ge	2b
4:	add	x2, x2, #2
	b	1b
5:	dsb	sy
	isb
	ret
