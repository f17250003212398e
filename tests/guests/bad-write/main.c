/**
 * bad-write: writes to IPA `addr`, by default the first byte after its own RAM: where a stage-2
 * that rounds a VM's RAM up to a 2 MiB block would let it reach another VM's memory (its config
 * gives it 1 MiB for that reason). Its own stage-1 maps the address (Normal memory); Skiff must
 * take the stage-2 data abort and park the VM ("... parked: data abort at IPA 0x40100000 ...").
 */
#include <pv/pv.h>

int main(void)
{
	const struct skiff_start_info *si = pv_start_info();
	unsigned long addr = pv_arg_ulong("addr", si->ram_base + si->ram_size);

	pv_mmu_map(addr, PV_MEM_NORMAL);
	pv_printf("bad-write: writing IPA 0x%lx\n", addr);
	*(volatile unsigned long *)addr = 0xbadbadbadbadUL;
	pv_printf("bad-write: FAIL: wrote IPA 0x%lx outside my RAM\n", addr);
	return 1;
}
