/**
 * Fake page-table encoding (the arch_mm.h seam). Deliberately unlike arm64's (valid in bit 0,
 * table in bit 1, address in place, zero = absent): here valid is bit 63, table bit 62, the frame
 * number is stored shifted down to bit 8, the mode is stored inverted in bits 4..7, and an absent
 * entry is not zero. A leaf also remembers its stage and level, so reading it at another level or
 * for another stage is caught. Code that decodes descriptors itself, or assumes arm64's layout,
 * maps nonsense here and the tests fail.
 *
 * Every store and TLB invalidate is logged, and break-before-make (ARM ARM D8.14.1) is checked as
 * it happens: a valid entry may only be replaced by a different valid entry after an invalid
 * store and a TLB invalidate that covers it (invalidate-all for a table entry).
 */
#include <string.h>

#include "fake_arch.h"

struct fake_mm_state fake_mm;

void fake_mm_reset(void)
{
	memset(&fake_mm, 0, sizeof(fake_mm));
	/* Not arm64's 48/39, on purpose: the walker must derive its root level from these. */
	fake_mm.input_bits[MM_STAGE_EL2] = 48;
	fake_mm.input_bits[MM_STAGE2] = 36;
	fake_mm.block_levels = (1U << 1) | (1U << 2);
}

static uint64_t level_size(unsigned level)
{
	return 1ULL << (PAGE_SHIFT + 9 * (MM_LEVELS - 1 - level));
}

unsigned arch_mm_input_bits(enum mm_stage stage)
{
	return fake_mm.input_bits[stage];
}

bool arch_mm_block_ok(unsigned level)
{
	return level < MM_LEVELS - 1 && (fake_mm.block_levels & (1U << level));
}

pte_t arch_mm_pte_absent(void)
{
	return FAKE_PTE_ABSENT;
}

static pte_t encode_addr(paddr_t pa)
{
	if (!IS_ALIGNED(pa_addr(pa), PAGE_SIZE) ||
	    (pa_addr(pa) >> PAGE_SHIFT) > FAKE_PTE_FRAME_MASK)
		fake_violation("descriptor address 0x%lx not page aligned or too large",
			       pa_addr(pa));
	return ((pa_addr(pa) >> PAGE_SHIFT) & FAKE_PTE_FRAME_MASK) << FAKE_PTE_FRAME_SHIFT;
}

pte_t arch_mm_pte_table(paddr_t next)
{
	return FAKE_PTE_VALID | FAKE_PTE_TABLE | encode_addr(next);
}

pte_t arch_mm_pte_leaf(enum mm_stage stage, unsigned level, paddr_t pa, mm_mode_t mode)
{
	if (level >= MM_LEVELS || (level < MM_LEVELS - 1 && !arch_mm_block_ok(level)))
		fake_violation("leaf at level %u, where the arch allows none", level);
	else if (!IS_ALIGNED(pa_addr(pa), level_size(level)))
		fake_violation("level-%u leaf at 0x%lx: not aligned to its size", level,
			       pa_addr(pa));
	if (mode & ~FAKE_PTE_MODE_MASK)
		fake_violation("unknown mode bits 0x%x", mode);
	return FAKE_PTE_VALID | (stage == MM_STAGE2 ? FAKE_PTE_STAGE2 : 0) |
	       ((pte_t)(level & 3) << FAKE_PTE_LEVEL_SHIFT) |
	       ((~(pte_t)mode & FAKE_PTE_MODE_MASK) << FAKE_PTE_MODE_SHIFT) | encode_addr(pa);
}

pte_t arch_mm_pte_soft(uint64_t value)
{
	if (value >> MM_SOFT_BITS)
		fake_violation("software descriptor value 0x%lx wider than MM_SOFT_BITS", value);
	return value ? FAKE_PTE_SOFT | value << FAKE_PTE_SOFT_SHIFT : FAKE_PTE_ABSENT;
}

uint64_t arch_mm_pte_soft_value(pte_t pte)
{
	if (arch_mm_pte_valid(pte))
		fake_violation("software value of a valid descriptor 0x%lx", pte);
	return pte == FAKE_PTE_ABSENT ? 0 : (pte & ~FAKE_PTE_SOFT) >> FAKE_PTE_SOFT_SHIFT;
}

static void check_leaf(pte_t pte)
{
	if (!(pte & FAKE_PTE_VALID) || (pte & FAKE_PTE_TABLE))
		fake_violation("access flag of 0x%lx, which is not a leaf", pte);
}

bool arch_mm_pte_young(pte_t pte)
{
	check_leaf(pte);
	return !(pte & FAKE_PTE_OLD);
}

pte_t arch_mm_pte_set_young(pte_t pte, bool young)
{
	check_leaf(pte);
	return young ? pte & ~FAKE_PTE_OLD : pte | FAKE_PTE_OLD;
}

