/**
 * Portable page-table walker for the EL2 stage-1 tables and the per-VM stage-2 tables: 4 KiB
 * granule, blocks where size and alignment allow, break-before-make on every change of a valid
 * entry (ARM ARM D8.14). Tables come from the frame pool; the encoding comes from arch_mm.h.
 * Locking: the caller owns the table (the VM lock for stage 2, boot for EL2).
 */
#ifndef SKIFF_PGTABLE_H
#define SKIFF_PGTABLE_H

#include <skiff/arch_mm.h>
#include <skiff/frame.h>

struct pgtable {
	enum mm_stage stage;
	unsigned root_level;
	uint16_t vmid;
	paddr_t root;
	struct frame_pool *fp;
	uint64_t tables; /* table frames in use, root included */
};

/** Creates an empty table; false if no frame is free. */
bool pgtable_init(struct pgtable *pt, enum mm_stage stage, uint16_t vmid, struct frame_pool *fp);
/** Frees every table frame (not the mapped memory). */
void pgtable_destroy(struct pgtable *pt);

/**
 * Maps [in, in+size) to [pa, pa+size) with @mode, replacing what was there. All three must be
 * page aligned and in range (a hypervisor invariant). Returns false if a table frame could not be
 * allocated; the range is then partly mapped and the caller unmaps it.
 */
bool pgtable_map(struct pgtable *pt, uint64_t in, paddr_t pa, uint64_t size, mm_mode_t mode);
/**
 * Removes any mapping of [in, in+size) and frees the tables left empty; false only if splitting a
 * block ran out of frames.
 */
bool pgtable_unmap(struct pgtable *pt, uint64_t in, uint64_t size);
/** Calls @fn for every table frame of @pt, root included. */
void pgtable_for_each_table(const struct pgtable *pt, void (*fn)(paddr_t table, void *ctx),
			    void *ctx);
/** Translates @in; false if unmapped. */
bool pgtable_lookup(const struct pgtable *pt, uint64_t in, paddr_t *pa, mm_mode_t *mode);

/*
 * Page-level access for tables whose owner keeps per-page state in level-3 entries (guest RAM in
 * stage 2, hyp/vmem.c). That memory is mapped page by page, never by blocks.
 */

/**
 * The level-3 entry for @in. Missing tables are allocated when @alloc (a block in the way is
 * split); NULL if a table is missing and !@alloc, or no frame was free.
 */
pte_t *pgtable_leaf_slot(struct pgtable *pt, uint64_t in, bool alloc);
/** Stores @pte in the level-3 @slot for @in, breaking a valid entry first (D8.14.1). */
void pgtable_set_leaf(struct pgtable *pt, pte_t *slot, uint64_t in, pte_t pte);

typedef void (*pgtable_leaf_fn)(pte_t *slot, uint64_t in, void *ctx);
/** Calls @fn for every level-3 entry of [in, in+size) whose table exists, in address order. */
void pgtable_for_each_leaf(struct pgtable *pt, uint64_t in, uint64_t size, pgtable_leaf_fn fn,
			   void *ctx);

#endif
