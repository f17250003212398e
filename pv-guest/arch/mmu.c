/**
 * The guest's stage-1 tables (pv/mmu.h) and turning the MMU on. 4 KiB granule, 39-bit VA
 * (TCR_EL1.T0SZ = 25), so a walk starts at level 1; descriptors as in ARM ARM D5.3
 * ("VMSAv8-64 translation table format descriptors"). Runs with the MMU off first: every store
 * goes to Device memory, hence -mstrict-align, and the caches are invalidated over what was
 * written before they are turned on.
 */
#include <pv/arch/boot.h>
#include <pv/arch/cpu.h>
#include <pv/arch/sysreg.h>
#include <pv/internal.h>
#include <pv/mmu.h>
#include <pv/vm.h>
#include <stdint.h>

#define VA_BITS 39
#define ENTRIES 512
#define L1_SHIFT 30 /* 1 GiB per level-1 entry */
#define L2_SHIFT 21 /* 2 MiB per level-2 entry */
#define L3_SHIFT 12 /* 4 KiB per level-3 entry */
#define SIZE(shift) (1UL << (shift))
#define IDX(va, shift) (((va) >> (shift)) & (ENTRIES - 1))

/* Descriptor bits (D5.3): bits [1:0] say block (01), table or page (11). */
#define DESC_BLOCK 0x1UL
#define DESC_TABLE 0x3UL
#define DESC_PAGE 0x3UL
#define DESC_ATTRIDX(i) ((uint64_t)(i) << 2)
#define DESC_SH_INNER (3UL << 8)
#define DESC_AF (1UL << 10)
#define DESC_PXN (1UL << 53)
#define DESC_UXN (1UL << 54) /* nothing runs at EL0 */

static uint64_t l1[ENTRIES] __attribute__((aligned(4096)));
static uint64_t l2[ENTRIES] __attribute__((aligned(4096))); /* RAM's 1 GiB region */
static uint64_t l3[ENTRIES] __attribute__((aligned(4096))); /* RAM's last, partial 2 MiB */
static unsigned long ram_region;                            /* RAM's VA >> L1_SHIFT */
static unsigned long tail_block = ~0UL;                     /* the 2 MiB that l3 covers */

extern char __bss_start[], __pv_end[];

static uint64_t leaf(unsigned long pa, enum pv_mem_type type)
{
	if (type == PV_MEM_DEVICE)
		return pa | DESC_ATTRIDX(PV_MAIR_IDX_DEVICE) | DESC_AF | DESC_PXN | DESC_UXN;
	return pa | DESC_ATTRIDX(PV_MAIR_IDX_NORMAL) | DESC_SH_INNER | DESC_AF | DESC_UXN;
}

/* An invalid entry becomes valid: no break-before-make, just make the walker see it. */
static unsigned long set_entry(uint64_t *e, uint64_t desc, unsigned long size)
{
	if (*e)
		return 0;
	*e = desc;
	__asm__ volatile("dsb ishst\n\tisb" : : : "memory");
	return size;
}

unsigned long pv_mmu_map(unsigned long va, enum pv_mem_type type)
{
	if (va >> VA_BITS)
		return 0;
	if (va >> L1_SHIFT != ram_region)
		return set_entry(&l1[IDX(va, L1_SHIFT)],
				 leaf(va & ~(SIZE(L1_SHIFT) - 1), type) | DESC_BLOCK,
				 SIZE(L1_SHIFT));
	if ((va & ~(SIZE(L2_SHIFT) - 1)) == tail_block)
		return set_entry(&l3[IDX(va, L3_SHIFT)],
				 leaf(va & ~(SIZE(L3_SHIFT) - 1), type) | DESC_PAGE,
				 SIZE(L3_SHIFT));
	return set_entry(&l2[IDX(va, L2_SHIFT)],
			 leaf(va & ~(SIZE(L2_SHIFT) - 1), type) | DESC_BLOCK, SIZE(L2_SHIFT));
}

/* RAM's last 2 MiB when RAM ends inside it: a level-3 table of 4 KiB pages. */
static void map_tail(unsigned long start, unsigned long end)
{
	tail_block = start;
	l2[IDX(start, L2_SHIFT)] = (uint64_t)l3 | DESC_TABLE;
	for (unsigned long a = start; a < end; a += SIZE(L3_SHIFT))
		l3[IDX(a, L3_SHIFT)] = leaf(a, PV_MEM_NORMAL) | DESC_PAGE;
}

