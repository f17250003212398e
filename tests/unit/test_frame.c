/** hyp/frame.c: the bitmap frame allocator over host memory standing in for RAM. */
#include "support.h"

#include <stdlib.h>

#include <skiff/frame.h>
#include <skiff/mm.h>

static struct frame_pool fp;

/* A RAM range of @nframes frames, its base aligned to @align. */
static struct pa_range ram_of(uint64_t nframes, size_t align)
{
	paddr_t b = test_pa(test_ram(nframes * PAGE_SIZE, align));

	return (struct pa_range){ b, pa_add(b, nframes * PAGE_SIZE) };
}

/* [base + first frame, base + end frame) */
static struct pa_range frames_at(struct pa_range ram, uint64_t first, uint64_t end)
{
	return (struct pa_range){ pa_add(ram.begin, first * PAGE_SIZE),
				  pa_add(ram.begin, end * PAGE_SIZE) };
}

static paddr_t frame_n(struct pa_range ram, uint64_t n)
{
	return pa_add(ram.begin, n * PAGE_SIZE);
}

static void test_init_one_range(void **state)
{
	struct pa_range ram = ram_of(64, PAGE_SIZE);

	(void)state;
	assert_null(frame_pool_init(&fp, &ram, 1, NULL, 0));
	assert_int_equal(fp.nregions, 1);
	assert_int_equal(fp.total, 64);
	assert_int_equal(fp.free, 63); /* one frame holds the bitmap */
	assert_int_equal(pa_addr(fp.meta.begin), pa_addr(ram.begin));
	assert_true(frame_is_allocated(&fp, ram.begin));
	assert_false(frame_is_allocated(&fp, frame_n(ram, 1)));
	assert_false(frame_is_allocated(&fp, frame_n(ram, 64))); /* outside */
}

static void test_init_reserved_holes_and_overlaps(void **state)
{
	struct pa_range ram = ram_of(64, PAGE_SIZE);
	struct pa_range res[] = {
		frames_at(ram, 0, 2),   /* the bitmap must go around this */
		frames_at(ram, 10, 12), /* these two overlap: frames 10..13 */
		frames_at(ram, 11, 14),
		{ pa_add(frame_n(ram, 20), 0x10),
		  pa_add(frame_n(ram, 20), 0x20) },                               /* in frame 20 */
		{ pa_add(frame_n(ram, 29), 0xfff), pa_add(frame_n(ram, 31), 1) }, /* 29, 30, 31 */
		{ pa_init(pa_addr(ram.begin) - 0x10000), frame_n(ram, 1) }, /* starts below RAM */
		{ frame_n(ram, 63), pa_add(frame_n(ram, 64), 0x100000) },   /* ends above it */
	};

	(void)state;
	assert_null(frame_pool_init(&fp, &ram, 1, res, ARRAY_SIZE(res)));
	assert_int_equal(fp.total, 64);
	assert_int_equal(pa_addr(fp.meta.begin), pa_addr(frame_n(ram, 2)));
	/* reserved: 0, 1, 10..13, 20, 29..31, 63; the bitmap: 2 */
	assert_int_equal(fp.free, 64 - 2 - 4 - 1 - 3 - 1 - 1);
	for (uint64_t i = 0; i < 64; i++) {
		bool used = i <= 2 || (i >= 10 && i <= 13) || i == 20 || (i >= 29 && i <= 31) ||
			    i == 63;
		assert_int_equal(frame_is_allocated(&fp, frame_n(ram, i)), used);
	}
}

static void test_init_unaligned_range_ends(void **state)
{
	struct pa_range ram = ram_of(64, PAGE_SIZE);
	struct pa_range odd = { pa_add(ram.begin, 0x800),
				pa_add(ram.begin, 64 * PAGE_SIZE - 0x100) };

	(void)state;
	assert_null(frame_pool_init(&fp, &odd, 1, NULL, 0));
	/* Only whole frames inside the range: frames 1..62. */
	assert_int_equal(fp.total, 62);
	assert_int_equal(pa_addr(fp.regions[0].base), pa_addr(frame_n(ram, 1)));
	assert_int_equal(fp.free, 61);
	assert_false(frame_is_allocated(&fp, frame_n(ram, 0)));
	assert_true(frame_is_allocated(&fp, frame_n(ram, 1))); /* the bitmap */
}

