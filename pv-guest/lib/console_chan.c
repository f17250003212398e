/**
 * The console over a channel (pv/console_chan.h): a console sink whose write sends one DATA
 * packet per line, whose read takes root's DATA packets, and whose sync drains the ring. All of
 * it runs with IRQs masked, from inside pv_console_write, so it never prints.
 */
#include <pv/channel.h>
#include <pv/console.h>
#include <pv/console_chan.h>
#include <pv/hvc.h>
#include <pv/string.h>
#include <pv/time.h>

static struct pv_chan *chan;
static bool searching;          /* look for a console offer when there is no channel */
static unsigned long next_look; /* counter value before which we do not look again */

/* Input taken from a packet but not yet read. */
static char in_buf[SKIFF_CONSOLE_MAX];
static unsigned long in_len, in_pos;

static void drop_channel(void)
{
	pv_chan_close(chan);
	chan = 0;
	in_len = in_pos = 0;
}

/* The channel if it is usable; a closed one is let go, and a new one sought when it is time. */
static struct pv_chan *usable(void)
{
	if (chan && chan->closed)
		drop_channel();
	if (!chan && searching && pv_now() >= next_look) {
		next_look = pv_now() + pv_us_to_ticks(PV_CONSOLE_CHAN_RETRY_US);
		if (pv_console_chan_open() == SKIFF_E_DENIED)
			searching = false; /* a privileged VM: it offers the console, it does not
					      use it */
	}
	return chan;
}

static bool sink_write(void *ctx, const char *s, unsigned long len)
{
	struct pv_chan *ch = usable();

	(void)ctx;
	return ch && pv_chan_send_wait(ch, SKIFF_PKT_DATA, 0, 0, s, (uint32_t)len,
				       PV_CONSOLE_CHAN_SEND_US) == 0;
}

/* Input: root's DATA packets, a byte stream (other types are ignored); CONSOLE_READ without one. */
static long sink_read(void *ctx, char *buf, unsigned long size)
{
	struct pv_chan *ch = usable();
	struct skiff_packet pkt;
	unsigned long n = 0;

	(void)ctx;
	if (!ch)
		return pv_call(SKIFF_HVC_CONSOLE_READ, (unsigned long)buf, size);
	while (n < size) {
		if (in_pos == in_len) {
			long got = pv_chan_recv(ch, &pkt, in_buf, sizeof(in_buf));

			if (got == PV_RING_TOOBIG) {
				pv_chan_discard(ch);
				continue;
			}
			if (got < 0)
				break;
			in_pos = 0;
			in_len = pkt.type == SKIFF_PKT_DATA ? (unsigned long)got : 0;
			continue;
		}
		buf[n++] = in_buf[in_pos++];
	}
	return (long)n;
}

static void sink_sync(void *ctx)
{
	(void)ctx;
	if (chan && !chan->closed)
		pv_chan_drain(chan, PV_CONSOLE_CHAN_SYNC_US);
}

static const struct pv_console_sink channel_sink = { sink_write, sink_read, sink_sync, 0 };

long pv_console_chan_open(void)
{
	long rc;

	if (chan)
		return 0;
	rc = pv_chan_open(SKIFF_CLASS_CONSOLE, 0, PV_CONSOLE_CHAN_PAGES, &chan);
	if (rc) {
		chan = 0;
		return rc;
	}
	pv_console_set_sink(&channel_sink);
	return 0;
}

void pv_console_chan_auto(void)
{
	searching = true;
	next_look = 0;
	pv_console_set_sink(&channel_sink);
	usable();
}

void pv_console_chan_off(void)
{
	pv_console_sync();
	pv_console_set_sink(0);
	searching = false;
	drop_channel();
}

struct pv_chan *pv_console_chan(void)
{
	return chan && !chan->closed ? chan : 0;
}
