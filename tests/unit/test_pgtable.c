/**
 * hyp/pgtable.c against the fake descriptor encoding: block sizes, lookups, splitting, remapping
 * with break-before-make, freeing tables, running out of frames, both translation stages.
 * Mapped "physical" addresses are just numbers here; only the tables live in host memory.
 */
#include "support.h"

#include <skiff/mm.h>
#include <skiff/pgtable.h>

#define RW (MM_R | MM_W)
#define RX (MM_R | MM_X)

static struct frame_pool fp;
static struct pgtable pt;

/* A frame pool of @nframes host frames (one of them holds the bitmap). */
static void pool(uint64_t nframes)
{
	paddr_t b = test_pa(test_ram(nframes * PAGE_SIZE, PAGE_SIZE));
	struct pa_range ram = { b, pa_add(b, nframes * PAGE_SIZE) };

	assert_null(frame_pool_init(&fp, &ram, 1, NULL, 0));
}

static void new_table(enum mm_stage stage, uint16_t vmid)
{
	pool(64);
	assert_true(pgtable_init(&pt, stage, vmid, &fp));
}

static int leaf_level(uint64_t in)
{
	return test_leaf_level(&pt, in);
}

static void assert_maps(uint64_t in, uint64_t pa, mm_mode_t mode)
{
	paddr_t got;
	mm_mode_t got_mode;

	if (!pgtable_lookup(&pt, in, &got, &got_mode))
		fail_msg("0x%lx is not mapped", in);
	if (pa_addr(got) != pa || got_mode != mode)
		fail_msg("0x%lx maps to 0x%lx mode %x, not 0x%lx mode %x", in, pa_addr(got),
			 got_mode, pa, mode);
}

static void assert_unmapped(uint64_t in)
{
	paddr_t got;

	if (pgtable_lookup(&pt, in, &got, NULL))
		fail_msg("0x%lx maps to 0x%lx, expected nothing", in, pa_addr(got));
}

static void count_table(paddr_t table, void *ctx)
{
	(void)table;
	++*(uint64_t *)ctx;
}

static uint64_t tables_walked(void)
{
	uint64_t n = 0;

	pgtable_for_each_table(&pt, count_table, &n);
	return n;
}

static void test_root_level_follows_input_bits(void **state)
{
	(void)state;
	pool(16);
	assert_true(pgtable_init(&pt, MM_STAGE_EL2, 0, &fp)); /* 48 bits: 4 levels */
	assert_int_equal(pt.root_level, 0);
	assert_int_equal(pt.tables, 1);
	assert_true(frame_is_allocated(&fp, pt.root));
	assert_true(pgtable_init(&pt, MM_STAGE2, 1, &fp)); /* the fake's 36 bits: 3 levels */
	assert_int_equal(pt.root_level, 1);
	fake_mm.input_bits[MM_STAGE2] = 39;
	assert_true(pgtable_init(&pt, MM_STAGE2, 1, &fp));
	assert_int_equal(pt.root_level, 1);
	fake_mm.input_bits[MM_STAGE2] = 30;
	assert_true(pgtable_init(&pt, MM_STAGE2, 1, &fp));
	assert_int_equal(pt.root_level, 2);
	for (uint64_t in = 0; in < GiB(1); in += MiB(64))
		assert_unmapped(in);
}

static void test_fresh_table_is_empty(void **state)
{
	(void)state;
	new_table(MM_STAGE_EL2, 0);
	/* The root came from memory full of 0xa5 bytes: every entry must read as absent. */
	for (uint64_t in = 0; in < (1ULL << 48); in += GiB(512))
		assert_unmapped(in);
	assert_int_equal(tables_walked(), 1);
}