bool arch_mm_pte_valid(pte_t pte)
{
	/* Anything else invalid was not written through the seam (zeroed memory, say). */
	if (!(pte & FAKE_PTE_VALID) && pte != FAKE_PTE_ABSENT && !(pte & FAKE_PTE_SOFT))
		fake_violation("invalid descriptor 0x%lx not made by arch_mm_pte_absent()", pte);
	return pte & FAKE_PTE_VALID;
}

bool arch_mm_pte_is_table(pte_t pte, unsigned level)
{
	if (!arch_mm_pte_valid(pte))
		return false;
	if (pte & FAKE_PTE_TABLE) {
		if (level >= MM_LEVELS - 1)
			fake_violation("table descriptor found at level %u", level);
		return true;
	}
	if (((pte >> FAKE_PTE_LEVEL_SHIFT) & 3) != level)
		fake_violation("level-%lu leaf read as level %u", (pte >> FAKE_PTE_LEVEL_SHIFT) & 3,
			       level);
	return false;
}

paddr_t arch_mm_pte_addr(pte_t pte)
{
	if (!arch_mm_pte_valid(pte))
		fake_violation("address of an invalid descriptor 0x%lx", pte);
	return pa_init(((pte >> FAKE_PTE_FRAME_SHIFT) & FAKE_PTE_FRAME_MASK) << PAGE_SHIFT);
}

mm_mode_t arch_mm_pte_mode(enum mm_stage stage, pte_t pte)
{
	if (!arch_mm_pte_valid(pte) || (pte & FAKE_PTE_TABLE))
		fake_violation("mode of 0x%lx, which is not a leaf", pte);
	else if (!!(pte & FAKE_PTE_STAGE2) != (stage == MM_STAGE2))
		fake_violation("leaf made for one stage read as the other");
	return (mm_mode_t)(~(pte >> FAKE_PTE_MODE_SHIFT) & FAKE_PTE_MODE_MASK);
}

static void log_event(struct fake_mm_event ev)
{
	fake_mm.log[fake_mm.nlog++ % FAKE_MM_LOG] = ev;
}

void arch_mm_pte_write(pte_t *slot, pte_t pte)
{
	pte_t old = *slot;
	bool was_valid = arch_mm_pte_valid(old), valid = arch_mm_pte_valid(pte);

	fake_mm.writes++;
	log_event((struct fake_mm_event){
		.kind = FAKE_EV_WRITE, .slot = slot, .old = old, .new = pte });
	/*
	 * The access flag is the one thing a valid leaf may change in place: made young (an old
	 * entry is never in a TLB) or made old (the caller invalidates the TLB afterwards).
	 */
	bool flag_only =
		was_valid && valid && !(pte & FAKE_PTE_TABLE) && (old ^ pte) == FAKE_PTE_OLD;
	if (was_valid && valid && old != pte && !flag_only)
		fake_violation("break-before-make: valid 0x%lx replaced by valid 0x%lx at %p", old,
			       pte, (void *)slot);
	if (!was_valid && valid && slot == fake_mm.pending_slot)
		fake_violation("break-before-make: %p made valid before its TLB invalidate",
			       (void *)slot);
	if (was_valid && !valid) {
		fake_mm.breaks++;
		fake_mm.pending_slot = slot;
		fake_mm.pending_table = old & FAKE_PTE_TABLE;
	}
	*slot = pte;
}

void arch_mm_tlb_invalidate(enum mm_stage stage, uint64_t input_addr, uint16_t vmid)
{
	fake_mm.tlbis++;
	fake_mm.last_tlbi_addr = input_addr;
	fake_mm.last_tlbi_stage = stage;
	fake_mm.last_tlbi_vmid = vmid;
	log_event((struct fake_mm_event){
		.kind = FAKE_EV_TLBI, .stage = stage, .addr = input_addr, .vmid = vmid });
	if (!IS_ALIGNED(input_addr, PAGE_SIZE))
		fake_violation("TLB invalidate of unaligned address 0x%lx", input_addr);
	if (fake_mm.pending_table)
		fake_violation("one-address TLB invalidate after breaking a table entry");
	fake_mm.pending_slot = NULL;
	fake_mm.pending_table = false;
}

void arch_mm_tlb_invalidate_all(enum mm_stage stage, uint16_t vmid)
{
	fake_mm.tlbi_alls++;
	fake_mm.last_tlbi_stage = stage;
	fake_mm.last_tlbi_vmid = vmid;
	log_event((struct fake_mm_event){ .kind = FAKE_EV_TLBI_ALL, .stage = stage, .vmid = vmid });
	fake_mm.pending_slot = NULL;
	fake_mm.pending_table = false;
}

void arch_mm_enable(paddr_t root)
{
	fake_mm.enables++;
	fake_mm.enabled_root = root;
}
