/**
 * arm64 side of secondary-CPU start (hyp/smp.c): the slots boot.S's arch_secondary_entry reads
 * with its MMU off, and the C it calls, which sets up EL2 as the boot CPU did (vectors, HCR,
 * timers), turns the MMU on with the shared tables and hands over to the portable code.
 */
#include <arch/smp.h>
#include <arch/sysreg.h>
#include <skiff/arch_mm.h>
#include <skiff/cpu.h>
#include <skiff/smp.h>

_Static_assert(SECONDARY_SLOTS == PLATFORM_MAX_CPUS, "one slot per CPU");
_Static_assert(__builtin_offsetof(struct secondary_slot, hwid) == SLOT_HWID, "SLOT_HWID");
_Static_assert(__builtin_offsetof(struct secondary_slot, stack_top) == SLOT_STACK, "SLOT_STACK");
_Static_assert(sizeof(struct secondary_slot) == SLOT_SIZE, "SLOT_SIZE");
_Static_assert(MPIDR_AFF_MASK_VALUE == MPIDR_AFF_MASK, "MPIDR_AFF_MASK");

struct secondary_slot arch_secondary_slots[SECONDARY_SLOTS];

extern char arch_secondary_entry[];
void arch_el2_setup(void);
uint64_t arch_mm_el2_ttbr(void);
NORETURN void arch_secondary_start(struct secondary_slot *s);

/* Clean and invalidate to the point of coherency (DC CIVAC): memory holds the truth afterwards,
 * and no cache a CPU with its MMU off cannot see holds a line that would later hide its writes. */
static void dcache_flush(uintptr_t va, size_t len)
{
	uint64_t line = 4UL << ((read_ctr_el0() >> 16) & 0xf);

	for (uintptr_t a = ALIGN_DOWN(va, line); a < va + len; a += line)
		__asm__ volatile("dc civac, %0" : : "r"(a) : "memory");
	dsb_sy();
}

uint64_t arch_secondary_prepare(unsigned slot, uint64_t hwid, struct cpu *c, uintptr_t stack_top)
{
	struct secondary_slot *s = &arch_secondary_slots[slot];

	s->hwid = hwid;
	s->cpu = c;
	s->ttbr = arch_mm_el2_ttbr();
	s->stack_top = stack_top;
	/* The CPU writes its first stack frames uncached, then reads them through the caches. */
	dcache_flush(stack_top - CPU_STACK_SIZE, CPU_STACK_SIZE);
	dcache_flush((uintptr_t)s, sizeof(*s));
	return (uintptr_t)arch_secondary_entry; /* VA = PA */
}

void arch_secondary_start(struct secondary_slot *s)
{
	arch_el2_setup();
	arch_mm_enable(pa_init(s->ttbr));
	smp_secondary_main(s->cpu);
}

void arch_cpu_send_event(void)
{
	__asm__ volatile("dsb sy\n\tsev" ::: "memory");
}

void arch_cpu_relax(void)
{
	__asm__ volatile("yield" ::: "memory");
}