static void test_blocks_when_aligned(void **state)
{
	(void)state;
	new_table(MM_STAGE_EL2, 0);
	assert_true(pgtable_map(&pt, GiB(1), pa_init(GiB(3)), GiB(1), RW));
	assert_int_equal(leaf_level(GiB(1)), 1);
	assert_int_equal(pt.tables, 2); /* root and one level-1 table */
	assert_maps(GiB(1) + 0x123000, GiB(3) + 0x123000, RW);
	assert_maps(GiB(2) - PAGE_SIZE, GiB(4) - PAGE_SIZE, RW);
	assert_unmapped(GiB(2));
	assert_unmapped(GiB(1) - PAGE_SIZE);

	/* 2 MiB + 8 KiB at a 2 MiB boundary: one block, two pages. */
	assert_true(pgtable_map(&pt, MiB(2), pa_init(GiB(5) + MiB(2)), MiB(2) + 2 * PAGE_SIZE, RW));
	assert_int_equal(leaf_level(MiB(2)), 2);
	assert_int_equal(leaf_level(MiB(4)), 3);
	assert_int_equal(leaf_level(MiB(4) + PAGE_SIZE), 3);
	assert_maps(MiB(4) + PAGE_SIZE, GiB(5) + MiB(4) + PAGE_SIZE, RW);
	assert_unmapped(MiB(4) + 2 * PAGE_SIZE);
	assert_int_equal(pt.tables, 4); /* plus a level-2 and a level-3 table */
	assert_int_equal(tables_walked(), pt.tables);
}

static void test_pages_when_misaligned(void **state)
{
	(void)state;
	new_table(MM_STAGE_EL2, 0);
	/* The input is 2 MiB aligned but the output only 4 KiB: no block can be used. */
	assert_true(pgtable_map(&pt, MiB(8), pa_init(GiB(1) + PAGE_SIZE), MiB(2), RW));
	for (uint64_t off = 0; off < MiB(2); off += PAGE_SIZE) {
		assert_int_equal(leaf_level(MiB(8) + off), 3);
		assert_maps(MiB(8) + off, GiB(1) + PAGE_SIZE + off, RW);
	}
	/* A 1 GiB-aligned gigabyte whose output is 2 MiB aligned: 512 level-2 blocks. */
	assert_true(pgtable_map(&pt, GiB(4), pa_init(GiB(8) + MiB(2)), GiB(1), RW));
	assert_int_equal(leaf_level(GiB(4)), 2);
	assert_int_equal(leaf_level(GiB(5) - MiB(2)), 2);
	assert_maps(GiB(5) - PAGE_SIZE, GiB(9) + MiB(2) - PAGE_SIZE, RW);
}

static void test_no_blocks_where_arch_forbids(void **state)
{
	(void)state;
	new_table(MM_STAGE_EL2, 0);
	fake_mm.block_levels = 1U << 2; /* no 1 GiB blocks */
	assert_true(pgtable_map(&pt, GiB(1), pa_init(GiB(1)), GiB(1), RW));
	assert_int_equal(leaf_level(GiB(1)), 2);
	fake_mm.block_levels = 0; /* pages only */
	assert_true(pgtable_map(&pt, GiB(3), pa_init(GiB(3)), MiB(4), RW));
	assert_int_equal(leaf_level(GiB(3)), 3);
	assert_int_equal(leaf_level(GiB(3) + MiB(4) - PAGE_SIZE), 3);
}

static void test_every_mode_round_trips(void **state)
{
	(void)state;
	for (int s = 0; s < 2; s++) {
		new_table(s ? MM_STAGE2 : MM_STAGE_EL2, 3);
		for (mm_mode_t m = 0; m <= (MM_R | MM_W | MM_X | MM_DEVICE); m++) {
			assert_true(pgtable_map(&pt, m * MiB(2), pa_init(m * MiB(2)), MiB(2), m));
			assert_true(pgtable_map(&pt, GiB(1) + m * PAGE_SIZE, pa_init(m * PAGE_SIZE),
						PAGE_SIZE, m));
		}
		for (mm_mode_t m = 0; m <= (MM_R | MM_W | MM_X | MM_DEVICE); m++) {
			assert_maps(m * MiB(2) + PAGE_SIZE, m * MiB(2) + PAGE_SIZE, m);
			assert_maps(GiB(1) + m * PAGE_SIZE, m * PAGE_SIZE, m);
		}
		pgtable_destroy(&pt);
		test_ram_free_all();
	}
}

