/**
 * hvc-flood: calls an unknown function ID (SKIFF_FN(0x7ff)) in a tight loop, forever. Every call
 * must answer SKIFF_E_NOT_SUPPORTED, and a VM living in the hypercall path must still be
 * preempted so others run. Prints one line per `step` thousand calls (default 100).
 */
#include <pv/pv.h>

int main(void)
{
	unsigned long step = pv_arg_ulong("step", 100) * 1000;

	pv_printf("hvc-flood: calling SKIFF_FN(0x7ff) forever\n");
	for (unsigned long round = 1;; round++) {
		for (unsigned long i = 0; i < step; i++) {
			long r = pv_call(SKIFF_FN(0x7ff), i, round);

			if (r != SKIFF_E_NOT_SUPPORTED) {
				pv_printf("hvc-flood: FAIL: call answered %ld\n", r);
				return 1;
			}
		}
		pv_printf("hvc-flood: %lu k calls, all NOT_SUPPORTED\n", round * step / 1000);
	}
}