static const char *map_ram(unsigned long base, unsigned long size)
{
	unsigned long end = base + size, a;

	if (base & (SIZE(L2_SHIFT) - 1))
		return "RAM base is not 2 MiB-aligned";
	if (size == 0 || (size & (SIZE(L3_SHIFT) - 1)) || end < base || (end - 1) >> VA_BITS)
		return "RAM size is not a whole number of pages below 2^39";
	if (base >> L1_SHIFT != (end - 1) >> L1_SHIFT)
		return "RAM crosses a 1 GiB boundary";
	ram_region = base >> L1_SHIFT;
	l1[IDX(base, L1_SHIFT)] = (uint64_t)l2 | DESC_TABLE;
	for (a = base; end - a >= SIZE(L2_SHIFT); a += SIZE(L2_SHIFT))
		l2[IDX(a, L2_SHIFT)] = leaf(a, PV_MEM_NORMAL) | DESC_BLOCK;
	if (a < end)
		map_tail(a, end);
	return 0;
}

/* Discards any cache line that could hide what was written with the MMU off (DC IVAC). */
static void invalidate(unsigned long start, unsigned long end)
{
	unsigned long line =
		4UL << ((pv_read_ctr_el0() >> PV_CTR_DMINLINE_SHIFT) & PV_CTR_DMINLINE_MASK);

	for (unsigned long a = start & ~(line - 1); a < end; a += line)
		__asm__ volatile("dc ivac, %0" : : "r"(a) : "memory");
}

static unsigned long tcr_value(void)
{
	unsigned long ips = pv_read_id_aa64mmfr0_el1() & PV_MMFR0_PARANGE_MASK;

	if (ips > 5) /* 52-bit output needs FEAT_LPA2 tables; our RAM is far below 48 bits */
		ips = 5;
	return (64UL - VA_BITS) << PV_TCR_T0SZ_SHIFT | PV_TCR_IRGN0_WBWA | PV_TCR_ORGN0_WBWA |
	       PV_TCR_SH0_INNER | PV_TCR_TG0_4K | PV_TCR_EPD1 | PV_TCR_TG1_4K |
	       ips << PV_TCR_IPS_SHIFT;
}

#define SCTLR_VALUE (PV_SCTLR_RES1 | PV_SCTLR_SA | PV_SCTLR_M | PV_SCTLR_C | PV_SCTLR_I)

/*
 * Stale TLB entries (a rebooted VM) and instructions (whatever ran in this RAM before) go first;
 * SCTLR_EL1 is written whole so no bit the hypervisor left (EE, A, WXN, ...) survives. A
 * secondary vCPU does the same in start.S with the values of pv_mmu_boot_regs.
 */
static void mmu_enable(void)
{
	pv_write_mair_el1(PV_MAIR_VALUE);
	pv_write_tcr_el1(tcr_value());
	pv_write_ttbr0_el1((unsigned long)l1);
	__asm__ volatile("isb\n\ttlbi vmalle1\n\tdsb nsh\n\tic iallu\n\tdsb nsh\n\tisb"
			 :
			 :
			 : "memory");
	pv_write_sctlr_el1(SCTLR_VALUE);
	__asm__ volatile("isb" : : : "memory");
}

void pv_mmu_boot_regs(struct pv_cpu_boot *b)
{
	b->mair = PV_MAIR_VALUE;
	b->tcr = tcr_value();
	b->ttbr0 = (unsigned long)l1;
	b->sctlr = SCTLR_VALUE;
}

bool pv_mmu_caches_on(void)
{
	unsigned long want = PV_SCTLR_M | PV_SCTLR_C | PV_SCTLR_I;

	return (pv_read_sctlr_el1() & want) == want;
}

_Noreturn void pv_arch_start(const struct skiff_start_info *si)
{
	unsigned long stack_top = (unsigned long)si & ~(PV_ARCH_PAGE_SIZE - 1);
	const char *err = pv_start_info_check(si);

	if (!err && stack_top - PV_STACK_SIZE < (unsigned long)__pv_end)
		err = "RAM too small for the image and its stack";
	if (!err)
		err = map_ram(si->ram_base, si->ram_size);
	if (err)
		pv_boot_fail(err);
	__asm__ volatile("dsb sy" : : : "memory");
	invalidate((unsigned long)__bss_start, (unsigned long)__pv_end);
	invalidate(stack_top - PV_STACK_SIZE, stack_top);
	__asm__ volatile("dsb sy" : : : "memory");
	mmu_enable();
	pv_main(si);
}