static void test_partial_unmap_splits_block(void **state)
{
	uint64_t base = GiB(1), hole = base + MiB(2) + PAGE_SIZE;

	(void)state;
	new_table(MM_STAGE_EL2, 0);
	assert_true(pgtable_map(&pt, base, pa_init(GiB(7)), GiB(1), RW));
	assert_true(pgtable_unmap(&pt, hole, PAGE_SIZE));
	assert_unmapped(hole);
	/* The rest of the gigabyte still maps where it did, with the same mode. */
	for (uint64_t off = 0; off < MiB(4); off += PAGE_SIZE)
		if (base + off != hole)
			assert_maps(base + off, GiB(7) + off, RW);
	for (uint64_t off = MiB(4); off < GiB(1); off += MiB(2)) {
		assert_int_equal(leaf_level(base + off), 2);
		assert_maps(base + off + MiB(1), GiB(7) + off + MiB(1), RW);
	}
	assert_int_equal(leaf_level(base), 2);
	assert_int_equal(leaf_level(hole + PAGE_SIZE), 3);
	assert_int_equal(pt.tables, 4);
	/* Two blocks broken into tables and one page removed: three breaks, each invalidated. */
	assert_int_equal(fake_mm.breaks, 3);
	assert_int_equal(fake_mm.last_tlbi_addr, hole);
	assert_int_equal(fake_mm.last_tlbi_stage, MM_STAGE_EL2);
}

/* The last @n logged events, oldest first, must be exactly @want. */
static void assert_last_events(const struct fake_mm_event *want, unsigned n)
{
	assert_true(fake_mm.nlog >= n);
	for (unsigned i = 0; i < n; i++) {
		const struct fake_mm_event *e = &fake_mm.log[(fake_mm.nlog - n + i) % FAKE_MM_LOG];
		assert_int_equal(e->kind, want[i].kind);
		if (e->kind == FAKE_EV_WRITE) {
			assert_ptr_equal(e->slot, want[i].slot);
			assert_true(e->new == want[i].new);
		} else {
			assert_int_equal(e->addr, want[i].addr);
			assert_int_equal(e->stage, want[i].stage);
			assert_int_equal(e->vmid, want[i].vmid);
		}
	}
}

static pte_t *slot_of(uint64_t in, unsigned level)
{
	paddr_t table = pt.root;

	for (unsigned l = pt.root_level;; l++) {
		unsigned shift = PAGE_SHIFT + 9 * (MM_LEVELS - 1 - l);
		pte_t *slot = &((pte_t *)pa_to_ptr(table))[(in >> shift) & (MM_ENTRIES - 1)];
		if (l == level)
			return slot;
		table = arch_mm_pte_addr(*slot);
	}
}

static void test_remap_breaks_before_make(void **state)
{
	uint64_t in = GiB(2) + MiB(6);
	pte_t *slot;

	(void)state;
	new_table(MM_STAGE2, 9);
	assert_true(pgtable_map(&pt, in, pa_init(GiB(1)), MiB(2), RW));
	slot = slot_of(in, 2);
	assert_true(pgtable_map(&pt, in, pa_init(GiB(1)), MiB(2), RX));
	assert_maps(in + PAGE_SIZE, GiB(1) + PAGE_SIZE, RX);
	{
		const struct fake_mm_event want[] = {
			{ .kind = FAKE_EV_WRITE, .slot = slot, .new = FAKE_PTE_ABSENT },
			{ .kind = FAKE_EV_TLBI, .addr = in, .stage = MM_STAGE2, .vmid = 9 },
			{ .kind = FAKE_EV_WRITE,
			  .slot = slot,
			  .new = arch_mm_pte_leaf(MM_STAGE2, 2, pa_init(GiB(1)), RX) },
		};
		assert_last_events(want, ARRAY_SIZE(want));
	}
	/* Pointing the same input somewhere else breaks before make too. */
	assert_true(pgtable_map(&pt, in, pa_init(GiB(3)), MiB(2), RX));
	assert_maps(in, GiB(3), RX);
	assert_int_equal(fake_mm.breaks, 2);
}

