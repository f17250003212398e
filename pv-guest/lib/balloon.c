/**
 * The balloon (pv/balloon.h): runs of pages taken from the heap with pv_alloc_pages_uninit, up to
 * 2 MiB each (one hypercall and one level-3 table walk in the hypervisor per run), recorded here,
 * never in the pages themselves: writing to a released page would take a frame back.
 */
#include <pv/alloc.h>
#include <pv/balloon.h>
#include <pv/irq.h>
#include <pv/vm.h>

#define PAGE 4096UL
#define RUN_MAX 512UL /* pages: 2 MiB */
#define RUNS 2048     /* up to 4 GiB in 2 MiB runs */

struct run {
	void *addr;
	unsigned long npages;
};

static struct run runs[RUNS];
static unsigned nruns;
static unsigned long held;

unsigned long pv_balloon_pages(void)
{
	return held;
}

unsigned long pv_balloon_free_bytes(void)
{
	return pv_heap_free_bytes();
}

/* Takes one run of at most `want` pages from the heap and releases it; false if none is left. */
static bool inflate_run(unsigned long want)
{
	unsigned long n = want < RUN_MAX ? want : RUN_MAX;
	void *p = 0;
	long got;

	while (n && !(p = pv_alloc_pages_uninit(n)))
		n /= 2;
	if (!p)
		return false;
	got = pv_mem_release(p, n);
	if (got != (long)n) { /* refused (pages granted to a channel?): keep the heap whole */
		pv_free_pages(p, n);
		return false;
	}
	runs[nruns++] = (struct run){ p, n };
	held += n;
	return true;
}

static void deflate_run(unsigned long excess)
{
	struct run *r = &runs[nruns - 1];
	unsigned long n = r->npages <= excess ? r->npages : excess;

	/* The run's tail goes back; what it held reads zeros once touched. */
	pv_free_pages((char *)r->addr + (r->npages - n) * PAGE, n);
	r->npages -= n;
	held -= n;
	if (!r->npages)
		nruns--;
}

unsigned long pv_balloon_set(unsigned long pages)
{
	unsigned long flags = pv_irq_save();

	while (held < pages && nruns < RUNS && inflate_run(pages - held))
		;
	while (held > pages)
		deflate_run(held - pages);
	pv_irq_restore(flags);
	return held;
}
