/**
 * Parking the secondary CPUs: the Raspberry Pi firmware (and QEMU -M raspi3b) holds them on spin
 * tables, polling in WFE. Until Skiff schedules on them, they halt in the arch's WFI loop, which
 * costs a QEMU host nothing where WFE spins.
 */
#include <skiff/arch.h>
#include <skiff/cpu_park.h>
#include <skiff/mm.h>

/* The 8 bytes at @addr lie in RAM the DTB describes: a DTB cannot make us write elsewhere. */
static bool in_ram(const struct platform *p, uint64_t addr)
{
	for (unsigned i = 0; i < p->nram; i++)
		if (addr >= pa_addr(p->ram[i].begin) && addr + 8 <= pa_addr(p->ram[i].end))
			return true;
	return false;
}

unsigned cpu_park_secondaries(const struct platform *p)
{
	uint64_t entry = arch_cpu_park_entry(), self = arch_cpu_hwid();
	unsigned released = 0;

	for (unsigned i = 0; i < p->ncpus; i++) {
		uint64_t addr = p->cpu_release[i];
		if (p->cpu_hwid[i] == self || !addr || addr % 8 || !in_ram(p, addr))
			continue;
		*(volatile uint64_t *)pa_to_ptr(pa_init(addr)) = entry;
		released++;
	}
	if (released)
		arch_cpu_send_event();
	return released;
}