static void test_block_replaces_table(void **state)
{
	uint64_t free_before;

	(void)state;
	new_table(MM_STAGE_EL2, 0);
	assert_true(pgtable_map(&pt, MiB(4), pa_init(MiB(4)), 8 * PAGE_SIZE, RW));
	assert_int_equal(pt.tables, 4);
	free_before = fp.free;
	/* The whole 2 MiB as one block: the level-3 table is unhooked, flushed, and freed. */
	assert_true(pgtable_map(&pt, MiB(4), pa_init(GiB(1)), MiB(2), RX));
	assert_int_equal(leaf_level(MiB(4)), 2);
	assert_int_equal(pt.tables, 3);
	assert_int_equal(fp.free, free_before + 1);
	assert_int_equal(fake_mm.tlbi_alls, 1); /* a table entry went: invalidate everything */
	assert_maps(MiB(4) + PAGE_SIZE, GiB(1) + PAGE_SIZE, RX);
}

static void test_unmap_everything_frees_tables(void **state)
{
	uint64_t free_start;

	(void)state;
	pool(64);
	free_start = fp.free;
	assert_true(pgtable_init(&pt, MM_STAGE_EL2, 0, &fp));
	assert_true(pgtable_map(&pt, PAGE_SIZE, pa_init(PAGE_SIZE), 3 * PAGE_SIZE, RW));
	assert_true(pgtable_map(&pt, GiB(1), pa_init(GiB(1)), GiB(1) + MiB(2), RW));
	assert_true(pgtable_map(&pt, GiB(600), pa_init(MiB(2)), MiB(4), RW));
	assert_true(pgtable_unmap(&pt, GiB(1) + MiB(3), PAGE_SIZE)); /* split a block */
	assert_true(pt.tables > 5);
	assert_int_equal(fp.free, free_start - pt.tables);
	assert_int_equal(tables_walked(), pt.tables);

	assert_true(pgtable_unmap(&pt, 0, GiB(1024)));
	assert_int_equal(pt.tables, 1);
	assert_int_equal(fp.free, free_start - 1);
	assert_unmapped(GiB(1));
	pgtable_destroy(&pt);
	assert_int_equal(fp.free, free_start);
}

static void test_unmapping_the_last_page_frees_its_tables(void **state)
{
	uint64_t free_start;

	(void)state;
	pool(64);
	free_start = fp.free;
	assert_true(pgtable_init(&pt, MM_STAGE2, 1, &fp));
	assert_true(pgtable_map(&pt, GiB(5) + PAGE_SIZE, pa_init(PAGE_SIZE), 2 * PAGE_SIZE, RW));
	assert_int_equal(pt.tables, 3);
	assert_true(pgtable_unmap(&pt, GiB(5) + PAGE_SIZE, PAGE_SIZE));
	assert_int_equal(pt.tables, 3); /* one page still mapped */
	assert_true(pgtable_unmap(&pt, GiB(5) + 2 * PAGE_SIZE, PAGE_SIZE));
	assert_int_equal(pt.tables, 1);
	assert_int_equal(fp.free, free_start - 1);
	assert_int_equal(tables_walked(), 1);
}

static void test_destroy_returns_every_frame(void **state)
{
	uint64_t free_start;

	(void)state;
	pool(128);
	free_start = fp.free;
	assert_true(pgtable_init(&pt, MM_STAGE_EL2, 0, &fp));
	for (uint64_t i = 0; i < 20; i++)
		assert_true(pgtable_map(&pt, i * GiB(3) + i * MiB(2) + i * PAGE_SIZE,
					pa_init(i * PAGE_SIZE), 5 * PAGE_SIZE, RW));
	assert_int_equal(fp.free, free_start - pt.tables);
	pgtable_destroy(&pt);
	assert_int_equal(fp.free, free_start);
}

