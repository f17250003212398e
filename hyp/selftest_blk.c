/**
 * `skiff.selftest=blk`: the block device end to end. SELFTEST_BLK_REQS requests of 1..8 sectors,
 * spread evenly over the disk from sector 0 to the last sector, each sector filled with a pattern
 * computed from its number, are written with as many in flight as the queue takes, then read
 * back and compared; submits that must be refused (past the end, bad lengths, writes to a
 * read-only disk) are checked first. One summary line says PASS or FAIL.
 *
 * tests/qemu/test_blk.py recomputes the layout and the pattern (selftest_blk_layout and
 * selftest_blk_word, keep them in step) and checks the disk file on the host.
 */
#include <skiff/blk.h>
#include <skiff/console.h>
#include <skiff/mem.h>
#include <skiff/mm.h>
#include <skiff/selftest.h>
#include <skiff/string.h>
#include <skiff/timer.h>

#define SELFTEST_BLK_REQS 64U
#define SELFTEST_BLK_MAX_SECTORS 8U /* a request's sectors: 1 + index % 8 */
#define SELFTEST_BLK_SEED 0x5eed0fb10c5ULL
#define SELFTEST_BLK_TIMEOUT_US 10000000U
#define WORDS_PER_SECTOR (BLK_SECTOR_SIZE / 8)

struct req {
	uint64_t sector;
	uint32_t nsect;
	paddr_t buf;
	int status;
};

static struct {
	struct req req[SELFTEST_BLK_REQS];
	volatile unsigned inflight; /* changed by done() in the interrupt handler */
	unsigned max_inflight;
	unsigned problems;
} st;

/* Request @i's place: starts spread evenly, the last (8 sectors) ending at the last sector. */
static void selftest_blk_layout(uint64_t capacity, unsigned i, uint64_t *sector, uint32_t *nsect)
{
	*nsect = 1 + i % SELFTEST_BLK_MAX_SECTORS;
	*sector = (capacity - SELFTEST_BLK_MAX_SECTORS) * i / (SELFTEST_BLK_REQS - 1);
}

/* Word @w of sector @s: a multiply-xorshift of (s, w), distinct for every word on the disk. */
static uint64_t selftest_blk_word(uint64_t s, unsigned w)
{
	uint64_t x = ((s << 6) | w) ^ SELFTEST_BLK_SEED;

	x *= 0x9e3779b97f4a7c15ULL;
	return x ^ (x >> 29);
}

static void problem(const char *what, int got, int want)
{
	kprintf("selftest: blk: FAIL: %s: %s (%d), expected %s (%d)\n", what, blk_strerror(got),
		got, blk_strerror(want), want);
	st.problems++;
}

static void done(void *ctx, int status)
{
	((struct req *)ctx)->status = status;
	st.inflight--;
}

/* Waits (interrupts, or polling if there are none) until at most @left requests are in flight. */
static bool wait_until(unsigned left)
{
	uint64_t deadline = arch_counter_now() + timer_us_to_ticks(SELFTEST_BLK_TIMEOUT_US);

	for (blk_poll(); st.inflight > left; blk_poll()) {
		if (arch_counter_now() > deadline)
			return false;
		arch_wait_for_interrupt();
	}
	return true;
}

/* Submits @r, waiting for room while the queue is full. */
static int submit(struct req *r, bool write)
{
	int err;

	r->status = 1; /* not done */
	for (;;) {
		err = blk_submit(r->sector, r->buf, r->nsect * BLK_SECTOR_SIZE, write, done, r);
		if (err != BLK_E_BUSY || !st.inflight || !wait_until(st.inflight - 1))
			break;
	}
	if (err == BLK_OK && ++st.inflight > st.max_inflight)
		st.max_inflight = st.inflight;
	return err;
}

static void run_all(bool write)
{
	const char *what = write ? "write" : "read";

	for (unsigned i = 0; i < SELFTEST_BLK_REQS; i++) {
		int err = submit(&st.req[i], write);
		if (err != BLK_OK) {
			problem(what, err, BLK_OK);
			return;
		}
	}
	if (!wait_until(0)) {
		kprintf("selftest: blk: FAIL: %u request(s) still in flight after %u s\n",
			st.inflight, SELFTEST_BLK_TIMEOUT_US / 1000000);
		st.problems++;
		return;
	}
	for (unsigned i = 0; i < SELFTEST_BLK_REQS; i++)
		if (st.req[i].status != BLK_OK)
			problem(what, st.req[i].status, BLK_OK);
}

static void fill(const struct req *r)
{
	uint64_t *w = pa_to_ptr(r->buf);

	for (uint32_t s = 0; s < r->nsect; s++)
		for (unsigned i = 0; i < WORDS_PER_SECTOR; i++)
			*w++ = selftest_blk_word(r->sector + s, i);
}

