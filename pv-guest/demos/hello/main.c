/**
 * hello: greets with its identity from the start information, then prints a line every
 * `period-ms` (default 1000), sleeping in SKIFF_HVC_BLOCK in between. Stops after `count` lines
 * when the config's args set it (default: never). Answers the root partition's heartbeats and
 * shutdown requests (pv/mgmt.h).
 */
#include <pv/mgmt.h>
#include <pv/pv.h>

int main(void)
{
	const struct skiff_start_info *si = pv_start_info();
	unsigned long period = pv_us_to_ticks(pv_arg_ulong("period-ms", 1000) * 1000);
	unsigned long count = pv_arg_ulong("count", 0);
	unsigned long next = pv_now();

	pv_printf("hello from VM %u '%s' (vCPU %u, %lu KiB RAM, Skiff ABI %u.%u), args '%s'\n",
		  si->vm_id, pv_vm_name(), si->vcpu_id, (unsigned long)(si->ram_size / 1024),
		  si->abi_major, si->abi_minor, pv_args());
	for (unsigned long n = 1; !count || n <= count; n++) {
		next += period;
		pv_mgmt_poll(); /* heartbeat and shutdown channels, once root offers them */
		pv_sleep_until(next);
		pv_printf("hello: %lu s\n", n * pv_ticks_to_us(period) / 1000000);
	}
	pv_printf("hello: done\n");
	return 0;
}