static void test_init_bitmap_goes_to_later_range(void **state)
{
	struct pa_range ram[2] = { ram_of(8, PAGE_SIZE), ram_of(32, PAGE_SIZE) };
	struct pa_range res = ram[0]; /* all of the first range */

	(void)state;
	assert_null(frame_pool_init(&fp, ram, 2, &res, 1));
	assert_int_equal(fp.nregions, 2);
	assert_int_equal(fp.total, 40);
	assert_int_equal(pa_addr(fp.meta.begin), pa_addr(ram[1].begin));
	assert_int_equal(fp.free, 31);
}

static void test_init_errors(void **state)
{
	struct pa_range ram = ram_of(4, PAGE_SIZE), many[FRAME_MAX_REGIONS + 1];
	const char *err;

	(void)state;
	err = frame_pool_init(&fp, &ram, 0, NULL, 0);
	assert_non_null(err);
	assert_non_null(strstr(err, "no RAM"));

	for (unsigned i = 0; i < ARRAY_SIZE(many); i++)
		many[i] = frames_at(ram, i % 4, i % 4 + 1);
	err = frame_pool_init(&fp, many, ARRAY_SIZE(many), NULL, 0);
	assert_non_null(err);
	assert_non_null(strstr(err, "more RAM ranges"));

	err = frame_pool_init(&fp, &ram, 1, &ram, 1); /* everything reserved */
	assert_non_null(err);
	assert_non_null(strstr(err, "bitmap"));
}

static void test_alloc_until_exhausted(void **state)
{
	struct pa_range ram = ram_of(64, PAGE_SIZE), res = frames_at(ram, 30, 34);
	static bool seen[64];
	uint64_t initial;
	paddr_t pa;

	(void)state;
	memset(seen, 0, sizeof(seen));
	assert_null(frame_pool_init(&fp, &ram, 1, &res, 1));
	initial = fp.free;
	assert_int_equal(initial, 64 - 4 - 1);
	for (uint64_t n = 0; n < initial; n++) {
		uint64_t i;
		assert_true(frame_alloc(&fp, 1, 1, &pa));
		i = (pa_addr(pa) - pa_addr(ram.begin)) / PAGE_SIZE;
		assert_true(IS_ALIGNED(pa_addr(pa), PAGE_SIZE));
		assert_in_range(i, 1, 63); /* frame 0 is the bitmap */
		assert_false(i >= 30 && i < 34);
		assert_false(seen[i]);
		seen[i] = true;
		assert_int_equal(fp.free, initial - n - 1);
	}
	assert_false(frame_alloc(&fp, 1, 1, &pa));
	assert_int_equal(fp.free, 0);
	for (uint64_t i = 1; i < 64; i++)
		if (seen[i])
			frame_free(&fp, frame_n(ram, i), 1);
	assert_int_equal(fp.free, initial);
	assert_int_equal(fake.locks_held, 0);
}

static void test_contiguous_aligned(void **state)
{
	/* The base is 2 MiB aligned plus one frame: alignment is of the physical address. */
	uint8_t *mem = test_ram(MiB(4), MiB(2));
	struct pa_range ram = { pa_add(test_pa(mem), PAGE_SIZE), pa_add(test_pa(mem), MiB(4)) };
	paddr_t a, b, c;

	(void)state;
	assert_null(frame_pool_init(&fp, &ram, 1, NULL, 0));
	assert_true(frame_alloc(&fp, 16, 16, &a));
	assert_true(IS_ALIGNED(pa_addr(a), 16 * PAGE_SIZE));
	for (uint64_t i = 0; i < 16; i++)
		assert_true(frame_is_allocated(&fp, pa_add(a, i * PAGE_SIZE)));
	assert_true(frame_alloc(&fp, 512, 512, &b)); /* a 2 MiB block */
	assert_true(IS_ALIGNED(pa_addr(b), MiB(2)));
	assert_int_equal(pa_addr(b), pa_addr(test_pa(mem)) + MiB(2)); /* the only 2 MiB slot */
	assert_false(frame_alloc(&fp, 512, 512, &c));
	assert_true(frame_alloc(&fp, 3, 1, &c));
	assert_false(pa_addr(c) < pa_addr(a) + 16 * PAGE_SIZE &&
		     pa_addr(a) < pa_addr(c) + 3 * PAGE_SIZE);
	frame_free(&fp, b, 512);
	assert_true(frame_alloc(&fp, 512, 512, &c));
	assert_int_equal(pa_addr(c), pa_addr(b));
}

