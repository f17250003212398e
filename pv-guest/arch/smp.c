/** What several vCPUs need from the architecture: TPIDR_EL1, WFE, cleaning to memory. */
#include <pv/arch/boot.h>
#include <pv/arch/sysreg.h>
#include <pv/internal.h>
#include <pv/spinlock.h>

struct pv_cpu *pv_this_cpu(void)
{
	return (struct pv_cpu *)pv_read_tpidr_el1();
}

void pv_arch_set_this_cpu(void *c)
{
	pv_write_tpidr_el1((unsigned long)c);
}

/* WFE traps to Skiff (HCR_EL2.TWE), which yields: the lock holder may run meanwhile. */
void pv_cpu_relax(void)
{
	__asm__ volatile("wfe" : : : "memory");
}

void pv_cache_clean(const void *p, unsigned long len)
{
	unsigned long line =
		4UL << ((pv_read_ctr_el0() >> PV_CTR_DMINLINE_SHIFT) & PV_CTR_DMINLINE_MASK);
	unsigned long a = (unsigned long)p & ~(line - 1), end = (unsigned long)p + len;

	for (; a < end; a += line)
		__asm__ volatile("dc cvac, %0" : : "r"(a) : "memory");
	__asm__ volatile("dsb sy" : : : "memory");
}
