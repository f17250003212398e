/**
 * bad-exec: jumps to IPA `addr`, by default the first page after its own RAM. Its own stage-1
 * maps the address (Normal, executable), so the instruction fetch reaches stage 2, where Skiff
 * must take the instruction abort and park the VM ("... parked: instruction abort at IPA ...").
 */
#include <pv/pv.h>

int main(void)
{
	const struct skiff_start_info *si = pv_start_info();
	unsigned long addr = pv_arg_ulong("addr", si->ram_base + si->ram_size);

	pv_mmu_map(addr, PV_MEM_NORMAL);
	pv_printf("bad-exec: jumping to IPA 0x%lx\n", addr);
	((void (*)(void))addr)();
	pv_printf("bad-exec: FAIL: returned from IPA 0x%lx outside my RAM\n", addr);
	return 1;
}
