/**
 * In-guest tests. A test is a function declared with TEST(name) anywhere in a guest; it stops at
 * its first failed CHECK. pv_run_tests() runs every test of the image in source order and prints,
 * one line each (the QEMU test driver matches these exactly):
 *     TEST <name>: PASS
 *     TEST <name>: FAIL (<file>:<line>: <expression>)
 *     TESTS: <N> passed, <M> failed
 * CHECK_EQ adds both values to the expression: "a == b: 5 != 3".
 *
 *     TEST(adds) { CHECK_EQ(1 + 1, 2); }
 */
#ifndef PV_TEST_H
#define PV_TEST_H

#include <pv/string.h>
#include <stdbool.h>

/** One test's state while it runs. */
struct pv_test_ctx {
	bool failed;
	char where[160]; /* "<file>:<line>: <expression>" of the first failed check */
};

/** A registered test; pointers to these sit in the `pv_tests` section. */
struct pv_test {
	const char *name, *file;
	int line;
	void (*fn)(struct pv_test_ctx *ctx);
};

#define TEST(name_)                                                                 \
	static void pv_test_fn_##name_(struct pv_test_ctx *pv_ctx_);                \
	static const struct pv_test pv_test_##name_ = { #name_, __FILE__, __LINE__, \
							pv_test_fn_##name_ };       \
	static const struct pv_test *const pv_test_ptr_##name_                      \
		__attribute__((section("pv_tests"), used)) = &pv_test_##name_;      \
	static void pv_test_fn_##name_(struct pv_test_ctx *pv_ctx_ __attribute__((unused)))

#define CHECK(cond_)                                                             \
	do {                                                                     \
		if (!(cond_)) {                                                  \
			pv_test_fail(pv_ctx_, __FILE__, __LINE__, "%s", #cond_); \
			return;                                                  \
		}                                                                \
	} while (0)

/** Compares as signed 64-bit integers (pointers too) and reports both values on failure. */
#define CHECK_EQ(a_, b_)                                                                         \
	do {                                                                                     \
		long long pv_a_ = (long long)(a_), pv_b_ = (long long)(b_);                      \
		if (pv_a_ != pv_b_) {                                                            \
			pv_test_fail(pv_ctx_, __FILE__, __LINE__, "%s == %s: %lld != %lld", #a_, \
				     #b_, pv_a_, pv_b_);                                         \
			return;                                                                  \
		}                                                                                \
	} while (0)

/** Compares two NUL-terminated strings. */
#define CHECK_STREQ(a_, b_)                                                                     \
	do {                                                                                    \
		const char *pv_a_ = (a_), *pv_b_ = (b_);                                        \
		if (strcmp(pv_a_, pv_b_) != 0) {                                                \
			pv_test_fail(pv_ctx_, __FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", \
				     #a_, #b_, pv_a_, pv_b_);                                   \
			return;                                                                 \
		}                                                                               \
	} while (0)

/** Records a failure (first one wins); CHECK* call it and return. */
void pv_test_fail(struct pv_test_ctx *ctx, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/** Runs every TEST() of the image; returns the number that failed. */
int pv_run_tests(void);

#endif
