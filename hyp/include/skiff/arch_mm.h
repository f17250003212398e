/**
 * The page-table part of the arch seam. The portable walker (hyp/pgtable.c) owns the tree shape
 * (4 KiB granule, 512 entries a table, levels 0..3); the arch owns the descriptor encoding, so the
 * fake arch can encode entries differently and catch code that assumes the hardware layout.
 */
#ifndef SKIFF_ARCH_MM_H
#define SKIFF_ARCH_MM_H

#include <skiff/addr.h>
#include <skiff/types.h>

typedef uint64_t pte_t;

/** Access rights and memory type, arch-neutral. */
typedef uint32_t mm_mode_t;
#define MM_R (1U << 0)
#define MM_W (1U << 1)
#define MM_X (1U << 2)
#define MM_DEVICE (1U << 3) /* Device-nGnRE; otherwise Normal write-back cacheable */

/** Which translation regime a table serves. */
enum mm_stage { MM_STAGE_EL2, MM_STAGE2 };

#define MM_LEVELS 4
#define MM_ENTRIES 512

/** Input-address bits translated per stage (48-bit EL2 VA, 40-bit guest IPA). */
unsigned arch_mm_input_bits(enum mm_stage stage);
/** True if a block mapping is allowed at @level (levels 1 and 2 on arm64 with 4 KiB granule). */
bool arch_mm_block_ok(unsigned level);

/*
 * Descriptors, from the arch's <arch/mm_pte.h> (inline on arm64; out of line in the fake arch):
 *
 *   pte_t arch_mm_pte_absent(void);
 *   pte_t arch_mm_pte_table(paddr_t next);
 *   pte_t arch_mm_pte_leaf(enum mm_stage stage, unsigned level, paddr_t pa, mm_mode_t mode);
 *       a leaf: a block at level < 3, a page at level 3; made young (access flag set)
 *   bool arch_mm_pte_valid(pte_t pte);
 *   bool arch_mm_pte_is_table(pte_t pte, unsigned level);   points to a next-level table
 *   paddr_t arch_mm_pte_addr(pte_t pte);
 *   mm_mode_t arch_mm_pte_mode(enum mm_stage stage, pte_t pte);
 *
 * Software descriptors: an invalid entry whose other bits the hardware ignores (D8.3.1) carries a
 * value of up to MM_SOFT_BITS bits for the table's owner (hyp/vmem.c keeps a guest page's state
 * there: ballooned, swapped to slot N, ...). Value 0 is arch_mm_pte_absent().
 *
 *   pte_t arch_mm_pte_soft(uint64_t value);
 *   uint64_t arch_mm_pte_soft_value(pte_t pte);              @pte must not be valid
 *
 * The access flag of a valid leaf (D8.4.3): a leaf made "old" faults on its next access (an
 * access-flag fault, ESR DFSC 0b0010xx) and the fault handler makes it young again. Setting the
 * flag on an old leaf needs no break-before-make: an entry that faults is never held in a TLB;
 * clearing it needs a TLB invalidate afterwards to take effect.
 *
 *   bool arch_mm_pte_young(pte_t pte);
 *   pte_t arch_mm_pte_set_young(pte_t pte, bool young);
 *
 *   void arch_mm_pte_write(pte_t *slot, pte_t pte);
 *       stores one descriptor so the table walker sees it (a store plus a barrier on arm64)
 */
#define MM_SOFT_BITS 48

/** Invalidates TLB entries for one input address (break-before-make step 2). */
void arch_mm_tlb_invalidate(enum mm_stage stage, uint64_t input_addr, uint16_t vmid);
/** Invalidates every TLB entry of a translation regime (EL2, or one VMID for stage 2). */
void arch_mm_tlb_invalidate_all(enum mm_stage stage, uint16_t vmid);

/** Installs @root as the EL2 stage-1 table and turns on the MMU and caches (boot CPU, once). */
void arch_mm_enable(paddr_t root);

#include <arch/mm_pte.h>

#endif
