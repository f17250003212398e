/** The selftest's balloon checks (pv/balloon.h), run first (see below). */
#include <pv/pv.h>
#include <pv/test.h>

/*
 * The balloon gives pages back (their frames freed, counted as ballooned) and takes them again.
 * In a file of its own that sorts before lib_tests.c: guests link their files in name order, so
 * this runs before alloc_exhaustion leaves the heap in pv_malloc's free list, with no pages.
 */
TEST(balloon_inflate_and_deflate)
{
	struct skiff_mem_info before, during, after;
	unsigned long free_before = pv_balloon_free_bytes();
	unsigned long *p;

	CHECK_EQ(pv_mem_info(&before), 0);
	CHECK_EQ(pv_balloon_set(24), 24);
	CHECK_EQ(pv_balloon_pages(), 24);
	CHECK_EQ(pv_mem_info(&during), 0);
	CHECK_EQ(during.ballooned, before.ballooned + 24 * 4096);
	CHECK(pv_balloon_free_bytes() <= free_before - 24 * 4096);
	CHECK_EQ(pv_balloon_set(8), 8); /* deflate part way */
	CHECK_EQ(pv_balloon_set(0), 0);
	/* The pages are the heap's again: usable. */
	p = pv_alloc_pages(24);
	CHECK(p != 0);
	for (unsigned long i = 0; i < 24 * 512; i += 512)
		p[i] = i;
	for (unsigned long i = 0; i < 24 * 512; i += 512)
		CHECK_EQ(p[i], i);
	pv_free_pages(p, 24);
	CHECK_EQ(pv_mem_info(&after), 0);
	CHECK(after.ballooned < during.ballooned);
}
