/**
 * A simple allocator: first fit over a list of freed blocks, else bump allocation. Blocks are
 * 16-byte aligned; freed blocks are reused (split when much larger) but never merged. The heap is
 * the RAM between the end of the image and the stack. Safe to call from event handlers.
 */
#ifndef PV_ALLOC_H
#define PV_ALLOC_H

/** Hands [start, end) to the allocator (start-up does this). */
void pv_heap_init(void *start, void *end);

/** `size` bytes, or NULL when the heap is exhausted. */
void *pv_malloc(unsigned long size);

/** `n * size` zeroed bytes, or NULL (also on overflow). */
void *pv_calloc(unsigned long n, unsigned long size);

/** Returns a block from pv_malloc/pv_calloc; NULL is ignored; a bad pointer panics. */
void pv_free(void *p);

/**
 * `npages` zeroed 4 KiB pages starting on a page boundary (memory to share, such as channel
 * rings), or NULL. Freed runs are reused first fit; otherwise the bump pointer moves to a page
 * boundary and the gap becomes a pv_malloc block.
 */
void *pv_alloc_pages(unsigned long npages);

/**
 * Like pv_alloc_pages but the contents are whatever they are: for pages about to be given back
 * to the hypervisor (the balloon) or overwritten at once. Pages never used before are untouched
 * (no frame behind them) until written.
 */
void *pv_alloc_pages_uninit(unsigned long npages);

/** Returns pages from pv_alloc_pages with the same count; a misaligned pointer panics. */
void pv_free_pages(void *p, unsigned long npages);

/** Bytes never yet handed out (not counting freed blocks). */
unsigned long pv_heap_untouched(void);

/** Bytes free: never handed out, plus freed blocks and page runs. */
unsigned long pv_heap_free_bytes(void);

#endif
