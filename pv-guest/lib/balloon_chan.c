/**
 * The BALLOON service, the child's side (pv/balloon.h, docs/channels.md "Balloon"). Start-up
 * opens the channel if root offers it and looks again on every SKIFF_EV_CHANNEL while it is not
 * open (a new offer raises it in every VM, so a child that started before root, or outlived it,
 * finds the offer), so every pv-guest has a balloon driver without code in its main().
 * Targets are applied in the doorbell handler (IRQ context) with pv_balloon_set; each is
 * answered with a STATUS saying what the balloon reached.
 */
#include <pv/alloc.h>
#include <pv/balloon.h>
#include <pv/balloon_msg.h>
#include <pv/channel.h>
#include <pv/console.h>
#include <pv/irq.h>
#include <pv/vm.h>

#define BALLOON_PAGES 4U /* ring pages: packets are small */
#define PAGE 4096ULL

static struct pv_chan *chan;
static bool searching;            /* look for an offer when there is no channel */
static unsigned long long target; /* the target root set; RAM when none */
static bool reported_bad;         /* a malformed packet was reported (once a channel) */

static unsigned long long ram_bytes(void)
{
	return pv_start_info()->ram_size;
}

static void send_status(uint64_t txid, int result)
{
	struct skiff_balloon_status st = {
		.balloon_bytes = pv_balloon_pages() * PAGE,
		.free_bytes = pv_balloon_free_bytes(),
		.target_bytes = target,
		.result = result,
	};

	pv_chan_send(chan, SKIFF_PKT_BALLOON_STATUS, 0, txid, &st, sizeof(st));
}

static void reject(const struct skiff_packet *pkt, long len)
{
	if (!reported_bad)
		pv_printf("pv: balloon: root sent a malformed packet (type %u, %ld bytes): "
			  "rejected\n",
			  pkt->type, len);
	reported_bad = true;
	send_status(pkt->txid, SKIFF_E_INVAL);
}

/* Doorbell (IRQ context): every packet waiting is answered. */
static void serve(struct pv_chan *ch, void *ctx)
{
	struct skiff_balloon_target buf[2];
	struct skiff_packet pkt;
	unsigned long pages;
	long n;

	(void)ctx;
	while ((n = pv_chan_recv(ch, &pkt, buf, sizeof(buf))) >= 0 || n == PV_RING_TOOBIG) {
		if (n == PV_RING_TOOBIG) { /* larger than any request: dropped, then rejected */
			pv_chan_discard(ch);
			n = (long)pkt.len;
			pkt.type = 0;
		}
		switch (pv_balloon_decode(&pkt, buf, n, ram_bytes(), &target, &pages)) {
		case PV_BALLOON_SET:
			pv_balloon_set(pages); /* then say what it reached */
			send_status(pkt.txid, 0);
			break;
		case PV_BALLOON_QUERY:
			send_status(pkt.txid, 0);
			break;
		case PV_BALLOON_BAD:
			reject(&pkt, n);
			break;
		}
	}
}

/* Opens the channel if it is not open and root offers it (IRQs masked by the caller). */
static void look(void)
{
	long rc;

	if (chan && chan->closed) {
		pv_chan_close(chan);
		chan = 0;
	}
	if (chan || !searching)
		return;
	rc = pv_chan_open(SKIFF_CLASS_BALLOON, 0, BALLOON_PAGES, &chan);
	if (rc) {
		chan = 0;
		searching =
			rc != SKIFF_E_DENIED; /* a privileged VM offers it, it does not use it */
		return;
	}
	reported_bad = false;
	pv_chan_set_notify(chan, serve, 0);
	send_status(0, 0); /* root learns the balloon (and a target kept across its restart) */
	serve(chan, 0);    /* anything sent before the handler was there */
}

void pv_balloon_chan_auto(void)
{
	unsigned long flags = pv_irq_save();

	target = ram_bytes();
	searching = true;
	pv_chan_add_watcher(look);
	look();
	pv_irq_restore(flags);
}
