/**
 * Twin-loop measurements (arch/bench.S). Under QEMU's `-icount shift=0` one instruction is one
 * nanosecond of virtual time, so ticks convert to instructions exactly (16 per tick at 62.5 MHz).
 */
#ifndef PV_BENCH_H
#define PV_BENCH_H

/** Counter ticks for n iterations of { x0 = fn; HVC #0 }. */
unsigned long pv_bench_loop_hvc(unsigned long fn, unsigned long n);

/** The same loop with NOP in place of HVC #0. */
unsigned long pv_bench_loop_nop(unsigned long fn, unsigned long n);

/** Counter ticks for n iterations of { store a word at base; base += stride }. */
unsigned long pv_bench_loop_store(void *base, unsigned long n, unsigned long stride);

/** The same loop with NOP in place of the store. */
unsigned long pv_bench_loop_skip(void *base, unsigned long n, unsigned long stride);

#endif
