/**
 * chan-test: pv-guest's channel API end to end, one image in two roles (dts/test-channels.dts).
 *
 * role=root (a privileged VM; a stand-in for the root partition): offers ECHO, CONSOLE and
 *   SINK, attaches to every channel the hypervisor announces, echoes ECHO packets back (same
 *   type, flags and txid), reads and drops SINK packets (checking that their txids count up from
 *   0 and that each payload starts with its txid) and prints each CONSOLE line as
 *   "chan-root: vm <id>: <line>". It reports "chan-root: attached channel N class C from vm V"
 *   and "chan-root: channel N closed" (for a sink: "..., P packets, B bytes, E out of order").
 *
 * role=child: runs the TEST()s below (offers, the console through the channel, echo round trips
 *   of every size class, a burst of `burst` (default 100000) small packets checked for loss and
 *   order, 64-byte round trips timed with pv_chan_send/_recv_wait and with pv_chan_call, a
 *   corrupted ring that root must close) and exits with the number of failures. Once the console
 *   channel is open its TEST lines reach the terminal through root.
 */
#include <pv/channel.h>
#include <pv/console_chan.h>
#include <pv/pv.h>
#include <pv/test.h>

#define MAX_CHANNELS SKIFF_CHAN_MAX
#define BATCH 256 /* packets taken from a channel at a time */
#define MS(n) ((n)*1000UL)

/* ---- Root role ---- */

static struct pv_chan *attached[MAX_CHANNELS]; /* by channel id */
static struct pv_chan *live[MAX_CHANNELS];     /* the attached ones, for the loop */
static unsigned int nlive;
static volatile bool rescan = true;

/* What each SINK channel delivered. */
static struct sink {
	unsigned long packets, bytes, disorder;
} sinks[MAX_CHANNELS];

static void channel_event(void)
{
	rescan = true;
}

/* Lets closed channels go and attaches to new open ones. */
static void scan(void)
{
	struct skiff_channel_info info;

	for (unsigned int id = 0; id < MAX_CHANNELS; id++) {
		if (attached[id] && attached[id]->closed) {
			struct sink *k = &sinks[id];

			if (attached[id]->info.class_id == SKIFF_CLASS_SINK)
				pv_printf(
					"chan-root: channel %u closed, %lu packets, %lu bytes, %lu "
					"out of order\n",
					id, k->packets, k->bytes, k->disorder);
			else
				pv_printf("chan-root: channel %u closed\n", id);
			pv_chan_close(attached[id]);
			attached[id] = 0;
		}
		if (attached[id] || pv_call(SKIFF_HVC_CHAN_INFO, id, (unsigned long)&info) != 0 ||
		    info.state != SKIFF_CHAN_OPEN)
			continue;
		sinks[id] = (struct sink){ 0 };
		if (pv_chan_attach(id, &attached[id]) == 0)
			pv_printf("chan-root: attached channel %u class %u from vm %u\n", id,
				  info.class_id, info.child_vm);
	}
	nlive = 0;
	for (unsigned int id = 0; id < MAX_CHANNELS; id++)
		if (attached[id])
			live[nlive++] = attached[id];
}

/* A sink packet: counted, and its order checked (txid and the payload's first word). */
static void sink(struct sink *k, const struct pv_ring_msg *m)
{
	uint64_t first = 0;

	if (m->hdr.len >= 8) /* 8-byte aligned in the receive buffer */
		first = *(const uint64_t *)m->buf;
	if (m->hdr.txid != k->packets || (m->hdr.len >= 8 && first != m->hdr.txid))
		k->disorder++;
	k->packets++;
	k->bytes += m->hdr.len;
}

static void serve_one(struct pv_chan *ch, const struct pv_ring_msg *m)
{
	if (ch->info.class_id == SKIFF_CLASS_ECHO)
		pv_chan_send_wait(ch, m->hdr.type, m->hdr.flags, m->hdr.txid, m->buf, m->hdr.len,
				  MS(1000));
	else if (ch->info.class_id == SKIFF_CLASS_CONSOLE)
		pv_printf("chan-root: vm %u: %.*s", ch->info.child_vm, (int)m->hdr.len,
			  (const char *)m->buf);
}

/*
 * Moves packets on one channel; true if there were any. A sink takes them in batches (one
 * read_index update per batch); the others a packet at a time, each answered before the next is
 * read (an echo's round trip is timed packet by packet).
 */
static bool serve(struct pv_chan *ch)
{
	static _Alignas(8) char buf[SKIFF_PKT_MAX_PAYLOAD];
	static struct pv_ring_msg msgs[BATCH];
	long n;

	if (ch->info.class_id == SKIFF_CLASS_SINK) {
		n = pv_chan_recv_batch(ch, msgs, BATCH, buf, sizeof(buf));
		for (long i = 0; i < n; i++)
			sink(&sinks[ch->info.channel_id], &msgs[i]);
		return n > 0;
	}
	for (n = 0; n < 64; n++) {
		struct pv_ring_msg m = { .buf = buf };

		if (pv_chan_recv(ch, &m.hdr, buf, sizeof(buf)) < 0)
			break;
		serve_one(ch, &m);
	}
	return n > 0;
}