static void test_contiguous_in_fragmented_pool(void **state)
{
	struct pa_range ram = ram_of(16, PAGE_SIZE);
	paddr_t pa;

	(void)state;
	assert_null(frame_pool_init(&fp, &ram, 1, NULL, 0));
	for (uint64_t i = 1; i < 16; i++) {
		assert_true(frame_alloc(&fp, 1, 1, &pa));
		assert_int_equal(pa_addr(pa), pa_addr(frame_n(ram, i)));
	}
	frame_free(&fp, frame_n(ram, 5), 1);
	frame_free(&fp, frame_n(ram, 9), 3); /* 9, 10, 11 */
	assert_int_equal(fp.free, 4);
	assert_false(frame_alloc(&fp, 4, 1, &pa)); /* four free, but not adjacent */
	assert_int_equal(fp.free, 4);
	assert_true(frame_alloc(&fp, 3, 1, &pa));
	assert_int_equal(pa_addr(pa), pa_addr(frame_n(ram, 9)));
	assert_true(frame_alloc(&fp, 1, 1, &pa));
	assert_int_equal(pa_addr(pa), pa_addr(frame_n(ram, 5)));
	assert_int_equal(fp.free, 0);
}

static void test_alloc_spills_to_next_region(void **state)
{
	struct pa_range ram[2] = { ram_of(4, PAGE_SIZE), ram_of(4, PAGE_SIZE) };
	paddr_t pa;

	(void)state;
	assert_null(frame_pool_init(&fp, ram, 2, NULL, 0));
	assert_int_equal(fp.free, 7);
	for (int i = 0; i < 3; i++) {
		assert_true(frame_alloc(&fp, 1, 1, &pa));
		assert_true(pa_addr(pa) >= pa_addr(ram[0].begin) &&
			    pa_addr(pa) < pa_addr(ram[0].end));
	}
	assert_true(frame_alloc(&fp, 2, 1, &pa));
	assert_int_equal(pa_addr(pa), pa_addr(ram[1].begin));
	assert_false(frame_alloc(&fp, 3, 1, &pa)); /* two left, in one region */
	assert_true(frame_alloc(&fp, 2, 1, &pa));
	assert_int_equal(fp.free, 0);
}

static void test_alloc_zeroed(void **state)
{
	struct pa_range ram = ram_of(8, PAGE_SIZE);
	paddr_t pa;
	const uint8_t *p;

	(void)state;
	assert_null(frame_pool_init(&fp, &ram, 1, NULL, 0));
	assert_true(frame_alloc_zeroed(&fp, &pa));
	p = pa_to_ptr(pa);
	for (size_t i = 0; i < PAGE_SIZE; i++)
		assert_int_equal(p[i], 0); /* test_ram filled it with 0xa5 */
}

static void test_double_free_panics(void **state)
{
	struct pa_range ram = ram_of(8, PAGE_SIZE);
	paddr_t pa;

	(void)state;
	assert_null(frame_pool_init(&fp, &ram, 1, NULL, 0));
	assert_true(frame_alloc(&fp, 2, 1, &pa));
	frame_free(&fp, pa, 2);
	EXPECT_PANIC(frame_free(&fp, pa, 2));
	assert_log_contains("PANIC (hyp/frame.c:");
	assert_log_contains("CHECK failed: bit_test(r->bitmap, i)");
}

