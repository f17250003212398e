/**
 * chan-stream: one-way channel throughput (make bench: channel_throughput_4k and _64;
 * dts/bench-channels.dts). For each packet size it opens a channel of `pages` (256) pages to the
 * SINK service of a chan-test in role=root, which reads every packet out of the ring and drops
 * it, and sends `bytes` (64 MiB) of payload in packets of that size, timed from the first send
 * until the sink has read the last packet (pv_chan_drain). Both VMs share the one CPU, so the
 * time covers the writer's and the reader's work, doorbells and VM switches included.
 *
 * Batching as the ring protocol allows: packets are written while there is room (each one's
 * first word is its txid, which the sink checks) and the sink is rung at most once per batch
 * (only when the ring was empty and the sink not polling); when the ring is full the writer asks
 * to be rung once half of it is free (pv_chan_wait_space), not as soon as one packet fits.
 *
 * Under `-icount shift=0,sleep=off` one instruction is 1 ns, so bytes / ns is bytes per
 * instruction. Prints, per size:
 *   chan-stream: P packets of S bytes (B bytes) in N ns: X.XX bytes per instruction
 *   BENCH channel_throughput_<4k|64> X.XX bytes/instruction
 * then "bench: done"; a failure prints "chan-stream: FAIL ..." and exits 1.
 */
#include <pv/channel.h>
#include <pv/pv.h>

#define OFFER_WAIT_US 5000000UL
#define BATCH 64U

static const struct {
	uint32_t size;
	const char *name;
} sizes[] = { { 4096, "4k" }, { 64, "64" } };

static struct pv_chan *open_sink(unsigned int pages)
{
	unsigned long give_up = pv_now() + pv_us_to_ticks(OFFER_WAIT_US);
	struct pv_chan *ch;

	while (pv_chan_open(SKIFF_CLASS_SINK, 0, pages, &ch) != 0) {
		if (pv_now() >= give_up)
			return 0;
		pv_sleep_us(10000);
	}
	return ch;
}

/*
 * Sends `count` packets of `size` bytes, BATCH at a time (pv_chan_send_batch: one write_index
 * update and at most one doorbell per batch); 0 once the sink has read them all. Each packet's
 * payload is a slot of `slots`, its first word the packet's txid.
 */
static long stream(struct pv_chan *ch, uint32_t size, unsigned long count, char *slots)
{
	static struct pv_ring_msg msgs[BATCH];
	uint32_t half = ch->tx.size / 2;
	uint64_t sent = 0;

	while (sent < count) {
		unsigned int n = count - sent < BATCH ? (unsigned int)(count - sent) : BATCH;
		long rc;

		for (unsigned int i = 0; i < n; i++) {
			char *buf = slots + (size_t)i * size;
			uint64_t txid = sent + i;

			*(uint64_t *)buf = txid; /* slots are 8-byte aligned */
			msgs[i].hdr.type =
				SKIFF_PKT_DATA; /* not a struct literal: memset, memcpy */
			msgs[i].hdr.flags = 0;
			msgs[i].hdr.len = size;
			msgs[i].hdr.txid = txid;
			msgs[i].buf = buf;
		}
		rc = pv_chan_send_batch(ch, msgs, n);
		if (rc > 0)
			sent += (unsigned long)rc;
		else if (rc == PV_RING_FULL)
			rc = pv_chan_wait_space(ch, half, 0);
		if (rc < 0)
			return rc;
	}
	return pv_chan_drain(ch, 0);
}

/* One size: prints its figure; 0, or what went wrong. */
static long measure(unsigned int pages, uint32_t size, unsigned long bytes, const char *name)
{
	static _Alignas(8) char slots[BATCH * 4096];
	unsigned long count = bytes / size, t0, ns;
	struct pv_chan *ch = open_sink(pages);
	long rc;

	if (!count)
		return SKIFF_E_INVAL;
	if (!ch)
		return SKIFF_E_NOENT;
	t0 = pv_now();
	rc = stream(ch, size, count, slots);
	ns = pv_ticks_to_us((pv_now() - t0) * 1000);
	pv_chan_close(ch);
	if (rc)
		return rc;
	bytes = count * size;
	pv_printf("chan-stream: %lu packets of %u bytes (%lu bytes) in %lu ns: %lu.%02lu bytes per "
		  "instruction\n",
		  count, size, bytes, ns, bytes / ns, bytes * 100 / ns % 100);
	pv_printf("BENCH channel_throughput_%s %lu.%02lu bytes/instruction\n", name, bytes / ns,
		  bytes * 100 / ns % 100);
	return 0;
}

int main(void)
{
	unsigned long pages = pv_arg_ulong("pages", SKIFF_RING_MAX_PAGES);
	unsigned long bytes = pv_arg_ulong("bytes", 64UL << 20);

	for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		long rc = measure((unsigned int)pages, sizes[i].size, bytes, sizes[i].name);

		if (rc) {
			pv_printf("chan-stream: FAIL: %u-byte packets: %s (%ld)\n", sizes[i].size,
				  pv_ring_strerror(rc), rc);
			return 1;
		}
	}
	pv_printf("bench: done\n");
	return 0;
}