static int root_main(void)
{
	pv_console_chan_off();
	pv_chan_set_event_hook(channel_event);
	if (pv_call(SKIFF_HVC_CHAN_OFFER, SKIFF_CLASS_ECHO, 0) < 0 ||
	    pv_call(SKIFF_HVC_CHAN_OFFER, SKIFF_CLASS_CONSOLE, 0) < 0 ||
	    pv_call(SKIFF_HVC_CHAN_OFFER, SKIFF_CLASS_SINK, 0) < 0) {
		pv_printf("chan-root: cannot offer\n");
		return 1;
	}
	pv_printf("chan-root: offering echo, console and sink\n");
	for (;;) {
		unsigned long seen = pv_event_count();
		bool busy = false;

		if (rescan) {
			rescan = false;
			scan();
		}
		for (unsigned int i = 0; i < nlive; i++)
			busy |= serve(live[i]);
		if (busy || rescan)
			continue;
		/* Idle: doorbells on again, unless a packet slipped in while they were off. */
		for (unsigned int i = 0; i < nlive; i++)
			busy |= pv_chan_unmask(live[i]) > 0;
		if (!busy)
			pv_wait_event_since(seen);
		for (unsigned int i = 0; i < nlive; i++)
			pv_chan_mask(live[i]);
	}
}

/* ---- Child role ---- */

static struct pv_chan *echo;

static bool wait_offer(unsigned int class_id, struct skiff_offer *offer)
{
	unsigned long give_up = pv_now() + pv_us_to_ticks(MS(3000));

	while (pv_chan_find_offer(class_id, 0, offer) != 0)
		if (pv_now() >= give_up)
			return false;
		else
			pv_sleep_us(MS(10));
	return true;
}

TEST(chan_offers_listed)
{
	struct skiff_offer offer, all[4];

	CHECK(wait_offer(SKIFF_CLASS_ECHO, &offer));
	CHECK(wait_offer(SKIFF_CLASS_CONSOLE, &offer));
	CHECK(wait_offer(SKIFF_CLASS_SINK, &offer));
	CHECK_EQ(pv_chan_list_offers(all, 4), 3);
	CHECK_EQ(pv_chan_list_offers(all, 0), 3);
	CHECK_EQ(pv_chan_find_offer(SKIFF_CLASS_HEARTBEAT, 0, &offer), SKIFF_E_NOENT);
	CHECK_EQ(pv_chan_open(SKIFF_CLASS_HEARTBEAT, 0, 0, &echo), SKIFF_E_NOENT);
	CHECK_EQ(pv_chan_open(SKIFF_CLASS_ECHO, 0, 5, &echo), SKIFF_E_INVAL);
	CHECK_EQ(pv_chan_open(SKIFF_CLASS_ECHO, 0, 258, &echo), SKIFF_E_INVAL);
}

TEST(chan_console_through_channel)
{
	struct pv_chan *con;

	CHECK_EQ(pv_console_chan_open(), 0);
	con = pv_console_chan();
	CHECK(con != 0);
	CHECK_EQ(con->info.class_id, SKIFF_CLASS_CONSOLE);
	pv_printf("chan-test: this line went through the console channel\n");
	CHECK(con->sent >= 1);
}

TEST(chan_echo_open)
{
	CHECK_EQ(pv_chan_open(SKIFF_CLASS_ECHO, 0, 16, &echo), 0);
	CHECK_EQ(echo->info.state, SKIFF_CHAN_OPEN);
	CHECK_EQ(echo->info.npages, 16);
	CHECK_EQ(echo->info.ring_ipa, (unsigned long)echo->pages);
	CHECK(echo->info.my_port >= SKIFF_EV_FIRST_FREE);
	CHECK_EQ(echo->tx.size, 7 * 4096);
}

/* One packet of `len` bytes there and back. */
static long echo_once(uint32_t len, uint64_t txid, char *out, char *in)
{
	struct skiff_packet pkt;
	long rc;

	for (uint32_t i = 0; i < len; i++)
		out[i] = (char)(txid + i * 13);
	rc = pv_chan_send_wait(echo, SKIFF_PKT_REQUEST, SKIFF_PKT_F_COMPLETION, txid, out, len,
			       MS(2000));
	if (rc)
		return rc;
	rc = pv_chan_recv_wait(echo, &pkt, in, len, MS(2000));
	if (rc < 0)
		return rc;
	if (pkt.txid != txid || pkt.type != SKIFF_PKT_REQUEST || pkt.flags != 1 ||
	    rc != (long)len || memcmp(in, out, len) != 0)
		return -1000;
	return 0;
}

