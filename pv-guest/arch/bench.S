/*
 * Twin loops for the benchmarks (docs/pv-guest.md, "Measuring"): the same loop once with the
 * operation and once with a NOP in its place; the difference of the two CNTVCT deltas divided by
 * the iteration count is the cost of one operation.
 *
 * unsigned long pv_bench_loop_hvc(unsigned long fn, unsigned long n)
 * unsigned long pv_bench_loop_nop(unsigned long fn, unsigned long n)
 *     Counter ticks taken by n (>= 1) iterations of { x0 = fn; HVC #0 or NOP }. The loop keeps its
 *     state in x19/x20, which even a minimal SMCCC implementation preserves.
 */

.macro twin_loop name, op
	.global \name
\name:
	stp	x19, x20, [sp, #-32]!
	str	x21, [sp, #16]
	mov	x19, x0
	mov	x20, x1
	isb
	mrs	x21, cntvct_el0
1:	mov	x0, x19
	\op
	subs	x20, x20, #1
	b.ne	1b
	isb
	mrs	x0, cntvct_el0
	sub	x0, x0, x21
	ldr	x21, [sp, #16]
	ldp	x19, x20, [sp], #32
	ret
.endm

	.text
	.balign 64
	twin_loop pv_bench_loop_hvc, "hvc #0"
	.balign 64
	twin_loop pv_bench_loop_nop, "nop"

/*
 * unsigned long pv_bench_loop_store(void *base, unsigned long n, unsigned long stride)
 * unsigned long pv_bench_loop_skip(void *base, unsigned long n, unsigned long stride)
 *     Counter ticks taken by n (>= 1) iterations of { store a word at base; base += stride }, or
 *     the same with NOP in place of the store. With a page stride over memory never written, each
 *     store is a first touch (a stage-2 fault the hypervisor resolves, invisible to the guest).
 */
.macro store_loop name, op
	.global \name
\name:
	isb
	mrs	x4, cntvct_el0
1:	\op
	add	x0, x0, x2
	subs	x1, x1, #1
	b.ne	1b
	isb
	mrs	x0, cntvct_el0
	sub	x0, x0, x4
	ret
.endm

	.balign 64
	store_loop pv_bench_loop_store, "str x1, [x0]"
	.balign 64
	store_loop pv_bench_loop_skip, "nop"
