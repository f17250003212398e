/**
 * Page-table walker (see pgtable.h). Level L of the 4-level 4 KiB-granule tree translates input
 * bits [shift(L)+8 : shift(L)], shift(L) = 12 + 9 * (3 - L) (ARM ARM D8.2).
 */
#include <skiff/mm.h>
#include <skiff/panic.h>
#include <skiff/pgtable.h>

static unsigned level_shift(unsigned level)
{
	return PAGE_SHIFT + 9 * (MM_LEVELS - 1 - level);
}

static uint64_t level_size(unsigned level)
{
	return 1ULL << level_shift(level);
}

static pte_t *table_of(paddr_t pa)
{
	return pa_to_ptr(pa);
}

static unsigned index_at(uint64_t in, unsigned level)
{
	return (unsigned)((in >> level_shift(level)) & (MM_ENTRIES - 1));
}

/* A new table, every entry absent. Filled through the seam: an absent entry need not be zero. */
static bool table_alloc(struct pgtable *pt, paddr_t *out)
{
	pte_t absent = arch_mm_pte_absent(), *t;

	if (!frame_alloc(pt->fp, 1, 1, out))
		return false;
	t = table_of(*out);
	for (unsigned i = 0; i < MM_ENTRIES; i++)
		t[i] = absent;
	pt->tables++;
	return true;
}

/* Empty: nothing mapped and no software descriptor (a swapped page's slot, say) either. */
static bool table_empty(paddr_t table)
{
	const pte_t *t = table_of(table);
	pte_t absent = arch_mm_pte_absent();

	for (unsigned i = 0; i < MM_ENTRIES; i++)
		if (t[i] != absent)
			return false;
	return true;
}

bool pgtable_init(struct pgtable *pt, enum mm_stage stage, uint16_t vmid, struct frame_pool *fp)
{
	unsigned bits = arch_mm_input_bits(stage);

	pt->stage = stage;
	pt->vmid = vmid;
	pt->fp = fp;
	pt->root_level = MM_LEVELS - (bits - PAGE_SHIFT + 8) / 9;
	pt->tables = 0;
	return table_alloc(pt, &pt->root);
}

static void free_tree(struct pgtable *pt, paddr_t table, unsigned level)
{
	pte_t *t = table_of(table);

	for (unsigned i = 0; level < MM_LEVELS - 1 && i < MM_ENTRIES; i++)
		if (arch_mm_pte_is_table(t[i], level))
			free_tree(pt, arch_mm_pte_addr(t[i]), level + 1);
	frame_free(pt->fp, table, 1);
	pt->tables--;
}

void pgtable_destroy(struct pgtable *pt)
{
	free_tree(pt, pt->root, pt->root_level);
}

/*
 * Break-before-make (ARM ARM D8.14.1): a valid entry is made invalid and its TLB entries dropped
 * before the new one is written.
 */
static void replace(struct pgtable *pt, pte_t *slot, pte_t pte, uint64_t in, unsigned level)
{
	pte_t old = *slot;

	if (arch_mm_pte_valid(old)) {
		arch_mm_pte_write(slot, arch_mm_pte_absent());
		if (arch_mm_pte_is_table(old, level))
			arch_mm_tlb_invalidate_all(pt->stage, pt->vmid);
		else
			arch_mm_tlb_invalidate(pt->stage, in, pt->vmid);
	}
	arch_mm_pte_write(slot, pte);
}

/* Replaces *slot and, once the walker can no longer reach it, frees the subtree it pointed to. */
static void replace_and_free(struct pgtable *pt, pte_t *slot, pte_t pte, uint64_t in,
			     unsigned level)
{
	pte_t old = *slot;

	replace(pt, slot, pte, in, level);
	if (arch_mm_pte_is_table(old, level))
		free_tree(pt, arch_mm_pte_addr(old), level + 1);
}

