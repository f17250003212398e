/**
 * share: measures the CPU share the scheduler gives this VM over a fixed interval of counter
 * time. It spins until `from-ms`, then counts iterations of a fixed two-instruction loop until
 * `from-ms` + `ms`, and prints
 *     share: <N> iterations, ran <R> of <T> ticks
 * and exits 0. Meant for QEMU's `-icount shift=0,sleep=off`, where an instruction is 1 ns of
 * virtual time, so N is proportional to the CPU time the VM got.
 *
 * `from-ms` is counter time since reset (CNTVOFF_EL2 is 0: every VM reads the same counter), so
 * VMs of one config given the same `from-ms` measure the same interval; without it the interval
 * starts when the VM does. R counts the counter time between consecutive readings that are less
 * than GAP_US apart, i.e. the time the VM was on the CPU (a reading after a gap of other VMs, or
 * of an idle CPU, adds nothing): R / T is the share of one CPU even when the CPU idles.
 * Args: `from-ms` (default: start now), `ms` (default 3000).
 */
#include <pv/pv.h>

#define CHUNK 1024 /* iterations between two counter readings: about 2 us */
#define GAP_US 20  /* a larger step between readings means the VM was not running */

/* CHUNK iterations of SUBS + B.NE: the loop the count measures, the same in every VM. */
static void chunk(void)
{
	unsigned long k = CHUNK;

	__asm__ volatile("1:	subs	%0, %0, #1\n\tb.ne	1b" : "+r"(k) : : "cc");
}

int main(void)
{
	unsigned long from_ms = pv_arg_ulong("from-ms", 0), ms = pv_arg_ulong("ms", 3000);
	unsigned long from = from_ms ? pv_us_to_ticks(from_ms * 1000) : pv_now();
	unsigned long until = from + pv_us_to_ticks(ms * 1000), gap = pv_us_to_ticks(GAP_US);
	unsigned long n = 0, ran = 0, prev, now;

	while (pv_now() < from)
		chunk();
	prev = pv_now();
	for (now = prev; now < until; prev = now) {
		chunk();
		n += CHUNK;
		now = pv_now();
		if (now - prev < gap)
			ran += now - prev;
	}
	pv_printf("share: %lu iterations, ran %lu of %lu ticks\n", n, ran, until - from);
	return 0;
}
