/** The in-guest test runner (pv/test.h). */
#include <pv/console.h>
#include <pv/fmt.h>
#include <pv/string.h>
#include <pv/test.h>

/* The linker collects every TEST()'s descriptor pointer here (pv-guest.ld; GNU ld on the host). */
extern const struct pv_test *const __start_pv_tests[], *const __stop_pv_tests[];

void pv_test_fail(struct pv_test_ctx *ctx, const char *file, int line, const char *fmt, ...)
{
	unsigned long n;
	va_list ap;

	if (ctx->failed)
		return;
	ctx->failed = true;
	n = (unsigned long)pv_snprintf(ctx->where, sizeof(ctx->where), "%s:%d: ", file, line);
	if (n >= sizeof(ctx->where))
		return;
	va_start(ap, fmt);
	pv_vsnprintf(ctx->where + n, sizeof(ctx->where) - n, fmt, ap);
	va_end(ap);
}

static bool runs_before(const struct pv_test *a, const struct pv_test *b)
{
	int c = strcmp(a->file, b->file);

	return c < 0 || (c == 0 && a->line < b->line);
}

/* The first test in source order that runs after `prev` (NULL: the very first). */
static const struct pv_test *next_test(const struct pv_test *prev)
{
	const struct pv_test *best = 0;

	for (const struct pv_test *const *t = __start_pv_tests; t < __stop_pv_tests; t++)
		if ((!prev || runs_before(prev, *t)) && (!best || runs_before(*t, best)))
			best = *t;
	return best;
}

static bool run_one(const struct pv_test *t)
{
	struct pv_test_ctx ctx = { .failed = false };

	t->fn(&ctx);
	if (ctx.failed)
		pv_printf("TEST %s: FAIL (%s)\n", t->name, ctx.where);
	else
		pv_printf("TEST %s: PASS\n", t->name);
	return !ctx.failed;
}

int pv_run_tests(void)
{
	int passed = 0, failed = 0;

	for (const struct pv_test *t = next_test(0); t; t = next_test(t)) {
		if (run_one(t))
			passed++;
		else
			failed++;
	}
	pv_printf("TESTS: %d passed, %d failed\n", passed, failed);
	return failed;
}
