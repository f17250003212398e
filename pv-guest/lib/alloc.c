/**
 * The allocator (pv/alloc.h). Every block starts with a 16-byte header: its payload size and,
 * while free, the next free block; while allocated, `next` holds ALLOCATED so pv_free() can tell
 * a block it handed out from a stray pointer or a double free.
 */
#include <pv/alloc.h>
#include <pv/irq.h>
#include <pv/string.h>
#include <pv/vm.h>
#include <stdint.h>

#define ALIGN 16UL
#define ALLOCATED ((struct block *)0xa110cbadUL)
#define MIN_SPLIT (4 * ALIGN) /* split a free block only if this much would be left over */

struct block {
	unsigned long size; /* payload bytes, a multiple of ALIGN */
	struct block *next;
};

static uintptr_t bump, limit;
static struct block *free_list;

void pv_heap_init(void *start, void *end)
{
	bump = ((uintptr_t)start + ALIGN - 1) & ~(ALIGN - 1);
	limit = (uintptr_t)end & ~(ALIGN - 1);
	if (limit < bump)
		limit = bump;
	free_list = 0;
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
	flags = pv_irq_save();
	b = take_free(size);
	if (!b)
		b = take_bump(size);
	if (b)
		b->next = ALLOCATED;
	pv_irq_restore(flags);
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
	flags = pv_irq_save();
	b->next = free_list;
	free_list = b;
	pv_irq_restore(flags);
}

unsigned long pv_heap_untouched(void)
{
	return limit - bump;
}
