/**
 * Inside guest memory (hyp/vmem.c, hyp/vmem_scan.c only): the per-frame records and the table of
 * shared frames, chained by content hash. Locking as in vmem.h: vmem.lock guards refs, hash,
 * next and the buckets; a frame's pins change under the lock of the VM whose page it is.
 */
#ifndef SKIFF_VMEM_TABLE_H
#define SKIFF_VMEM_TABLE_H

#include <skiff/arch.h>
#include <skiff/arch_mm.h>
#include <skiff/frame.h>
#include <skiff/vmem.h>

struct vm;

struct frame_meta {
	uint32_t refs; /* shared frame: guest pages mapped to it; 0 for any other frame */
	uint32_t pins; /* granted to another VM: never shared or reclaimed while > 0 */
	uint32_t hash; /* content hash while shared */
	uint32_t next; /* next shared frame in the same bucket, as frame index + 1; 0 ends */
};

struct vmem_global {
	struct spinlock lock;
	struct frame_pool *fp;
	paddr_t zero;            /* the zero frame, mapped read-only wherever a page reads zeros */
	struct frame_meta *meta; /* one per frame of fp, by frame_index() */
	uint32_t *bucket;        /* nbuckets heads, frame index + 1 (0: empty) */
	uint32_t nbuckets;       /* a power of two */
	struct vmem_host st;     /* counters (frames_* filled in by vmem_host_stats) */
	uint64_t private_gen;    /* private frames handed out since boot (the scanner rests
				    while it stands still) */
};

extern struct vmem_global vmem;

struct frame_meta *vmem_meta(paddr_t pa);
/** Under vmem.lock: @pa becomes a shared frame with content hash @hash (refs set by caller). */
void vmem_table_insert(paddr_t pa, uint32_t hash);
/** Under vmem.lock: the shared frames whose hash falls in @hash's bucket. */
struct frame_meta *vmem_table_first(uint32_t hash);
struct frame_meta *vmem_table_next(const struct frame_meta *m);
/** The frame a record describes. */
paddr_t vmem_table_frame(const struct frame_meta *m);

/* Software descriptors of invalid RAM entries: a type in bits [2:0] (0: untouched), a payload
 * above it. */
#define VMEM_SOFT_BALLOONED 1UL
#define VMEM_SOFT_SWAPPED 2UL /* payload: swap slot */
#define VMEM_SOFT_PAGING 3UL  /* payload: index of the swap transfer in flight */
#define VMEM_SOFT_SHIFT 3

static inline pte_t vmem_soft(uint64_t type, uint64_t payload)
{
	return arch_mm_pte_soft(type | payload << VMEM_SOFT_SHIFT);
}

/** Forget everything (vmem_init: boot, and each unit test's fresh machine). */
void vmem_scan_init(void);
void vmem_swap_init(void);

/** The leaf mapping @pa at level 3 of stage 2, writable or read-only. */
pte_t vmem_leaf(paddr_t pa, bool writable);

/* The swap side of page states (vmem_swap.c), called under the VM's lock. */
/** A touch of a swapped page: starts reading it back. VMEM_WAIT, or VMEM_NO_MEMORY. */
enum vmem_result vmem_swap_in(struct vm *vm, pte_t *slot, uint64_t ipa, uint64_t swap_slot);
/** A touch of a page in flight: a write-out is cancelled (VMEM_OK), a read waits. */
enum vmem_result vmem_swap_touch(struct vm *vm, pte_t *slot, uint64_t ipa, uint64_t io);
/** The page leaves the VM (balloon, reset): its slot or its transfer is let go. */
void vmem_swap_drop(struct vm *vm, uint64_t type, uint64_t payload);

#endif