TEST(chan_echo_every_size)
{
	static const uint32_t lens[] = { 0, 1, 7, 8, 9, 64, 1000, 4096, 12345, 28648 };
	static char out[28672], in[28672];

	CHECK(echo != 0);
	for (unsigned int i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		CHECK_EQ(echo_once(lens[i], 0x1000 + i, out, in), 0);
	CHECK_EQ(pv_chan_send(echo, 1, 0, 0, out, 28649), PV_RING_TOOBIG); /* > 7 pages - 8 */
}

/* Pipelined: sends while there is room, takes echoes as they come, waits only when neither. */
TEST(chan_echo_burst)
{
	unsigned long n = pv_arg_ulong("burst", 100000), sent = 0, got = 0, t0 = pv_now();
	unsigned long fulls = 0, waits = 0, rounds = 0, bells = echo ? echo->doorbells : 0;
	char buf[64];

	CHECK(echo != 0);
	while (got < n) {
		unsigned long seen = echo->doorbells;
		struct skiff_packet pkt;
		bool progress = false;
		long rc;

		while (sent < n && sent - got < 512) {
			uint32_t len = 8 + (uint32_t)(sent % 41);

			memcpy(buf, &sent, 8);
			rc = pv_chan_send(echo, SKIFF_PKT_DATA, 0, sent, buf, len);
			if (rc == PV_RING_FULL) {
				fulls++;
				break;
			}
			CHECK_EQ(rc, 0);
			sent++;
			progress = true;
		}
		while ((rc = pv_chan_recv(echo, &pkt, buf, sizeof(buf))) >= 0) {
			unsigned long seq;

			memcpy(&seq, buf, 8);
			CHECK_EQ(seq, got);
			CHECK_EQ(pkt.txid, got);
			CHECK_EQ(rc, 8 + (long)(got % 41));
			got++;
			progress = true;
		}
		CHECK_EQ(rc, PV_RING_EMPTY);
		rounds++;
		if (!progress && pv_chan_unmask(echo) == 0) {
			waits++;
			CHECK(pv_chan_wait(echo, seen, MS(2000)));
		}
		pv_chan_mask(echo);
	}
	CHECK_EQ(pv_chan_unmask(echo), 0);
	pv_printf("chan-test: burst of %lu packets echoed in order in %lu us (%lu times full, %lu "
		  "rounds, %lu waits, %lu doorbells)\n",
		  n, pv_ticks_to_us(pv_now() - t0), fulls, rounds, waits, echo->doorbells - bells);
}

/* One 64-byte request at a time, each answered before the next: the doorbell path every time. */
TEST(chan_echo_pingpong)
{
	unsigned long n = 2000, t0 = pv_now(), ns;
	char out[64] = { 1 }, in[64];
	struct skiff_packet pkt;

	CHECK(echo != 0);
	for (unsigned long i = 0; i < n; i++)
		CHECK_EQ(echo_once(sizeof(out), i, out, in), 0);
	ns = pv_ticks_to_us((pv_now() - t0) * 1000) / n;
	pv_printf("chan-test: %lu round trips of 64 bytes, %lu ns each (send, recv_wait)\n", n, ns);
	t0 = pv_now();
	for (unsigned long i = 0; i < n; i++) {
		CHECK_EQ(pv_chan_call(echo, SKIFF_PKT_REQUEST, 0, i, out, sizeof(out), &pkt, in,
				      sizeof(in)),
			 sizeof(in));
		CHECK_EQ(pkt.txid, i);
	}
	ns = pv_ticks_to_us((pv_now() - t0) * 1000) / n;
	pv_printf("chan-test: %lu round trips of 64 bytes, %lu ns each (pv_chan_call)\n", n, ns);
}

/* A child that scribbles on its ring: root must close the channel and say who did it. */
TEST(chan_corrupt_ring_is_closed)
{
	unsigned long give_up = pv_now() + pv_us_to_ticks(MS(2000));
	struct skiff_channel_info info;
	struct pv_chan *bad;
	unsigned int id;

	CHECK_EQ(pv_chan_open(SKIFF_CLASS_ECHO, 0, 4, &bad), 0);
	bad->tx.hdr->write_index = 12; /* not a multiple of 8 */
	CHECK_EQ(pv_event_send(bad->info.peer_vm, bad->info.peer_port), 0);
	while (!bad->closed && pv_now() < give_up)
		pv_sleep_us(MS(10));
	CHECK(bad->closed);
	CHECK_EQ(pv_chan_send(bad, 1, 0, 0, 0, 0), PV_CHAN_CLOSED);
	id = bad->info.channel_id;
	CHECK_EQ(pv_call(SKIFF_HVC_CHAN_INFO, id, (unsigned long)&info), 0);
	CHECK_EQ(info.state, SKIFF_CHAN_CLOSED); /* root closed its end; ours is still to close */
	CHECK_EQ(pv_chan_close(bad), 0);
	/* closed by both ends: the id is free (pv_chan_close closes even a channel the peer closed)
	 */
	CHECK_EQ(pv_call(SKIFF_HVC_CHAN_INFO, id, (unsigned long)&info), SKIFF_E_NOENT);
	CHECK(echo && !echo->closed); /* the other channel is unaffected */
	CHECK_EQ(echo_once(16, 77, (char[16]){ 0 }, (char[16]){ 0 }), 0);
}

int main(void)
{
	unsigned long len;
	const char *role = pv_args_find(pv_args(), "role", &len);

	if (role && len == 4 && memcmp(role, "root", 4) == 0)
		return root_main();
	return pv_run_tests();
}
