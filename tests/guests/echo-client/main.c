/**
 * echo-client: `count` (100000) packets of `size` (64) bytes through the root partition's ECHO
 * service, pipelined (it sends while the ring has room and takes replies as they come), each reply
 * checked for its txid, length and bytes, so a lost, duplicated or reordered packet is caught.
 * Prints "echo-client: N packets of S bytes, all back in order, T us" and exits 0, or a FAIL line
 * and exits 1 (tests/qemu/test_root_services.py).
 */
#include <pv/channel.h>
#include <pv/pv.h>

#define PAGES 16
#define OFFER_WAIT_US 5000000UL
#define REPLY_WAIT_US 2000000UL

static void fill(char *buf, unsigned long size, unsigned long txid)
{
	for (unsigned long i = 0; i < size; i++)
		buf[i] = (char)(txid * 7 + i);
}

static struct pv_chan *open_echo(void)
{
	unsigned long give_up = pv_now() + pv_us_to_ticks(OFFER_WAIT_US);
	struct pv_chan *ch;

	while (pv_chan_open(SKIFF_CLASS_ECHO, 0, PAGES, &ch) != 0) {
		if (pv_now() >= give_up)
			return 0;
		pv_sleep_us(10000);
	}
	return ch;
}

/*
 * One reply, waiting up to `wait_us` for it (0: not at all): 1 when it is the next expected txid
 * with the bytes sent, 0 when none came, else *why says what is wrong.
 */
static int take_reply(struct pv_chan *ch, unsigned long want, unsigned long size,
		      unsigned long wait_us, const char **why)
{
	static char in[4096], out[4096];
	struct skiff_packet pkt;
	long n = wait_us ? pv_chan_recv_wait(ch, &pkt, in, sizeof(in), wait_us) :
			   pv_chan_recv(ch, &pkt, in, sizeof(in));

	if (n == PV_RING_EMPTY && !wait_us)
		return 0;
	fill(out, size, want);
	if (n < 0)
		*why = "no reply";
	else if (pkt.txid != want)
		*why = "reply out of order";
	else if ((unsigned long)n != size || memcmp(in, out, size))
		*why = "reply with other bytes";
	return *why ? 0 : 1;
}

/*
 * Sends while the ring takes packets, ringing root once at the end rather than at the first
 * packet (the root would wake to one packet, and with its higher weight preempt us); false if a
 * send failed for another reason than room.
 */
static bool send_all(struct pv_chan *ch, unsigned long *sent, unsigned long count,
		     unsigned long size)
{
	static char buf[4096];
	bool ring = false, signal;
	long rc = 0;

	for (; *sent < count; ++*sent) {
		fill(buf, size, *sent + 1);
		rc = pv_ring_write(&ch->tx, SKIFF_PKT_DATA, 0, *sent + 1, buf, (uint32_t)size,
				   &signal);
		if (rc)
			break;
		ring |= signal;
	}
	if (ring)
		pv_event_send(ch->info.peer_vm, ch->info.peer_port);
	return rc == 0 || rc == PV_RING_FULL;
}

int main(void)
{
	unsigned long count = pv_arg_ulong("count", 100000), size = pv_arg_ulong("size", 64);
	unsigned long sent = 0, got = 0, t0, rounds = 0, waits = 0;
	struct pv_chan *ch = open_echo();
	const char *why = 0;

	if (!ch || size > 4096) {
		pv_printf("echo-client: FAIL: %s\n", ch ? "size too big" : "no echo offer");
		return 1;
	}
	t0 = pv_now();
	/*
	 * Batches: fill the ring, take every reply there is, wait only when there is none. Replies
	 * are polled (root does not ring) except while waiting.
	 */
	pv_chan_mask(ch);
	while (got < count && !why) {
		unsigned long before = got;

		if (!send_all(ch, &sent, count, size))
			why = "send failed";
		while (!why && got < sent && take_reply(ch, got + 1, size, 0, &why))
			got++;
		if (!why && got == before && pv_chan_unmask(ch) == 0) {
			got += (unsigned long)take_reply(ch, got + 1, size, REPLY_WAIT_US, &why);
			waits++;
		}
		pv_chan_mask(ch);
		rounds++;
	}
	if (why) {
		pv_printf("echo-client: FAIL: %s at packet %lu of %lu\n", why, got, count);
		return 1;
	}
	pv_printf("echo-client: %lu packets of %lu bytes, all back in order, %lu us (%lu rounds, "
		  "%lu waits, %lu doorbells)\n",
		  count, size, pv_ticks_to_us(pv_now() - t0), rounds, waits, ch->doorbells);
	pv_chan_close(ch);
	return 0;
}
