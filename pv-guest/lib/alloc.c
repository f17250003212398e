/**
 * The allocator (pv/alloc.h). Every block starts with a 16-byte header: its payload size and,
 * while free, the next free block; while allocated, `next` holds ALLOCATED so pv_free() can tell
 * a block it handed out from a stray pointer or a double free. Page runs (pv_alloc_pages) have no
 * header, so a page stays whole for sharing; a freed run keeps its list node in its first page.
 */
#include <pv/alloc.h>
#include <pv/spinlock.h>
#include <pv/string.h>
#include <pv/vm.h>
#include <stdbool.h>
#include <stdint.h>

#define ALIGN 16UL
#define ALLOCATED ((struct block *)0xa110cbadUL)
#define MIN_SPLIT (4 * ALIGN) /* split a free block only if this much would be left over */
#define PAGE 4096UL           /* the granule guests share memory in (SKIFF_RING_PAGE) */

struct block {
	unsigned long size; /* payload bytes, a multiple of ALIGN */
	struct block *next;
};

/* A freed run of pages, kept in its own first page. */
struct run {
	unsigned long npages;
	struct run *next;
};

static struct pv_spinlock heap_lock; /* the vCPUs share the heap */
static uintptr_t bump, limit;
static struct block *free_list;
static struct run *free_runs;

void pv_heap_init(void *start, void *end)
{
	bump = ((uintptr_t)start + ALIGN - 1) & ~(ALIGN - 1);
	limit = (uintptr_t)end & ~(ALIGN - 1);
	if (limit < bump)
		limit = bump;
	free_list = 0;
	free_runs = 0;
}

/* Cuts the tail of a free block that is much larger than `size` into a new free block. */
static void split(struct block *b, unsigned long size)
{
	struct block *rest;

	if (b->size < size + sizeof(struct block) + MIN_SPLIT)
		return;
	rest = (struct block *)((uintptr_t)(b + 1) + size);
	rest->size = b->size - size - sizeof(struct block);
	rest->next = free_list;
	free_list = rest;
	b->size = size;
}

static struct block *take_free(unsigned long size)
{
	for (struct block **p = &free_list; *p; p = &(*p)->next) {
		struct block *b = *p;

		if (b->size >= size) {
			*p = b->next;
			split(b, size);
			return b;
		}
	}
	return 0;
}

static struct block *take_bump(unsigned long size)
{
	struct block *b;

	if (limit - bump < sizeof(struct block) || limit - bump - sizeof(struct block) < size)
		return 0;
	b = (struct block *)bump;
	b->size = size;
	bump += sizeof(struct block) + size;
	return b;
}

void *pv_malloc(unsigned long size)
{
	unsigned long flags;
	struct block *b;

	if (size > (~0UL >> 1))
		return 0;
	size = size ? (size + ALIGN - 1) & ~(ALIGN - 1) : ALIGN;
	flags = pv_spin_lock_irqsave(&heap_lock);
	b = take_free(size);
	if (!b)
		b = take_bump(size);
	if (b)
		b->next = ALLOCATED;
	pv_spin_unlock_irqrestore(&heap_lock, flags);
	return b ? b + 1 : 0;
}

void *pv_calloc(unsigned long n, unsigned long size)
{
	void *p;

	if (size && n > ~0UL / size)
		return 0;
	p = pv_malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void pv_free(void *p)
{
	struct block *b;
	unsigned long flags;

	if (!p)
		return;
	b = (struct block *)p - 1;
	if (((uintptr_t)p & (ALIGN - 1)) || b->next != ALLOCATED)
		pv_panic("pv_free(%p): not an allocated block", p);
	flags = pv_spin_lock_irqsave(&heap_lock);
	b->next = free_list;
	free_list = b;
	pv_spin_unlock_irqrestore(&heap_lock, flags);
}

/* First fit over freed runs; a larger run gives its first pages and keeps the rest. */
static void *take_run(unsigned long npages)
{
	for (struct run **p = &free_runs; *p; p = &(*p)->next) {
		struct run *r = *p;

		if (r->npages < npages)
			continue;
		if (r->npages == npages) {
			*p = r->next;
		} else {
			struct run *rest = (struct run *)((uintptr_t)r + npages * PAGE);

			rest->npages = r->npages - npages;
			rest->next = r->next;
			*p = rest;
		}
		return r;
	}
	return 0;
}

/* Moves the bump pointer to a page boundary, handing the gap to pv_malloc's free list. */
static void *take_bump_pages(unsigned long npages)
{
	uintptr_t start = (bump + PAGE - 1) & ~(PAGE - 1);
	struct block *gap = (struct block *)bump;

	if (start < bump || start > limit || (limit - start) / PAGE < npages)
		return 0;
	if (start - bump >= sizeof(struct block) + MIN_SPLIT) {
		gap->size = start - bump - sizeof(struct block);
		gap->next = free_list;
		free_list = gap;
	}
	bump = start + npages * PAGE;
	return (void *)start;
}

/* A run of pages; *reused: it was handed out before (else fresh from the bump region). */
static void *alloc_pages(unsigned long npages, bool *reused)
{
	unsigned long flags;
	void *p;

	if (npages == 0 || npages > (~0UL >> 1) / PAGE)
		return 0;
	flags = pv_spin_lock_irqsave(&heap_lock);
	p = take_run(npages);
	*reused = p != 0;
	if (!p)
		p = take_bump_pages(npages);
	pv_spin_unlock_irqrestore(&heap_lock, flags);
	return p;
}

/*
 * Pages past the bump pointer were never written: Skiff hands a VM its RAM zeroed, and untouched
 * pages have no frame yet (docs/memory.md). Zeroing them would only make them resident.
 */
void *pv_alloc_pages(unsigned long npages)
{
	bool reused;
	void *p = alloc_pages(npages, &reused);

	if (p && reused)
		memset(p, 0, npages * PAGE);
	return p;
}

void *pv_alloc_pages_uninit(unsigned long npages)
{
	bool reused;

	return alloc_pages(npages, &reused);
}

void pv_free_pages(void *p, unsigned long npages)
{
	struct run *r = p;
	unsigned long flags;

	if (!p)
		return;
	if (((uintptr_t)p & (PAGE - 1)) || npages == 0)
		pv_panic("pv_free_pages(%p, %lu): not a page run", p, npages);
	flags = pv_spin_lock_irqsave(&heap_lock);
	r->npages = npages;
	r->next = free_runs;
	free_runs = r;
	pv_spin_unlock_irqrestore(&heap_lock, flags);
}

unsigned long pv_heap_untouched(void)
{
	return limit - bump;
}

unsigned long pv_heap_free_bytes(void)
{
	unsigned long flags = pv_spin_lock_irqsave(&heap_lock), bytes = limit - bump;

	for (struct block *b = free_list; b; b = b->next)
		bytes += b->size;
	for (struct run *r = free_runs; r; r = r->next)
		bytes += r->npages * PAGE;
	pv_spin_unlock_irqrestore(&heap_lock, flags);
	return bytes;
}