static void test_out_of_frames(void **state)
{
	uint64_t free_start;

	(void)state;
	pool(4); /* bitmap, root, and two more */
	free_start = fp.free;
	assert_true(pgtable_init(&pt, MM_STAGE_EL2, 0, &fp));
	/* A page needs tables at levels 1, 2 and 3: only two frames are left. */
	assert_false(pgtable_map(&pt, GiB(1), pa_init(0), PAGE_SIZE, RW));
	assert_unmapped(GiB(1));
	assert_int_equal(fp.free, 0);
	/* The caller cleans up a failed map by unmapping the range. */
	assert_true(pgtable_unmap(&pt, GiB(1), PAGE_SIZE));
	assert_int_equal(pt.tables, 1);
	assert_int_equal(fp.free, free_start - 1);

	/* A 2 MiB block fits in the two frames; splitting it needs a third. */
	assert_true(pgtable_map(&pt, GiB(1), pa_init(0), MiB(2), RW));
	assert_int_equal(fp.free, 0);
	assert_false(pgtable_unmap(&pt, GiB(1), PAGE_SIZE));
	assert_maps(GiB(1), 0, RW); /* still mapped as before */
	pgtable_destroy(&pt);
	assert_int_equal(fp.free, free_start);
}

static void test_stage2_uses_its_vmid_and_range(void **state)
{
	(void)state;
	new_table(MM_STAGE2, 42);
	assert_true(pgtable_map(&pt, 0, pa_init(GiB(1)), MiB(2), RW | MM_X));
	assert_true(pgtable_unmap(&pt, PAGE_SIZE, PAGE_SIZE));
	assert_int_equal(fake_mm.last_tlbi_stage, MM_STAGE2);
	assert_int_equal(fake_mm.last_tlbi_vmid, 42);
	assert_int_equal(fake_mm.last_tlbi_addr, PAGE_SIZE);
	/* The fake's stage 2 translates 36 bits: 64 GiB. */
	assert_true(pgtable_map(&pt, GiB(64) - MiB(2), pa_init(0), MiB(2), RW));
	assert_false(pgtable_lookup(&pt, GiB(64), &(paddr_t){ 0 }, NULL));
	EXPECT_PANIC(pgtable_map(&pt, GiB(64) - MiB(2), pa_init(0), MiB(4), RW));
	assert_log_contains("CHECK failed: in < limit && size <= limit - in");
}

static void test_misaligned_arguments_panic(void **state)
{
	(void)state;
	new_table(MM_STAGE_EL2, 0);
	EXPECT_PANIC(pgtable_map(&pt, 0x800, pa_init(0), PAGE_SIZE, RW));
	EXPECT_PANIC(pgtable_map(&pt, 0, pa_init(0x800), PAGE_SIZE, RW));
	EXPECT_PANIC(pgtable_map(&pt, 0, pa_init(0), 0x800, RW));
	EXPECT_PANIC(pgtable_unmap(&pt, 0x10, PAGE_SIZE));
	EXPECT_PANIC(pgtable_unmap(&pt, 1ULL << 48, PAGE_SIZE));
	assert_false(pgtable_lookup(&pt, 1ULL << 48, &(paddr_t){ 0 }, NULL));
}

/* The fake's break-before-make checks themselves: they must catch what pgtable.c must not do. */
static void test_fake_catches_bbm_violations(void **state)
{
	pte_t slot = FAKE_PTE_ABSENT;
	pte_t a = arch_mm_pte_leaf(MM_STAGE_EL2, 3, pa_init(0), RW);
	pte_t b = arch_mm_pte_leaf(MM_STAGE_EL2, 3, pa_init(PAGE_SIZE), RW);
	pte_t t = arch_mm_pte_table(pa_init(GiB(1)));

	(void)state;
	fake.expect_violations = true;
	arch_mm_pte_write(&slot, a);
	arch_mm_pte_write(&slot, b); /* valid to different valid */
	assert_int_equal(fake.violations, 1);
	arch_mm_pte_write(&slot, arch_mm_pte_absent());
	arch_mm_pte_write(&slot, a); /* made before the TLB invalidate */
	assert_int_equal(fake.violations, 2);
	arch_mm_pte_write(&slot, arch_mm_pte_absent());
	arch_mm_tlb_invalidate(MM_STAGE_EL2, 0, 0);
	arch_mm_pte_write(&slot, b); /* correct */
	assert_int_equal(fake.violations, 2);
	slot = t;
	arch_mm_pte_write(&slot, arch_mm_pte_absent());
	arch_mm_tlb_invalidate(MM_STAGE_EL2, 0, 0); /* one address does not cover a table */
	assert_int_equal(fake.violations, 3);
	(void)arch_mm_pte_mode(MM_STAGE2, a); /* an EL2 leaf read as stage 2 */
	assert_int_equal(fake.violations, 4);
	(void)arch_mm_pte_is_table(a, 2); /* a page read as a level-2 entry */
	assert_int_equal(fake.violations, 5);
	(void)arch_mm_pte_valid(0x1234); /* stray bits in an invalid entry */
	assert_int_equal(fake.violations, 6);
}

