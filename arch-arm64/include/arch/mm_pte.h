/**
 * arm64 descriptor encoding for the arch_mm.h seam, inline: the stage-2 fault, balloon and
 * reclaim paths decode entries per page and are counted in instructions.
 * Descriptor formats: ARM ARM D8.3 (VMSAv8-64 translation table format); stage-2 attributes D8.5.
 */
#ifndef ARCH_MM_PTE_H
#define ARCH_MM_PTE_H

#include <arch/sysreg.h>
#include <skiff/arch_mm.h> /* the types; it includes this file back at its end */

/* Descriptor bits (D8.3.1, D8.3.2). */
#define PTE_VALID (1UL << 0)
#define PTE_TABLE (1UL << 1) /* table at levels 0-2, page at level 3 */
#define PTE_ATTRIDX_SHIFT 2  /* stage 1: MAIR index; stage 2: MemAttr[3:0] at [5:2] */
#define PTE_AP_RO (1UL << 7) /* stage 1 AP[2]: read-only */
#define PTE_S2AP_R (1UL << 6)
#define PTE_S2AP_W (1UL << 7)
#define PTE_SH_INNER (3UL << 8)
#define PTE_AF (1UL << 10)
#define PTE_XN (1UL << 54) /* EL2 stage 1 XN; stage 2 XN[1] */
#define PTE_ADDR_MASK 0x0000fffffffff000UL

/* MAIR_EL2 indexes (D13.2.82), as arch-arm64/mmu.c programs it. */
#define MAIR_IDX_DEVICE 0
#define MAIR_IDX_NORMAL 1

/* Stage-2 MemAttr (D8.5.5): 0b0001 Device-nGnRE, 0b1111 Normal inner/outer write-back. */
#define S2_MEMATTR_DEVICE 0x1UL
#define S2_MEMATTR_NORMAL 0xfUL

static inline pte_t arch_mm_pte_absent(void)
{
	return 0;
}

static inline pte_t arch_mm_pte_table(paddr_t next)
{
	return (pa_addr(next) & PTE_ADDR_MASK) | PTE_TABLE | PTE_VALID;
}

static inline pte_t arch_mm_leaf_attrs_(enum mm_stage stage, mm_mode_t mode)
{
	pte_t a = PTE_AF;
	uint64_t attr;

	if (stage == MM_STAGE_EL2) {
		attr = (mode & MM_DEVICE) ? MAIR_IDX_DEVICE : MAIR_IDX_NORMAL;
		a |= mode & MM_W ? 0 : PTE_AP_RO;
	} else {
		attr = (mode & MM_DEVICE) ? S2_MEMATTR_DEVICE : S2_MEMATTR_NORMAL;
		a |= (mode & MM_R ? PTE_S2AP_R : 0) | (mode & MM_W ? PTE_S2AP_W : 0);
	}
	a |= attr << PTE_ATTRIDX_SHIFT;
	if (!(mode & MM_DEVICE))
		a |= PTE_SH_INNER;
	if (!(mode & MM_X) || (mode & MM_DEVICE))
		a |= PTE_XN;
	return a;
}

static inline pte_t arch_mm_pte_leaf(enum mm_stage stage, unsigned level, paddr_t pa,
				     mm_mode_t mode)
{
	pte_t type = level == 3 ? PTE_TABLE | PTE_VALID : PTE_VALID;

	return (pa_addr(pa) & PTE_ADDR_MASK) | arch_mm_leaf_attrs_(stage, mode) | type;
}

/* Software descriptors live above the valid bit (bit 0 clear makes the entry invalid). */
static inline pte_t arch_mm_pte_soft(uint64_t value)
{
	return value << 1;
}

static inline uint64_t arch_mm_pte_soft_value(pte_t pte)
{
	return pte >> 1;
}

static inline bool arch_mm_pte_young(pte_t pte)
{
	return pte & PTE_AF;
}

static inline pte_t arch_mm_pte_set_young(pte_t pte, bool young)
{
	return young ? pte | PTE_AF : pte & ~PTE_AF;
}

static inline bool arch_mm_pte_valid(pte_t pte)
{
	return pte & PTE_VALID;
}

static inline bool arch_mm_pte_is_table(pte_t pte, unsigned level)
{
	return level < 3 && (pte & (PTE_VALID | PTE_TABLE)) == (PTE_VALID | PTE_TABLE);
}

static inline paddr_t arch_mm_pte_addr(pte_t pte)
{
	return pa_init(pte & PTE_ADDR_MASK);
}

static inline mm_mode_t arch_mm_pte_mode(enum mm_stage stage, pte_t pte)
{
	uint64_t attr = (pte >> PTE_ATTRIDX_SHIFT) & (stage == MM_STAGE_EL2 ? 7 : 0xf);
	mm_mode_t m = pte & PTE_XN ? 0 : MM_X;

	if (stage == MM_STAGE_EL2) {
		m |= MM_R | (pte & PTE_AP_RO ? 0 : MM_W);
		m |= attr == MAIR_IDX_DEVICE ? MM_DEVICE : 0;
	} else {
		m |= (pte & PTE_S2AP_R ? MM_R : 0) | (pte & PTE_S2AP_W ? MM_W : 0);
		m |= attr == S2_MEMATTR_DEVICE ? MM_DEVICE : 0;
	}
	return m;
}

static inline void arch_mm_pte_write(pte_t *slot, pte_t pte)
{
	__atomic_store_n(slot, pte, __ATOMIC_RELAXED);
	dsb_ish(); /* make the store visible to the table walker (D8.2.8) */
}

#endif
