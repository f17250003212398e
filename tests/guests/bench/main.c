/**
 * bench: hypercall costs by the twin-loop method (pv/bench.h), one line each for tools/bench.py:
 *     BENCH <name> <instructions per operation> instructions
 * Meaningful under QEMU's `-icount shift=0,sleep=off`, where one instruction takes exactly 1 ns
 * of virtual time, so ticks * 1e9 / CNTFRQ is an instruction count (16 per tick at 62.5 MHz).
 *   hypercall_roundtrip  SKIFF_HVC_ABI_VERSION: the trivial call, guest to EL2 and back
 *   hvc_floor            SKIFF_FN(0x7ff), an unknown function: entry, dispatch miss, exit
 * Args: `iterations` (default 100000; at least 10000 for tick resolution).
 */
#include <pv/bench.h>
#include <pv/pv.h>

static void measure(const char *name, unsigned long fn, unsigned long n)
{
	unsigned long op, nop, diff, insns;

	pv_bench_loop_hvc(fn, n / 10); /* warm up the paths measured below */
	pv_bench_loop_nop(fn, n / 10);
	op = pv_bench_loop_hvc(fn, n);
	nop = pv_bench_loop_nop(fn, n);
	diff = op > nop ? op - nop : 0;
	insns = (diff * 1000000000UL / pv_freq() + n / 2) / n;
	pv_printf("bench: %s: %lu iterations, %lu ticks with the call, %lu without\n", name, n, op,
		  nop);
	pv_printf("BENCH %s %lu instructions\n", name, insns);
}

int main(void)
{
	unsigned long n = pv_arg_ulong("iterations", 100000);

	if (n < 10000)
		n = 10000;
	pv_printf("bench: counter at %lu Hz\n", pv_freq());
	measure("hypercall_roundtrip", SKIFF_HVC_ABI_VERSION, n);
	measure("hvc_floor", SKIFF_FN(0x7ff), n);
	pv_printf("bench: done\n");
	return 0;
}