static uint64_t rand_seed;

static uint64_t rand_next(uint64_t bound)
{
	rand_seed = rand_seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (rand_seed >> 33) % bound;
}

/* Random maps and unmaps over a window straddling block boundaries, checked page by page. */
static void test_random_against_model(void **state)
{
	enum { PAGES = 2048 }; /* 8 MiB */
	static struct {
		bool mapped;
		uint64_t pa;
		mm_mode_t mode;
	} model[PAGES];
	uint64_t base = GiB(1) - MiB(4), free_start;

	(void)state;
	pool(64);
	free_start = fp.free;
	memset(model, 0, sizeof(model));
	rand_seed = 99;
	assert_true(pgtable_init(&pt, MM_STAGE2, 5, &fp));
	for (int step = 0; step < 300; step++) {
		bool big = rand_next(2); /* 2 MiB aligned and sized, so blocks are used */
		uint64_t first = big ? rand_next(4) * 512 : rand_next(PAGES);
		uint64_t n = big ? 512 : 1 + rand_next(700);
		uint64_t pa =
			big ? GiB(rand_next(8)) + first * PAGE_SIZE : rand_next(4096) * PAGE_SIZE;
		mm_mode_t mode = (mm_mode_t)rand_next(16);
		bool unmap = rand_next(3) == 0;
		if (first + n > PAGES)
			n = PAGES - first;
		if (unmap) {
			assert_true(pgtable_unmap(&pt, base + first * PAGE_SIZE, n * PAGE_SIZE));
			for (uint64_t i = first; i < first + n; i++)
				model[i].mapped = false;
		} else {
			assert_true(pgtable_map(&pt, base + first * PAGE_SIZE, pa_init(pa),
						n * PAGE_SIZE, mode));
			for (uint64_t i = first; i < first + n; i++) {
				model[i].mapped = true;
				model[i].pa = pa + (i - first) * PAGE_SIZE;
				model[i].mode = mode;
			}
		}
		for (uint64_t i = 0; i < PAGES; i++) {
			if (model[i].mapped)
				assert_maps(base + i * PAGE_SIZE, model[i].pa, model[i].mode);
			else
				assert_unmapped(base + i * PAGE_SIZE);
		}
		assert_int_equal(fp.free, free_start - pt.tables);
	}
	assert_true(pgtable_unmap(&pt, base, PAGES * PAGE_SIZE));
	assert_int_equal(pt.tables, 1);
	pgtable_destroy(&pt);
	assert_int_equal(fp.free, free_start);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_root_level_follows_input_bits),
		TEST(test_fresh_table_is_empty),
		TEST(test_blocks_when_aligned),
		TEST(test_pages_when_misaligned),
		TEST(test_no_blocks_where_arch_forbids),
		TEST(test_every_mode_round_trips),
		TEST(test_partial_unmap_splits_block),
		TEST(test_remap_breaks_before_make),
		TEST(test_block_replaces_table),
		TEST(test_unmap_everything_frees_tables),
		TEST(test_unmapping_the_last_page_frees_its_tables),
		TEST(test_destroy_returns_every_frame),
		TEST(test_out_of_frames),
		TEST(test_stage2_uses_its_vmid_and_range),
		TEST(test_misaligned_arguments_panic),
		TEST(test_fake_catches_bbm_violations),
		TEST(test_random_against_model),
	};

	return cmocka_run_group_tests_name("pgtable", tests, NULL, NULL);
}