/* A table one level down that maps exactly what the leaf @old at @level mapped. */
static bool split_leaf(struct pgtable *pt, pte_t old, unsigned level, paddr_t *out)
{
	mm_mode_t mode = arch_mm_pte_mode(pt->stage, old);
	paddr_t base = arch_mm_pte_addr(old);
	pte_t *t;

	if (!frame_alloc(pt->fp, 1, 1, out))
		return false;
	pt->tables++;
	t = table_of(*out); /* every entry is written below */
	for (unsigned i = 0; i < MM_ENTRIES; i++)
		t[i] = arch_mm_pte_leaf(pt->stage, level + 1,
					pa_add(base, (uint64_t)i * level_size(level + 1)), mode);
	return true;
}

/* Makes *slot (at @level, covering @in) a table, allocating or splitting as needed. */
static bool ensure_table(struct pgtable *pt, pte_t *slot, unsigned level, uint64_t in)
{
	pte_t old = *slot;
	paddr_t next;

	if (arch_mm_pte_is_table(old, level))
		return true;
	if (arch_mm_pte_valid(old)) {
		if (!split_leaf(pt, old, level, &next))
			return false;
	} else if (!table_alloc(pt, &next)) {
		return false;
	}
	replace(pt, slot, arch_mm_pte_table(next), ALIGN_DOWN(in, level_size(level)), level);
	return true;
}

static bool leaf_fits(unsigned level, uint64_t in, uint64_t pa, uint64_t size)
{
	uint64_t sz = level_size(level);

	if (level < MM_LEVELS - 1 && !arch_mm_block_ok(level))
		return false;
	return IS_ALIGNED(in, sz) && IS_ALIGNED(pa, sz) && size >= sz;
}

static bool map_level(struct pgtable *pt, paddr_t table, unsigned level, uint64_t in, paddr_t pa,
		      uint64_t size, mm_mode_t mode)
{
	while (size) {
		pte_t *slot = &table_of(table)[index_at(in, level)];
		uint64_t chunk = MIN(size, level_size(level) - (in & (level_size(level) - 1)));

		if (leaf_fits(level, in, pa_addr(pa), chunk)) {
			replace_and_free(pt, slot, arch_mm_pte_leaf(pt->stage, level, pa, mode), in,
					 level);
		} else {
			if (!ensure_table(pt, slot, level, in))
				return false;
			if (!map_level(pt, arch_mm_pte_addr(*slot), level + 1, in, pa, chunk, mode))
				return false;
		}
		in += chunk;
		pa = pa_add(pa, chunk);
		size -= chunk;
	}
	return true;
}

static void check_range(const struct pgtable *pt, uint64_t in, uint64_t size)
{
	uint64_t limit = 1ULL << arch_mm_input_bits(pt->stage);

	CHECK(IS_ALIGNED(in, PAGE_SIZE) && IS_ALIGNED(size, PAGE_SIZE));
	CHECK(in < limit && size <= limit - in);
}

bool pgtable_map(struct pgtable *pt, uint64_t in, paddr_t pa, uint64_t size, mm_mode_t mode)
{
	check_range(pt, in, size);
	CHECK(IS_ALIGNED(pa_addr(pa), PAGE_SIZE));
	return map_level(pt, pt->root, pt->root_level, in, pa, size, mode);
}

static bool unmap_level(struct pgtable *pt, paddr_t table, unsigned level, uint64_t in,
			uint64_t size)
{
	while (size) {
		pte_t *slot = &table_of(table)[index_at(in, level)];
		uint64_t sz = level_size(level);
		uint64_t chunk = MIN(size, sz - (in & (sz - 1)));

		if (!arch_mm_pte_valid(*slot) && (level < MM_LEVELS - 1 || chunk == sz)) {
			if (*slot != arch_mm_pte_absent()) /* a software descriptor goes too */
				arch_mm_pte_write(slot, arch_mm_pte_absent());
		} else if (chunk == sz) {
			replace_and_free(pt, slot, arch_mm_pte_absent(), in, level);
		} else {
			if (!ensure_table(pt, slot, level, in))
				return false;
			if (!unmap_level(pt, arch_mm_pte_addr(*slot), level + 1, in, chunk))
				return false;
			/* A table left with nothing mapped goes, so unmapping returns its frames.
			 */
			if (table_empty(arch_mm_pte_addr(*slot)))
				replace_and_free(pt, slot, arch_mm_pte_absent(), ALIGN_DOWN(in, sz),
						 level);
		}
		in += chunk;
		size -= chunk;
	}
	return true;
}

