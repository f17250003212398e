/**
 * Spin tables: the Raspberry Pi firmware (and QEMU -M raspi3b) holds the secondary CPUs polling
 * their cpu-release-addr in a WFE loop; a CPU jumps to the address written there (MMU off) once
 * an SEV wakes it. hyp/smp.c releases each to the arch's secondary entry.
 */
#include <skiff/arch.h>
#include <skiff/mm.h>
#include <skiff/spin_table.h>

/* The 8 bytes at @addr lie in RAM the DTB describes: a DTB cannot make us write elsewhere. */
static bool in_ram(const struct platform *p, uint64_t addr)
{
	for (unsigned i = 0; i < p->nram; i++)
		if (addr >= pa_addr(p->ram[i].begin) && addr + 8 <= pa_addr(p->ram[i].end))
			return true;
	return false;
}

bool spin_table_release(const struct platform *p, unsigned i, uint64_t entry)
{
	uint64_t addr = p->cpu_release[i];
	volatile uint64_t *slot;

	if (!addr || addr % 8 || !in_ram(p, addr))
		return false;
	slot = pa_to_ptr(pa_init(addr));
	*slot = entry;
	arch_dcache_clean(va_init((uintptr_t)slot), sizeof(*slot));
	return true;
}
