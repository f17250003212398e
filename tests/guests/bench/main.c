/**
 * bench: hypercall costs by the twin-loop method (pv/bench.h), one line each for tools/bench.py:
 *     BENCH <name> <instructions per operation> instructions
 * Meaningful under QEMU's `-icount shift=0,sleep=off`, where one instruction takes exactly 1 ns
 * of virtual time, so ticks * 1e9 / CNTFRQ is an instruction count (16 per tick at 62.5 MHz).
 *   hypercall_roundtrip  SKIFF_HVC_ABI_VERSION: the trivial call, guest to EL2 and back
 *   hvc_floor            SKIFF_FN(0x7ff), an unknown function: entry, dispatch miss, exit
 *   s2_demand_zero_fault one store to each of `fault-pages` pages never touched: the stage-2
 *                        fault, a zeroed frame, the mapping, back to the guest
 *   s2_cow_fault         one store to each of `fault-pages` pages the sharing scanner folded
 *                        into one shared frame (the guest sleeps while the idle CPU scans):
 *                        a copy of the frame per store
 *   balloon_inflate      MiB per virtual ms given back with SKIFF_HVC_MEM_RELEASE, in 2 MiB
 *                        runs, of `balloon-mib` MiB the guest wrote (every page has a frame):
 *                        what the balloon driver's inflate costs the hypervisor
 *   swap_in              with `swap-mib=N` (and nothing else measured): writes N MiB, more than
 *                        the machine has, then reads it all back in order; microseconds per
 *                        page read back from the swap disk, device time included. Needs to be
 *                        privileged (host counters) and a run without icount: under icount an
 *                        idle CPU's virtual clock jumps to the next timer while the disk works.
 * Args: `iterations` (default 100000; at least 10000 for tick resolution), `fault-pages`
 * (default 2048; the VM needs twice that much RAM and more).
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

#define PAGE 4096UL

static void report_store(const char *name, void *base, unsigned long n)
{
	unsigned long op = pv_bench_loop_store(base, n, PAGE);
	unsigned long nop = pv_bench_loop_skip(base, n, PAGE);
	unsigned long diff = op > nop ? op - nop : 0;
	unsigned long insns = (diff * 1000000000UL / pv_freq() + n / 2) / n;

	pv_printf("bench: %s: %lu pages, %lu ticks with the stores, %lu without\n", name, n, op,
		  nop);
	pv_printf("BENCH %s %lu instructions\n", name, insns);
}

/* Page-aligned memory the VM never wrote (no frame behind it yet). */
static void *untouched_pages(unsigned long n)
{
	void *p = pv_alloc_pages_uninit(n);

	if (!p)
		pv_panic("no heap for %lu pages", n);
	return p;
}

static void measure_faults(unsigned long n)
{
	unsigned long *shared = untouched_pages(n);
	struct skiff_mem_info before, after;

	report_store("s2_demand_zero_fault", untouched_pages(n), n);
	for (unsigned long i = 0; i < n * PAGE / sizeof(*shared); i++)
		shared[i] = 0x5a5a5a5a00000000UL | (i % (PAGE / sizeof(*shared)));
	pv_mem_info(&before);
	pv_sleep_us(200000); /* idle: the scanner folds the identical pages */
	pv_mem_info(&after);
	pv_printf("bench: %lu identical pages written; shared %llu -> %llu KiB while asleep\n", n,
		  before.shared >> 10, after.shared >> 10);
	if (after.shared < before.shared + (n - 1) * PAGE)
		pv_printf("bench: s2_cow_fault: the pages were not all shared\n");
	else
		report_store("s2_cow_fault", shared, n);
}

/* Writes @mib MiB, then gives it back 2 MiB (512 pages) a call, timed. */
static void measure_release(unsigned long mib)
{
	unsigned long pages = mib * 256, *mem = untouched_pages(pages), t0, ticks, got = 0;

	for (unsigned long i = 0; i < pages; i++)
		mem[i * (PAGE / sizeof(*mem))] = i; /* a frame behind every page */
	t0 = pv_now();
	for (unsigned long i = 0; i < pages; i += 512)
		got += pv_mem_release((char *)mem + i * PAGE, (pages - i < 512 ? pages - i : 512));
	ticks = pv_now() - t0;
	if (got != pages)
		pv_panic("released %lu of %lu pages", got, pages);
	/* MiB per ms = mib / (ticks / freq * 1000); printed as an integer and tenths */
	pv_printf("bench: balloon_inflate: %lu MiB given back in %lu ticks\n", mib, ticks);
	pv_printf("BENCH balloon_inflate %lu MiB/ms\n", mib * pv_freq() / 1000 / ticks);
}

static void measure_swap_in(unsigned long mib)
{
	unsigned long pages = mib * 256, words = PAGE / sizeof(unsigned long), t0, us, bad = 0;
	unsigned long *mem = untouched_pages(pages);
	struct skiff_mem_info a, b;

	for (unsigned long i = 0; i < pages; i++)
		mem[i * words] = i * 0x9e3779b97f4a7c15UL;
	if (pv_call(SKIFF_HVC_MEM_INFO, SKIFF_VM_NONE, (unsigned long)&a))
		pv_panic("MEM_INFO failed (the swap_in run must be privileged)");
	t0 = pv_now();
	for (unsigned long i = 0; i < pages; i++)
		bad += mem[i * words] != i * 0x9e3779b97f4a7c15UL;
	us = (pv_now() - t0) * 1000000 / pv_freq();
	pv_mem_info(&b);
	if (bad || b.host_swap_ins == a.host_swap_ins)
		pv_panic("swap_in: %lu bad pages, %llu pages read back", bad,
			 b.host_swap_ins - a.host_swap_ins);
	pv_printf("bench: swap_in: %lu MiB read back in order in %lu us, %llu pages from the "
		  "disk, all intact\n",
		  mib, us, b.host_swap_ins - a.host_swap_ins);
	pv_printf("BENCH swap_in %llu us\n", us / (b.host_swap_ins - a.host_swap_ins));
}

int main(void)
{
	unsigned long n = pv_arg_ulong("iterations", 100000);

	if (n < 10000)
		n = 10000;
	pv_printf("bench: counter at %lu Hz\n", pv_freq());
	if (pv_arg_ulong("swap-mib", 0)) {
		measure_swap_in(pv_arg_ulong("swap-mib", 0));
		pv_printf("bench: done\n");
		return 0;
	}
	measure("hypercall_roundtrip", SKIFF_HVC_ABI_VERSION, n);
	measure("hvc_floor", SKIFF_FN(0x7ff), n);
	measure_faults(pv_arg_ulong("fault-pages", 2048));
	measure_release(pv_arg_ulong("balloon-mib", 8));
	pv_printf("bench: done\n");
	return 0;
}
