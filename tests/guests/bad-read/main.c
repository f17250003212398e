/**
 * bad-read: reads IPA `addr` (default 0x08000000, the GIC distributor), which is not its RAM.
 * Its own stage-1 maps the address (Device memory) so the load reaches stage 2, where Skiff must
 * take the data abort and park the VM ("vm N 'bad-read' parked: data abort at IPA 0x8000000 ...").
 * Reaching the line after the load means the hypervisor let a guest read what it does not own.
 * `delay-ms` (default 0) waits that long first (a guest parked while the operator types).
 */
#include <pv/pv.h>

int main(void)
{
	unsigned long addr = pv_arg_ulong("addr", 0x08000000);
	unsigned int v;

	pv_sleep_us(pv_arg_ulong("delay-ms", 0) * 1000);
	pv_mmu_map(addr, PV_MEM_DEVICE);
	pv_printf("bad-read: reading IPA 0x%lx\n", addr);
	v = *(volatile unsigned int *)addr;
	pv_printf("bad-read: FAIL: read 0x%x from IPA 0x%lx outside my RAM\n", v, addr);
	return 1;
}
