/**
 * Tests of pv-guest's portable parts: formatting, the allocator, VM arguments. They run inside
 * the selftest guest and, unchanged, on the host under ASan/UBSan (make test-pvguest-host).
 */
#include <pv/alloc.h>
#include <pv/args.h>
#include <pv/fmt.h>
#include <pv/string.h>
#include <pv/test.h>
#include <stdint.h>

static char buf[128];

#define FMT(...) (pv_snprintf(buf, sizeof(buf), __VA_ARGS__), buf)

TEST(fmt_integers)
{
	CHECK_STREQ(FMT("%d %d %d", 0, -42, 2147483647), "0 -42 2147483647");
	CHECK_STREQ(FMT("%d", (int)0x80000000), "-2147483648");
	CHECK_STREQ(FMT("%u %i", 4294967295U, -1), "4294967295 -1");
	CHECK_STREQ(FMT("%ld %lu", -9223372036854775807L - 1, ~0UL),
		    "-9223372036854775808 18446744073709551615");
	CHECK_STREQ(FMT("%lld %zu", -5LL, (unsigned long)7), "-5 7");
}

TEST(fmt_hex_and_pointers)
{
	CHECK_STREQ(FMT("%x %X %lx", 0xbeefU, 0xbeefU, 0x123456789abcdefUL),
		    "beef BEEF 123456789abcdef");
	CHECK_STREQ(FMT("%p %p", (void *)0x40001000UL, (void *)0), "0x40001000 0x0");
}

/* Malformed formats on purpose: GCC's format check would reject them at compile time. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
TEST(fmt_unknown_conversions)
{
	CHECK_STREQ(FMT("%#x"), "%#x"); /* unknown flag: printed as written */
	CHECK_STREQ(FMT("%q%"), "%q%"); /* unknown conversion and a lone '%' at the end */
}
#pragma GCC diagnostic pop

TEST(fmt_width_and_padding)
{
	CHECK_STREQ(FMT("[%5d][%-5d][%05d]", 42, 42, 42), "[   42][42   ][00042]");
	CHECK_STREQ(FMT("[%05d][%08lx][%2d]", -42, 0xabcUL, 12345), "[-0042][00000abc][12345]");
	CHECK_STREQ(FMT("[%*d][%-*d]", 4, 7, 3, 7), "[   7][7  ]");
	CHECK_STREQ(FMT("[%6s][%-6s][%.2s][%.*s]", "ab", "ab", "abcdef", 3, "abcdef"),
		    "[    ab][ab    ][ab][abc]");
	CHECK_STREQ(FMT("[%3c][%c%%]", 'x', 'y'), "[  x][y%]");
}

TEST(fmt_strings_and_truncation)
{
	const char *volatile none = 0; /* volatile: GCC would reject a literal NULL for %s */
	char small[8];

	CHECK_STREQ(FMT("%s", none), "(null)");
	CHECK_EQ(pv_snprintf(small, sizeof(small), "%s", "0123456789"), 10);
	CHECK_STREQ(small, "0123456");
	CHECK_EQ(pv_snprintf(small, 0, "abc"), 3);
	CHECK_EQ(pv_snprintf(small, 1, "abc"), 3);
	CHECK_EQ(small[0], '\0');
}

TEST(alloc_alignment_and_reuse)
{
	char *a = pv_malloc(1), *b = pv_malloc(100), *c;

	CHECK(a && b);
	CHECK_EQ((uintptr_t)a % 16, 0);
	CHECK_EQ((uintptr_t)b % 16, 0);
	CHECK(b >= a + 16);
	memset(b, 0xa5, 100);
	pv_free(b);
	c = pv_malloc(90);
	CHECK_EQ(c, b); /* first fit takes the freed block back */
	pv_free(c);
	pv_free(a);
	pv_free(0);
}

TEST(alloc_split_and_calloc)
{
	unsigned long before;
	char *big = pv_malloc(4096), *small, *zero;

	CHECK(big);
	memset(big, 0xff, 4096);
	pv_free(big);
	before = pv_heap_untouched();
	small = pv_malloc(64);
	zero = pv_calloc(16, 8); /* from the rest of the split block, zeroed */
	CHECK_EQ(small, big);
	CHECK(zero > small && zero < big + 4096);
	for (int i = 0; i < 128; i++)
		CHECK_EQ(zero[i], 0);
	CHECK_EQ(pv_heap_untouched(), before); /* nothing new was bumped */
	pv_free(zero);
	pv_free(small);
}

TEST(alloc_exhaustion)
{
	CHECK(pv_malloc(~0UL) == 0);
	CHECK(pv_malloc(pv_heap_untouched() + 16) == 0);
	CHECK(pv_calloc(~0UL / 2, 4) == 0);
}

TEST(alloc_pages)
{
	char *small = pv_malloc(16), *a = pv_alloc_pages(2), *b, *c;

	CHECK(small && a);
	CHECK_EQ((uintptr_t)a % 4096, 0);
	for (int i = 0; i < 2 * 4096; i++)
		CHECK_EQ(a[i], 0);
	memset(a, 0x5a, 2 * 4096);
	pv_free_pages(a, 2);
	b = pv_alloc_pages(1); /* first fit: the freed run's first page, zeroed again */
	c = pv_alloc_pages(1); /* and the rest of it */
	CHECK_EQ(b, a);
	CHECK_EQ(c, a + 4096);
	CHECK_EQ(b[0], 0);
	CHECK_EQ(c[4095], 0);
	CHECK(pv_alloc_pages(0) == 0);
	CHECK(pv_alloc_pages(~0UL / 4096) == 0);
	pv_free_pages(b, 1);
	pv_free_pages(c, 1);
	pv_free(small);
}

TEST(args_parsing)
{
	const char *args = "  period-ms=500 verbose addr=0x08000000 bad=12x count=";
	unsigned long len;

	CHECK_EQ(pv_args_ulong(args, "period-ms", 1), 500);
	CHECK_EQ(pv_args_ulong(args, "addr", 1), 0x08000000);
	CHECK_EQ(pv_args_ulong(args, "bad", 7), 7);
	CHECK_EQ(pv_args_ulong(args, "count", 9), 9);
	CHECK_EQ(pv_args_ulong(args, "period", 3), 3); /* a prefix is not a key */
	CHECK(pv_args_find(args, "verbose", &len) != 0);
	CHECK_EQ(len, 0);
	CHECK(pv_args_find(args, "missing", &len) == 0);
	CHECK_EQ(pv_args_ulong("n=18446744073709551616", "n", 5), 5); /* overflow */
}
