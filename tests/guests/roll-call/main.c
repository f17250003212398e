/**
 * roll-call: one of many VMs (tests/qemu/test_many_vms.py runs 256). It fills `kib` KiB of its
 * heap (default 64) with a pattern made from its VM id, sleeps `sleep-ms` (default 200) so that
 * every other VM starts meanwhile, checks the pattern, then prints exactly one line
 *     roll-call: vm <id> '<name>' here, <kib> KiB intact
 * and exits 0. With 256 VMs the 8-bit VMIDs run out while all of them are alive (hyp/vmid.c starts
 * a new generation and flushes the TLBs): a VM that kept a stale translation would read another
 * VM's pattern. A wrong pattern or a VM id that differs between the start information and
 * SKIFF_HVC_VM_INFO is printed as "roll-call: vm <id> FAIL: ..." and the VM exits 1.
 */
#include <pv/pv.h>

static unsigned long pattern(unsigned long id, unsigned long i)
{
	unsigned long x = (id << 32 | i) * 0x9e3779b97f4a7c15UL;

	return x ^ (x >> 31);
}

int main(void)
{
	unsigned long kib = pv_arg_ulong("kib", 64), words = kib * 1024 / sizeof(unsigned long);
	unsigned long id = pv_start_info()->vm_id;
	unsigned long *buf = pv_malloc(kib * 1024);
	struct pv_vm_info info;

	if (!buf)
		pv_panic("no memory for %lu KiB", kib);
	if (pv_vm_info(&info) || info.vm_id != id) {
		pv_printf("roll-call: vm %lu FAIL: VM_INFO says vm %u\n", id, info.vm_id);
		return 1;
	}
	for (unsigned long i = 0; i < words; i++)
		buf[i] = pattern(id, i);
	pv_sleep_us(pv_arg_ulong("sleep-ms", 200) * 1000);
	for (unsigned long i = 0; i < words; i++) {
		if (buf[i] != pattern(id, i)) {
			pv_printf("roll-call: vm %lu FAIL: word %lu is 0x%lx, not 0x%lx\n", id, i,
				  buf[i], pattern(id, i));
			return 1;
		}
	}
	pv_printf("roll-call: vm %lu '%s' here, %lu KiB intact\n", id, pv_vm_name(), kib);
	return 0;
}