bool pgtable_unmap(struct pgtable *pt, uint64_t in, uint64_t size)
{
	check_range(pt, in, size);
	return unmap_level(pt, pt->root, pt->root_level, in, size);
}

bool pgtable_lookup(const struct pgtable *pt, uint64_t in, paddr_t *pa, mm_mode_t *mode)
{
	paddr_t table = pt->root;

	if (in >> arch_mm_input_bits(pt->stage))
		return false;
	for (unsigned level = pt->root_level; level < MM_LEVELS; level++) {
		pte_t pte = table_of(table)[index_at(in, level)];
		if (!arch_mm_pte_valid(pte))
			return false;
		if (arch_mm_pte_is_table(pte, level)) {
			table = arch_mm_pte_addr(pte);
			continue;
		}
		*pa = pa_add(arch_mm_pte_addr(pte), in & (level_size(level) - 1));
		if (mode)
			*mode = arch_mm_pte_mode(pt->stage, pte);
		return true;
	}
	return false;
}

static void walk_tables(paddr_t table, unsigned level, void (*fn)(paddr_t, void *), void *ctx)
{
	const pte_t *t = table_of(table);

	fn(table, ctx);
	for (unsigned i = 0; level < MM_LEVELS - 1 && i < MM_ENTRIES; i++)
		if (arch_mm_pte_is_table(t[i], level))
			walk_tables(arch_mm_pte_addr(t[i]), level + 1, fn, ctx);
}

void pgtable_for_each_table(const struct pgtable *pt, void (*fn)(paddr_t table, void *ctx),
			    void *ctx)
{
	walk_tables(pt->root, pt->root_level, fn, ctx);
}

pte_t *pgtable_leaf_slot(struct pgtable *pt, uint64_t in, bool alloc)
{
	paddr_t table = pt->root;

	check_range(pt, ALIGN_DOWN(in, PAGE_SIZE), PAGE_SIZE);
	for (unsigned level = pt->root_level; level < MM_LEVELS - 1; level++) {
		pte_t *slot = &table_of(table)[index_at(in, level)];
		if (!arch_mm_pte_is_table(*slot, level) &&
		    (!alloc || !ensure_table(pt, slot, level, in)))
			return NULL;
		table = arch_mm_pte_addr(*slot);
	}
	return &table_of(table)[index_at(in, MM_LEVELS - 1)];
}

void pgtable_set_leaf(struct pgtable *pt, pte_t *slot, uint64_t in, pte_t pte)
{
	replace(pt, slot, pte, ALIGN_DOWN(in, PAGE_SIZE), MM_LEVELS - 1);
}

static void leaves_level(struct pgtable *pt, paddr_t table, unsigned level, uint64_t in,
			 uint64_t size, pgtable_leaf_fn fn, void *ctx)
{
	while (size) {
		pte_t *slot = &table_of(table)[index_at(in, level)];
		uint64_t sz = level_size(level);
		uint64_t chunk = MIN(size, sz - (in & (sz - 1)));

		if (level == MM_LEVELS - 1)
			fn(slot, in, ctx);
		else if (arch_mm_pte_is_table(*slot, level))
			leaves_level(pt, arch_mm_pte_addr(*slot), level + 1, in, chunk, fn, ctx);
		in += chunk;
		size -= chunk;
	}
}

void pgtable_for_each_leaf(struct pgtable *pt, uint64_t in, uint64_t size, pgtable_leaf_fn fn,
			   void *ctx)
{
	check_range(pt, in, size);
	leaves_level(pt, pt->root, pt->root_level, in, size, fn, ctx);
}