/* The sectors of @r that do not hold their pattern. */
static unsigned mismatches(const struct req *r)
{
	const uint64_t *w = pa_to_ptr(r->buf);
	unsigned bad = 0;

	for (uint32_t s = 0; s < r->nsect; s++, w += WORDS_PER_SECTOR)
		for (unsigned i = 0; i < WORDS_PER_SECTOR; i++)
			if (w[i] != selftest_blk_word(r->sector + s, i)) {
				bad++;
				break;
			}
	return bad;
}

static void expect_refused(const char *what, uint64_t sector, uint32_t bytes, bool write, int want)
{
	int got = blk_submit(sector, st.req[0].buf, bytes, write, done, &st.req[0]);

	if (got == BLK_OK)
		st.inflight++; /* so that the wait below collects it */
	if (got != want)
		problem(what, got, want);
}

static void check_refusals(uint64_t cap)
{
	expect_refused("read at the end", cap, BLK_SECTOR_SIZE, false, BLK_E_RANGE);
	expect_refused("read across the end", cap - 1, 2 * BLK_SECTOR_SIZE, false, BLK_E_RANGE);
	expect_refused("read far past the end", UINT64_MAX, BLK_SECTOR_SIZE, false, BLK_E_RANGE);
	expect_refused("read of 0 bytes", 0, 0, false, BLK_E_INVAL);
	expect_refused("read of 100 bytes", 0, 100, false, BLK_E_INVAL);
	expect_refused("write of 513 bytes", 0, BLK_SECTOR_SIZE + 1, true, BLK_E_INVAL);
	if (blk_read_only())
		expect_refused("write to a read-only disk", 0, BLK_SECTOR_SIZE, true, BLK_E_ROFS);
	wait_until(0);
}

static unsigned place_requests(uint64_t cap, paddr_t bufs)
{
	unsigned sectors = 0;

	for (unsigned i = 0; i < SELFTEST_BLK_REQS; i++) {
		struct req *r = &st.req[i];
		selftest_blk_layout(cap, i, &r->sector, &r->nsect);
		r->buf = pa_add(bufs, i * PAGE_SIZE);
		sectors += r->nsect;
	}
	return sectors;
}

/* Writes every request's pattern, reads it back into cleared buffers, compares. */
static unsigned write_and_verify(void)
{
	unsigned bad = 0;

	for (unsigned i = 0; i < SELFTEST_BLK_REQS; i++)
		fill(&st.req[i]);
	run_all(true);
	for (unsigned i = 0; i < SELFTEST_BLK_REQS; i++)
		memset(pa_to_ptr(st.req[i].buf), 0, PAGE_SIZE);
	run_all(false);
	for (unsigned i = 0; i < SELFTEST_BLK_REQS; i++)
		bad += mismatches(&st.req[i]);
	return bad;
}

static void summary(unsigned sectors, unsigned bad)
{
	const char *verdict = st.problems || bad ? "FAIL" : "PASS";

	if (blk_read_only())
		kprintf("selftest: blk: %s: read-only disk: writes refused, %u sectors in %u "
			"requests "
			"read, up to %u in flight, %u problem(s)\n",
			verdict, sectors, SELFTEST_BLK_REQS, st.max_inflight, st.problems);
	else
		kprintf("selftest: blk: %s: %u sectors in %u requests written and read back, "
			"%u mismatched, up to %u in flight, %u problem(s)\n",
			verdict, sectors, SELFTEST_BLK_REQS, bad, st.max_inflight, st.problems);
}

void selftest_blk(void)
{
	uint64_t cap = blk_capacity_sectors();
	unsigned sectors, bad = 0;
	paddr_t bufs;

	memset(&st, 0, sizeof(st));
	if (!blk_available()) {
		kprintf("selftest: blk: no block device\n");
		return;
	}
	if (cap < SELFTEST_BLK_REQS * SELFTEST_BLK_MAX_SECTORS) {
		kprintf("selftest: blk: FAIL: the disk has %lu sectors, the test needs %u\n",
			(unsigned long)cap, SELFTEST_BLK_REQS * SELFTEST_BLK_MAX_SECTORS);
		return;
	}
	if (!frame_alloc(&frames, SELFTEST_BLK_REQS, 1, &bufs)) {
		kprintf("selftest: blk: FAIL: no memory for %u buffers\n", SELFTEST_BLK_REQS);
		return;
	}
	sectors = place_requests(cap, bufs);
	kprintf("selftest: blk: %u requests of 1-%u sectors over %lu sectors, %u in flight at "
		"most\n",
		SELFTEST_BLK_REQS, SELFTEST_BLK_MAX_SECTORS, (unsigned long)cap,
		blk_max_inflight());
	check_refusals(cap);
	if (blk_read_only())
		run_all(false);
	else
		bad = write_and_verify();
	summary(sectors, bad);
	frame_free(&frames, bufs, SELFTEST_BLK_REQS);
}
