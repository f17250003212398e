/**
 * Heartbeat and shutdown, the child's side (pv/mgmt.h). The doorbell handler reads every waiting
 * packet and answers each REQUEST; small rings (PV_MGMT_PAGES) suffice for empty packets.
 */
#include <pv/channel.h>
#include <pv/console.h>
#include <pv/irq.h>
#include <pv/mgmt.h>
#include <pv/time.h>
#include <pv/vm.h>

#define PV_MGMT_PAGES 4U
#define SHUTDOWN_DRAIN_US 100000UL

static struct pv_chan *heartbeat, *shutdown;
static unsigned long next_look;

/* Doorbell (IRQ context): answer every REQUEST; a SHUTDOWN request ends the VM. */
static void answer(struct pv_chan *ch, void *ctx)
{
	struct skiff_packet pkt;
	char buf[64];
	long n;

	(void)ctx;
	while ((n = pv_chan_recv(ch, &pkt, buf, sizeof(buf))) >= 0 || n == PV_RING_TOOBIG) {
		if (n == PV_RING_TOOBIG) {
			pv_chan_discard(ch);
			continue;
		}
		if (pkt.type != SKIFF_PKT_REQUEST)
			continue;
		pv_chan_send(ch, SKIFF_PKT_RESPONSE, 0, pkt.txid, 0, 0);
		if (ch == shutdown) {
			pv_printf("%s: shutting down at the root partition's request\n",
				  pv_vm_name());
			pv_chan_drain(ch, SHUTDOWN_DRAIN_US);
			pv_shutdown(0);
		}
	}
}

/* Opens (or reopens, after it closed) one service channel. */
static void open_one(unsigned int class_id, struct pv_chan **slot)
{
	unsigned long flags = pv_irq_save();
	struct pv_chan *ch = *slot;

	if (ch && ch->closed) {
		*slot = 0;
		pv_chan_close(ch);
	}
	if (!*slot && pv_chan_open(class_id, 0, PV_MGMT_PAGES, &ch) == 0) {
		*slot = ch;
		pv_chan_set_notify(ch, answer, 0);
		answer(ch, 0); /* anything sent before the handler was there */
	}
	pv_irq_restore(flags);
}

bool pv_mgmt_ready(void)
{
	return heartbeat && !heartbeat->closed && shutdown && !shutdown->closed;
}

void pv_mgmt_poll(void)
{
	if (pv_mgmt_ready() || pv_now() < next_look)
		return;
	next_look = pv_now() + pv_us_to_ticks(PV_MGMT_RETRY_US);
	open_one(SKIFF_CLASS_HEARTBEAT, &heartbeat);
	open_one(SKIFF_CLASS_SHUTDOWN, &shutdown);
}
