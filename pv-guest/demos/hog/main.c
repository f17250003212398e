/**
 * hog: a CPU-bound loop that never blocks or yields, printing its progress every `step` million
 * iterations (default 100). Several hogs with different weights show the scheduler's shares.
 * Stops after `count` progress lines when the args set it (default: never).
 */
#include <pv/mgmt.h>
#include <pv/pv.h>

/* One iteration: a xorshift step the compiler cannot fold away (about 8 instructions). */
static unsigned long spin(unsigned long n, unsigned long x)
{
	while (n--) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		__asm__ volatile("" : "+r"(x));
	}
	return x;
}

int main(void)
{
	unsigned long step = pv_arg_ulong("step", 100), count = pv_arg_ulong("count", 0);
	unsigned long x = 0x9e3779b97f4a7c15UL, start = pv_now();

	pv_printf("hog '%s': progress every %lu M iterations\n", pv_vm_name(), step);
	for (unsigned long n = 1; !count || n <= count; n++) {
		x = spin(step * 1000000, x);
		pv_mgmt_poll(); /* heartbeat and shutdown channels, once root offers them */
		pv_printf("hog: %lu M iterations, %lu us, x %lx\n", n * step,
			  pv_ticks_to_us(pv_now() - start), x & 0xffff);
	}
	return 0;
}
