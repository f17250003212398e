/**
 * bystander: the VM that must not notice the adversaries. Every `period-ms` (default 100) it
 * recomputes a pattern over 256 KiB of its heap, checks it, checks the counter moved on as far
 * as it slept, and prints "bystander: round N ok". Any difference is printed and the VM exits 1.
 * Stops after `count` rounds when the args set it (default: never).
 */
#include <pv/pv.h>

#define WORDS (256 * 1024 / sizeof(unsigned long))

static unsigned long pattern(unsigned long i)
{
	unsigned long x = i * 0x9e3779b97f4a7c15UL;

	return x ^ (x >> 29);
}

/* Index of the first word that differs from the pattern, or WORDS. */
static unsigned long check(const volatile unsigned long *buf)
{
	for (unsigned long i = 0; i < WORDS; i++)
		if (buf[i] != pattern(i))
			return i;
	return WORDS;
}

int main(void)
{
	unsigned long period = pv_us_to_ticks(pv_arg_ulong("period-ms", 100) * 1000);
	unsigned long count = pv_arg_ulong("count", 0), next = pv_now(), bad;
	unsigned long *buf = pv_malloc(WORDS * sizeof(*buf));

	if (!buf)
		pv_panic("no memory for the pattern");
	for (unsigned long i = 0; i < WORDS; i++)
		buf[i] = pattern(i);
	for (unsigned long round = 1; !count || round <= count; round++) {
		next += period;
		pv_sleep_until(next);
		bad = check(buf);
		if (bad != WORDS || pv_now() < next) {
			pv_printf("bystander: round %lu FAIL: word %lu is 0x%lx, now %lu < %lu?\n",
				  round, bad, bad < WORDS ? buf[bad] : 0, pv_now(), next);
			return 1;
		}
		pv_printf("bystander: round %lu ok\n", round);
	}
	return 0;
}
