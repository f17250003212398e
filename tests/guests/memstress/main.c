/**
 * memstress: fills `pages` pages of its heap with per-page patterns derived from `seed` (default:
 * its VM id), sleeps `sleep-ms` (default 100), then checks every page, `rounds` times (default 1).
 * With `repeat=K` page i holds the pattern of page i % K, so a VM has only K distinct pages (and
 * VMs with the same seed hold the same pages): material for page sharing. After each round:
 *     memstress: vm <id> round <r> PASS <pages> pages (resident <KiB> KiB, shared <KiB> KiB),
 *         ballooned <KiB> KiB
 * or  memstress: vm <id> round <r> FAIL <bad> of <pages> pages bad
 * and at the end "memstress: vm <id> done" (exit 0) or exit 1 after a FAIL. Between rounds the
 * pattern's generation changes, so every round writes every page again; with `keep=1` the pages
 * are written once and every round checks them again (a balloon inflated and deflated meanwhile
 * must not have touched them). `scratch=N` first writes N more pages (their content differs from
 * VM to VM) and frees them: heap the guest has used and given up, which its balloon can give
 * back with frames behind it. `delay-ms` waits before anything is written.
 */
#include <pv/pv.h>

#define PAGE 4096UL
#define WORDS (PAGE / sizeof(unsigned long))

static unsigned long pattern(unsigned long seed, unsigned long gen, unsigned long page,
			     unsigned long word)
{
	unsigned long x = (seed << 40 ^ gen << 32 ^ page << 12 ^ word) * 0x9e3779b97f4a7c15UL;

	return x ^ (x >> 29);
}

static void fill(unsigned long *buf, unsigned long pages, unsigned long repeat, unsigned long seed,
		 unsigned long gen)
{
	for (unsigned long p = 0; p < pages; p++)
		for (unsigned long w = 0; w < WORDS; w++)
			buf[p * WORDS + w] = pattern(seed, gen, repeat ? p % repeat : p, w);
}

static unsigned long bad_pages(const unsigned long *buf, unsigned long pages, unsigned long repeat,
			       unsigned long seed, unsigned long gen)
{
	unsigned long bad = 0;

	for (unsigned long p = 0; p < pages; p++)
		for (unsigned long w = 0; w < WORDS; w++)
			if (buf[p * WORDS + w] != pattern(seed, gen, repeat ? p % repeat : p, w)) {
				bad++;
				break;
			}
	return bad;
}

/* Writes `n` pages of the heap (each page different) and frees them again. */
static void scribble(unsigned long n, unsigned long id)
{
	unsigned long *p = n ? pv_alloc_pages(n) : 0;

	if (n && !p)
		pv_panic("no heap for %lu scratch pages", n);
	for (unsigned long i = 0; i < n * WORDS; i += WORDS / 8)
		p[i] = id << 40 | i | 1;
	if (n)
		pv_free_pages(p, n);
}

int main(void)
{
	unsigned long id = pv_start_info()->vm_id;
	unsigned long pages = pv_arg_ulong("pages", 256), seed = pv_arg_ulong("seed", id);
	unsigned long repeat = pv_arg_ulong("repeat", 0), rounds = pv_arg_ulong("rounds", 1);
	unsigned long keep = pv_arg_ulong("keep", 0);
	unsigned long *buf = pv_alloc_pages(pages);
	struct skiff_mem_info mi;

	if (!buf)
		pv_panic("no heap for %lu pages", pages);
	pv_sleep_us(pv_arg_ulong("delay-ms", 0) * 1000);
	scribble(pv_arg_ulong("scratch", 0), id);
	for (unsigned long r = 1; r <= rounds; r++) {
		unsigned long gen = keep ? 1 : r, bad;
		if (!keep || r == 1)
			fill(buf, pages, repeat, seed, gen);
		pv_sleep_us(pv_arg_ulong("sleep-ms", 100) * 1000);
		bad = bad_pages(buf, pages, repeat, seed, gen);
		if (bad) {
			pv_printf("memstress: vm %lu round %lu FAIL %lu of %lu pages bad\n", id, r,
				  bad, pages);
			return 1;
		}
		if (pv_mem_info(&mi))
			pv_panic("MEM_INFO failed");
		pv_printf("memstress: vm %lu round %lu PASS %lu pages (resident %llu KiB, shared "
			  "%llu KiB), ballooned %llu KiB\n",
			  id, r, pages, mi.resident >> 10, mi.shared >> 10, mi.ballooned >> 10);
	}
	pv_printf("memstress: vm %lu done\n", id);
	return 0;
}
