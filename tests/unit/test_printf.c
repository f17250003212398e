/** hyp/printf.c: the vsnprintf subset, and the console's log ring (hyp/console.c). */
#include "support.h"

#include <limits.h>
#include <sys/types.h>

#include <skiff/console.h>

static char buf[256];

/* snprintf into buf; asserts the result and the returned length. */
#define CHECK_FMT(want, ...)                                      \
	do {                                                      \
		int n_ = snprintf(buf, sizeof(buf), __VA_ARGS__); \
		assert_string_equal(buf, want);                   \
		assert_int_equal(n_, strlen(want));               \
	} while (0)

/* vsnprintf without the compiler's format check, for formats -Wformat rejects on purpose. */
static int unchecked(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return n;
}

#define CHECK_UNCHECKED(want, ...)                  \
	do {                                        \
		int n_ = unchecked(__VA_ARGS__);    \
		assert_string_equal(buf, want);     \
		assert_int_equal(n_, strlen(want)); \
	} while (0)

static void test_strings(void **state)
{
	(void)state;
	CHECK_FMT("plain", "plain");
	CHECK_FMT("[abc]", "[%s]", "abc");
	CHECK_UNCHECKED("[(null)]", "[%s]", (char *)NULL);
	CHECK_FMT("[ab   ]", "[%-5s]", "ab");
	CHECK_FMT("[   ab]", "[%5s]", "ab");
	CHECK_FMT("[abcdef]", "[%3s]", "abcdef");
	CHECK_FMT("[abc]", "[%.*s]", 3, "abcdef");
	CHECK_FMT("[ab]", "[%.*s]", 5, "ab");
	CHECK_FMT("[abcdef]", "[%.*s]", -1, "abcdef"); /* negative precision: as if none */
	CHECK_FMT("[abc]", "[%.3s]", "abcdef");
	CHECK_FMT("[  abc]", "[%*s]", 5, "abc");
	CHECK_FMT("[x]", "[%c]", 'x');
	CHECK_FMT("[  x]", "[%3c]", 'x');
	CHECK_FMT("100%", "100%%");
	CHECK_UNCHECKED("%q", "%q"); /* unknown conversions are printed, not interpreted */
}

static void test_signed(void **state)
{
	(void)state;
	CHECK_FMT("0", "%d", 0);
	CHECK_FMT("42", "%d", 42);
	CHECK_FMT("-42", "%d", -42);
	CHECK_FMT("-7", "%i", -7);
	CHECK_FMT("-2147483648", "%d", INT_MIN);
	CHECK_FMT("2147483647", "%d", INT_MAX);
	CHECK_FMT("-9223372036854775808", "%ld", LONG_MIN);
	CHECK_FMT("-9223372036854775807", "%lld", -LLONG_MAX);
	CHECK_FMT("[  -42]", "[%5d]", -42);
	CHECK_FMT("[-42  ]", "[%-5d]", -42);
	CHECK_FMT("[-0042]", "[%05d]", -42);
	CHECK_FMT("[00042]", "[%05d]", 42);
	CHECK_FMT("-1", "%zd", (ssize_t)-1);
}

static void test_unsigned(void **state)
{
	(void)state;
	CHECK_FMT("4294967295", "%u", UINT_MAX);
	CHECK_FMT("18446744073709551615", "%lu", ULONG_MAX);
	CHECK_FMT("18446744073709551615", "%llu", ULLONG_MAX);
	CHECK_FMT("4096", "%zu", (size_t)4096);
	CHECK_FMT("ff", "%x", 255);
	CHECK_FMT("FF", "%X", 255);
	CHECK_FMT("ffffffff", "%x", -1);
	CHECK_FMT("deadbeefcafe", "%lx", 0xdeadbeefcafeUL);
	CHECK_FMT("0000000040200000", "%016lx", 0x40200000UL);
	CHECK_FMT("0x0009000000", "0x%010lx", 0x9000000UL);
	CHECK_FMT("[    1f]", "[%6x]", 0x1f);
	CHECK_FMT("[1f    ]", "[%-6x]", 0x1f);
	CHECK_UNCHECKED("[1f    ]", "[%-06x]", 0x1f); /* '-' wins over '0', as in C */
}

static void test_pointer(void **state)
{
	(void)state;
	CHECK_FMT("0x1234", "%p", (void *)0x1234);
	CHECK_FMT("0x0", "%p", NULL);
	CHECK_FMT("0xffff000012345678", "%p", (void *)0xffff000012345678UL);
}

static void test_width_from_argument(void **state)
{
	(void)state;
	CHECK_FMT("[   7]", "[%*d]", 4, 7);
	/* A negative '*' width means left-justified (C11 7.21.6.1p5). */
	CHECK_FMT("[7   ]", "[%*d]", -4, 7);
}

static void test_truncation(void **state)
{
	char small[8];
	int n;

	(void)state;
	memset(small, 'X', sizeof(small));
	n = snprintf(small, sizeof(small), "%s-%d", "abcdef", 12345);
	assert_int_equal(n, 12); /* the full length, not what fit */
	assert_string_equal(small, "abcdef-");

	memset(small, 'X', sizeof(small));
	n = snprintf(small, 1, "hello");
	assert_int_equal(n, 5);
	assert_int_equal(small[0], '\0');
	assert_int_equal(small[1], 'X');

	n = snprintf(NULL, 0, "%lu", 1234567UL); /* size 0: nothing written, length returned */
	assert_int_equal(n, 7);

	memset(small, 'X', sizeof(small));
	n = snprintf(small, sizeof(small), "1234567");
	assert_int_equal(n, 7);
	assert_string_equal(small, "1234567");
	n = snprintf(small, sizeof(small), "12345678");
	assert_int_equal(n, 8);
	assert_string_equal(small, "1234567");
}

static void test_format_ends_after_percent(void **state)
{
	(void)state;
	/* A lone '%' at the end is dropped; the string still ends. */
	CHECK_UNCHECKED("abc", "abc%");
}

/* Console log ring: the newest output, in order, across wrap-around. */
static void test_console_log_ring(void **state)
{
	enum { RING = 16384 };
	static char big[RING + 1000], out[RING + 100];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	console_write(big, sizeof(big));
	n = console_log_read(out, sizeof(out));
	assert_int_equal(n, RING); /* never more than the ring holds */
	assert_memory_equal(out, big + sizeof(big) - RING, RING);

	kprintf("value=%d\n", 42);
	n = console_log_read(out, 9);
	assert_int_equal(n, 9);
	assert_memory_equal(out, "value=42\n", 9);
}

static void test_kprintf_truncates_long_messages(void **state)
{
	static char line[2000], out[513];

	(void)state;
	memset(line, 'y', sizeof(line) - 1);
	kprintf("<");
	kprintf("%s", line);
	kprintf(">");
	/* A message is cut to 511 bytes (MSG_MAX - 1): '<', 511 'y', '>'. */
	assert_int_equal(console_log_read(out, sizeof(out)), sizeof(out));
	assert_int_equal(out[0], '<');
	for (size_t i = 1; i < 512; i++)
		assert_int_equal(out[i], 'y');
	assert_int_equal(out[512], '>');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_strings),
		TEST(test_signed),
		TEST(test_unsigned),
		TEST(test_pointer),
		TEST(test_width_from_argument),
		TEST(test_truncation),
		TEST(test_format_ends_after_percent),
		TEST(test_console_log_ring),
		TEST(test_kprintf_truncates_long_messages),
	};

	return cmocka_run_group_tests_name("printf", tests, NULL, NULL);
}