static void test_bad_frees_panic(void **state)
{
	struct pa_range ram = ram_of(8, PAGE_SIZE);
	paddr_t pa;

	(void)state;
	assert_null(frame_pool_init(&fp, &ram, 1, NULL, 0));
	assert_true(frame_alloc(&fp, 1, 1, &pa));
	EXPECT_PANIC(frame_free(&fp, pa_add(ram.end, PAGE_SIZE), 1)); /* not managed */
	assert_log_contains("CHECK failed: r && IS_ALIGNED");
	assert_null(frame_pool_init(&fp, &ram, 1, NULL, 0));
	assert_true(frame_alloc(&fp, 1, 1, &pa));
	EXPECT_PANIC(frame_free(&fp, pa_add(pa, 8), 1)); /* not frame aligned */
	assert_null(frame_pool_init(&fp, &ram, 1, NULL, 0));
	assert_true(frame_alloc(&fp, 1, 1, &pa));
	EXPECT_PANIC(frame_free(&fp, pa, 8)); /* runs past the region */
	assert_log_contains("CHECK failed: idx + count <= r->nframes");
}

static void test_bad_alloc_arguments_panic(void **state)
{
	struct pa_range ram = ram_of(8, PAGE_SIZE);
	paddr_t pa;

	(void)state;
	assert_null(frame_pool_init(&fp, &ram, 1, NULL, 0));
	EXPECT_PANIC(frame_alloc(&fp, 0, 1, &pa));
	EXPECT_PANIC(frame_alloc(&fp, 1, 3, &pa));
	EXPECT_PANIC(frame_alloc(&fp, 1, 0, &pa));
	assert_int_equal(fp.free, 7);
}

/* Random allocations and frees against a shadow copy; the pool's accounting must agree. */
static void test_random_against_model(void **state)
{
	enum { N = 256, LIVE = 64 };
	struct pa_range ram = ram_of(N, MiB(1));
	struct pa_range res[] = { frames_at(ram, 100, 107), frames_at(ram, 200, 201) };
	static bool used[N];
	struct {
		paddr_t pa;
		uint64_t count;
	} live[LIVE];
	unsigned nlive = 0;
	uint64_t reserved, seed = 12345;

	(void)state;
	memset(used, 0, sizeof(used));
	assert_null(frame_pool_init(&fp, &ram, 1, res, ARRAY_SIZE(res)));
	for (uint64_t i = 0; i < N; i++)
		used[i] = frame_is_allocated(&fp, frame_n(ram, i));
	reserved = N - fp.free;
	assert_int_equal(reserved, 7 + 1 + 1);
	for (int step = 0; step < 5000; step++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		uint64_t r = seed >> 33, count = 1 + r % 9, align = 1ULL << (r / 16 % 5);
		uint64_t in_use = reserved, i;
		paddr_t pa;
		if (nlive == LIVE || (nlive && r % 3 == 0)) {
			unsigned k = (unsigned)(r / 7 % nlive);
			frame_free(&fp, live[k].pa, live[k].count);
			i = (pa_addr(live[k].pa) - pa_addr(ram.begin)) / PAGE_SIZE;
			for (uint64_t j = 0; j < live[k].count; j++)
				used[i + j] = false;
			live[k] = live[--nlive];
		} else if (frame_alloc(&fp, count, align, &pa)) {
			i = (pa_addr(pa) - pa_addr(ram.begin)) / PAGE_SIZE;
			assert_true(IS_ALIGNED(pa_addr(pa), align * PAGE_SIZE));
			assert_true(i + count <= N);
			for (uint64_t j = 0; j < count; j++) {
				assert_false(used[i + j]);
				used[i + j] = true;
			}
			live[nlive].pa = pa;
			live[nlive++].count = count;
		}
		for (unsigned k = 0; k < nlive; k++)
			in_use += live[k].count;
		assert_int_equal(fp.free, N - in_use);
	}
	for (uint64_t i = 0; i < N; i++)
		assert_int_equal(frame_is_allocated(&fp, frame_n(ram, i)), used[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_init_one_range),
		TEST(test_init_reserved_holes_and_overlaps),
		TEST(test_init_unaligned_range_ends),
		TEST(test_init_bitmap_goes_to_later_range),
		TEST(test_init_errors),
		TEST(test_alloc_until_exhausted),
		TEST(test_contiguous_aligned),
		TEST(test_contiguous_in_fragmented_pool),
		TEST(test_alloc_spills_to_next_region),
		TEST(test_alloc_zeroed),
		TEST(test_double_free_panics),
		TEST(test_bad_frees_panic),
		TEST(test_bad_alloc_arguments_panic),
		TEST(test_random_against_model),
	};

	return cmocka_run_group_tests_name("frame", tests, NULL, NULL);
}
