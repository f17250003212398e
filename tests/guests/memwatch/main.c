/**
 * memwatch: a privileged observer for the sharing measurements (tests/qemu/test_sharing.py,
 * make bench sharing_reclaim). It waits `settle-ms` (default 1000) while the other VMs write
 * their pages and the idle CPU's scanner folds them, then reads every VM's memory figures
 * (SKIFF_HVC_VM_LIST) and the host's (SKIFF_HVC_MEM_INFO) and prints
 *     memwatch: <n> VMs, <pages> pages touched, <frames> frames behind them
 *     BENCH sharing_reclaim <percent, one decimal> %
 * where pages touched = their resident + shared pages and frames = their resident pages + the
 * host's shared frames (this VM's own pages are not counted; it shares none: it is the only one
 * of its image). reclaimed = 1 - frames / pages. Then it waits for good: a privileged VM that
 * exits is restarted, as the root partition is.
 */
#include <pv/pv.h>

#define MAX_VMS 128
#define PAGE 4096ULL

static struct skiff_vm_status vms[MAX_VMS];

int main(void)
{
	unsigned long self = pv_start_info()->vm_id, pages = 0, frames = 0, n = 0;
	struct skiff_mem_info host;
	long count;

	pv_sleep_us(pv_arg_ulong("settle-ms", 1000) * 1000);
	count = pv_call(SKIFF_HVC_VM_LIST, (unsigned long)vms, MAX_VMS);
	if (count < 0 || count > MAX_VMS)
		pv_panic("VM_LIST: %ld", count);
	if (pv_call(SKIFF_HVC_MEM_INFO, SKIFF_VM_NONE, (unsigned long)&host))
		pv_panic("MEM_INFO failed");
	for (long i = 0; i < count; i++) {
		if (vms[i].id == self || vms[i].state != SKIFF_VM_STATE_RUNNING)
			continue;
		pages += (vms[i].resident_bytes + vms[i].shared_bytes) / PAGE;
		frames += vms[i].resident_bytes / PAGE;
		n++;
	}
	frames += host.host_shared_frames / PAGE + (host.host_zero_pages ? 1 : 0);
	if (!pages)
		pv_panic("no VM has touched a page");
	pv_printf("memwatch: %lu VMs, %lu pages touched, %lu frames behind them\n", n, pages,
		  frames);
	pv_printf("memwatch: resident per VM: %llu KiB (first) .. %llu KiB (last)\n",
		  vms[1].resident_bytes >> 10, vms[count - 1].resident_bytes >> 10);
	pv_printf("BENCH sharing_reclaim %lu.%lu %%\n", (1000 - frames * 1000 / pages) / 10,
		  (1000 - frames * 1000 / pages) % 10);
	for (;;)
		pv_sleep_us(1000000000UL);
}
