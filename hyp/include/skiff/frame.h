/**
 * The physical frame allocator: one bitmap per RAM range (bit set = frame in use), built over the
 * DTB's RAM minus everything reserved (the hypervisor image, the DTB, /memreserve/,
 * /reserved-memory, boot modules). The bitmaps live in the first RAM that fits them.
 * Lock order: frame_pool.lock is a leaf; nothing is taken while holding it.
 */
#ifndef SKIFF_FRAME_H
#define SKIFF_FRAME_H

#include <skiff/addr.h>
#include <skiff/arch.h>
#include <skiff/types.h>

#define FRAME_MAX_REGIONS 8

struct frame_region {
	paddr_t base;
	uint64_t nframes;
	uint64_t *bitmap;
	uint64_t hint; /* next frame index to try: keeps allocation O(1) amortised when not full */
};

struct frame_pool {
	struct spinlock lock;
	struct frame_region regions[FRAME_MAX_REGIONS];
	unsigned nregions;
	uint64_t total;       /* frames managed */
	uint64_t free;        /* frames free now */
	struct pa_range meta; /* where the bitmaps were placed */
};

/**
 * Builds @fp over @ram minus @reserved. Returns NULL or a sentence saying why it could not
 * (no RAM left, too many ranges).
 */
const char *frame_pool_init(struct frame_pool *fp, const struct pa_range *ram, unsigned nram,
			    const struct pa_range *reserved, unsigned nreserved);

/** Allocates @count contiguous frames aligned to @align_frames (a power of two). */
bool frame_alloc(struct frame_pool *fp, uint64_t count, uint64_t align_frames, paddr_t *out);

/** Allocates one frame and fills it with zeros. */
bool frame_alloc_zeroed(struct frame_pool *fp, paddr_t *out);

/** Returns @count frames at @pa. Freeing a frame that is not allocated is a hypervisor bug. */
void frame_free(struct frame_pool *fp, paddr_t pa, uint64_t count);

/** Returns the @n single frames at @pas[0..n) under one lock (a batch of guest pages). */
void frame_free_many(struct frame_pool *fp, const paddr_t *pas, size_t n);

uint64_t frame_index_slow(const struct frame_pool *fp, paddr_t pa);

/**
 * The index of the frame at @pa among all of @fp's frames, 0 .. fp->total-1, for per-frame
 * side tables (hyp/vmem.c). @pa must lie in one of @fp's regions. Inline for the first region
 * (usually the only one): guest page faults and the balloon look records up per page.
 */
static inline uint64_t frame_index(const struct frame_pool *fp, paddr_t pa)
{
	uint64_t idx =
		(pa_addr(pa) - pa_addr(fp->regions[0].base)) / PAGE_SIZE; /* wraps if below */

	return idx < fp->regions[0].nframes ? idx : frame_index_slow(fp, pa);
}

/** True if the frame at @pa is managed by @fp and allocated. */
bool frame_is_allocated(struct frame_pool *fp, paddr_t pa);

#endif
