/**
 * The root's channel services (services.h) on pv-guest's channel API (pv/channel.h). Channels are
 * found by scanning CHAN_INFO after SKIFF_EV_CHANNEL and served from the main loop: doorbells only
 * wake it. Each pass moves at most SERVE_BUDGET packets per channel, so one busy child (an echo
 * burst) cannot starve the shell or the others; a pass that left packets asks to run again at
 * once.
 *
 * Doorbells are kept few: while a channel is served it is masked (the child does not ring), and
 * replies written in a pass ring the child once, at its end. A child that wants batches writes
 * several packets before ringing once (tests/guests/echo-client): the root, with its higher
 * weight, would otherwise wake to each packet and preempt the child.
 */
#include <pv/alloc.h>
#include <pv/balloon_msg.h>
#include <pv/channel.h>
#include <pv/event.h>
#include <pv/console_chan.h>
#include <pv/hvc.h>
#include <pv/string.h>
#include <pv/vm.h>

#include "balloon.h"
#include "hv.h"
#include "loop.h"
#include "services.h"
#include "shell.h"
#include "term.h"
#include "vms.h"

#define ROOT_CHANNELS SKIFF_CHAN_MAX /* channel ids scanned */
#define SERVE_BUDGET 64
#define HEARTBEAT_US 1000000UL
#define LINE_BYTES 240

/* What a pass over a channel left: nothing to do until a doorbell, or more packets. */
enum pass { IDLE, MORE };

struct svc {
	struct pv_chan *ch; /* NULL: slot free */
	unsigned int vm, class_id;
	enum pass state;         /* after the last pass */
	bool ring_child;         /* replies written this pass want a doorbell */
	unsigned long doorbells; /* ch->doorbells when it was last served */
	char line[LINE_BYTES];   /* console: the line being assembled */
	unsigned int line_len;
	unsigned long long ping_txid; /* heartbeat: the ping not yet answered, 0: none */
	unsigned long ping_us;
	bool bad_told; /* balloon: a malformed packet was reported */
	/* echo: a packet read but not yet sent back (the reply ring was full) */
	struct skiff_packet held;
	void *held_buf;
};

static struct svc svcs[ROOT_CHANNELS];
static struct services_stats stats;
static volatile bool rescan = true; /* SKIFF_EV_CHANNEL came: look at CHAN_INFO again */
static unsigned long long next_txid = 1;
static unsigned long next_ping_us;
static char pkt_buf[SKIFF_PKT_MAX_PAYLOAD];

static const unsigned int offered[] = { SKIFF_CLASS_CONSOLE, SKIFF_CLASS_HEARTBEAT,
					SKIFF_CLASS_SHUTDOWN, SKIFF_CLASS_BALLOON,
					SKIFF_CLASS_ECHO };

static const char *class_name(unsigned int class_id)
{
	switch (class_id) {
	case SKIFF_CLASS_CONSOLE:
		return "console";
	case SKIFF_CLASS_HEARTBEAT:
		return "heartbeat";
	case SKIFF_CLASS_SHUTDOWN:
		return "shutdown";
	case SKIFF_CLASS_BALLOON:
		return "balloon";
	case SKIFF_CLASS_ECHO:
		return "echo";
	default:
		return "unknown";
	}
}

/* The VM's name for reports (the list refreshed if the VM is new to it). */
static const char *vm_name(unsigned int vm)
{
	struct vm_rec *r = vms_get(vm);

	if (!r && vms_refresh() >= 0)
		r = vms_get(vm);
	return r ? r->st.name : "?";
}

/* IRQ context: just wake the loop. */
static void channel_event(void)
{
	rescan = true;
	loop_kick();
}

static void doorbell(struct pv_chan *ch, void *ctx)
{
	(void)ch;
	(void)ctx;
	loop_kick();
}

void services_start(void)
{
	pv_console_chan_off(); /* the root offers the console service, it does not use one */
	pv_chan_set_event_hook(channel_event);
	for (unsigned int i = 0; i < sizeof(offered) / sizeof(offered[0]); i++) {
		long id = pv_call(SKIFF_HVC_CHAN_OFFER, offered[i], 0);

		if (id < 0)
			term_notice("root: cannot offer the %s service: %s", class_name(offered[i]),
				    hv_strerror(id));
	}
}

/* ---- Attaching and letting go ---- */

static void drop(struct svc *s)
{
	if (s->class_id == SKIFF_CLASS_CONSOLE && s->vm == shell_attached_vm())
		shell_detach("its console channel closed");
	if (s->line_len)
		term_notice("[%s] %.*s", vm_name(s->vm), (int)s->line_len, s->line);
	pv_chan_close(s->ch); /* also when the child closed first: the id is freed then */
	pv_free(s->held_buf);
	memset(s, 0, sizeof(*s));
}

static void attach(unsigned int id, const struct skiff_channel_info *info)
{
	struct svc *s = &svcs[id];
	long rc = pv_chan_attach(id, &s->ch);

	if (rc) {
		s->ch = 0;
		term_notice("root: cannot attach channel %u (%s) of vm %u: %s", id,
			    class_name(info->class_id), info->child_vm,
			    rc == PV_CHAN_CLOSED ? "closed already" : hv_strerror(rc));
		return;
	}
	s->vm = info->child_vm;
	s->class_id = info->class_id;
	s->state = MORE; /* packets may be waiting already */
	pv_chan_set_notify(s->ch, doorbell, 0);
	if (s->class_id == SKIFF_CLASS_BALLOON)
		balloon_attached(s->vm);
}

/* Closed channels go; open channels nobody serves yet are attached. */
static void scan(void)
{
	struct skiff_channel_info info;

	rescan = false;
	for (unsigned int id = 0; id < ROOT_CHANNELS; id++) {
		struct svc *s = &svcs[id];

		if (s->ch && s->ch->closed)
			drop(s);
		if (s->ch || pv_call(SKIFF_HVC_CHAN_INFO, id, (unsigned long)&info) != 0 ||
		    info.state != SKIFF_CHAN_OPEN)
			continue;
		attach(id, &info);
	}
}

/* A packet result that ends the channel: a ring violation is reported with the VM's name. */
static void failed(struct svc *s, long rc)
{
	if (pv_ring_violation(rc))
		term_notice("root: vm %u '%s' broke its %s channel (%s): closed", s->vm,
			    vm_name(s->vm), class_name(s->class_id), pv_ring_strerror(rc));
	drop(s);
}

/* ---- The services ---- */

/* Console bytes from a child: raw while attached, else "[name] line" notices. */
static void console_data(struct svc *s, const char *p, unsigned long n)
{
	if (s->vm == shell_attached_vm()) {
		term_write(p, n);
		return;
	}
	for (unsigned long i = 0; i < n; i++) {
		char c = p[i];
		if (c != '\n' && c != '\r' && s->line_len < LINE_BYTES)
			s->line[s->line_len++] = term_printable(c);
		if (c == '\n' || s->line_len == LINE_BYTES) {
			term_notice("[%s] %.*s", vm_name(s->vm), (int)s->line_len, s->line);
			s->line_len = 0;
		}
	}
}

static void heartbeat_answer(struct svc *s, const struct skiff_packet *pkt)
{
	struct vm_rec *r = vms_get(s->vm);
	unsigned long now = hv_now_us();

	if (pkt->type != SKIFF_PKT_RESPONSE || pkt->txid != s->ping_txid)
		return; /* late or stray: ignored */
	s->ping_txid = 0;
	if (r) {
		r->heartbeat_us = now;
		r->heartbeat_rtt_us = now - s->ping_us;
	}
}

/*
 * Writes a reply without ringing yet: the pass rings the child once at its end, so a child
 * waiting for replies wakes to a batch rather than to each one.
 */
static long reply(struct svc *s, const struct skiff_packet *pkt, const void *buf, uint32_t len)
{
	bool signal = false;
	long rc = s->ch->closed ? PV_CHAN_CLOSED :
				  pv_ring_write(&s->ch->tx, pkt->type, pkt->flags, pkt->txid, buf,
						len, &signal);

	s->ring_child |= signal;
	return rc;
}

static void ring_child(struct svc *s)
{
	if (s->ring_child && !s->ch->closed)
		pv_event_send(s->ch->info.peer_vm, s->ch->info.peer_port);
	s->ring_child = false;
}

/* Sends back what echo holds; false while the reply ring is still full. */
static bool echo_flush(struct svc *s, long *rc)
{
	*rc = reply(s, &s->held, s->held_buf, s->held.len);
	if (*rc == PV_RING_FULL)
		return false;
	pv_free(s->held_buf);
	s->held_buf = 0;
	return true;
}

/*
 * The reply ring is full: ask the child to ring once half of it is free, not as soon as one
 * packet fits (then each reply it reads would wake the root for one more). True if that much is
 * free already (no doorbell will come: go on).
 */
static bool wait_for_room(struct svc *s)
{
	long free = pv_ring_request_space(&s->ch->tx, s->ch->tx.size / 2);

	return free >= (long)(s->ch->tx.size / 2);
}

/* Echo: every packet back as it came; a full reply ring holds one packet until it drains. */
static long echo_packet(struct svc *s, const struct skiff_packet *pkt, long len)
{
	long rc = reply(s, pkt, pkt_buf, (uint32_t)len);

	if (rc != PV_RING_FULL)
		return rc;
	s->held = *pkt;
	s->held.len = (unsigned int)len;
	s->held_buf = pv_malloc(len ? (unsigned long)len : 1);
	if (!s->held_buf)
		return SKIFF_E_NOMEM;
	memcpy(s->held_buf, pkt_buf, (unsigned long)len);
	return PV_RING_FULL;
}

/* A balloon STATUS, checked against the VM's RAM; anything else is reported once and ignored. */
static void balloon_packet(struct svc *s, const struct skiff_packet *pkt, long len)
{
	struct skiff_balloon_status st;
	struct vm_rec *r = vms_get(s->vm);
	const char *bad;

	if (!r)
		return;
	bad = pv_balloon_check_status(pkt, pkt_buf, len, r->st.ram_bytes, &st);
	if (bad && !s->bad_told)
		term_notice("root: vm %u '%s' sent a malformed balloon packet (%s, type %u, %ld "
			    "bytes): ignored",
			    s->vm, r->st.name, bad, pkt->type, len);
	s->bad_told |= bad != 0;
	if (!bad)
		balloon_status(s->vm, pkt->txid, &st);
}

static long dispatch(struct svc *s, const struct skiff_packet *pkt, long len)
{
	switch (s->class_id) {
	case SKIFF_CLASS_CONSOLE:
		if (pkt->type == SKIFF_PKT_DATA)
			console_data(s, pkt_buf, (unsigned long)len);
		return 0;
	case SKIFF_CLASS_HEARTBEAT:
		heartbeat_answer(s, pkt);
		return 0;
	case SKIFF_CLASS_ECHO:
		return echo_packet(s, pkt, len);
	case SKIFF_CLASS_BALLOON:
		balloon_packet(s, pkt, len);
		return 0;
	default:
		return 0; /* shutdown acknowledgements: the hypervisor reports the exit */
	}
}

/* Moves up to SERVE_BUDGET packets (see the top of the file). */
static enum pass serve_batch(struct svc *s)
{
	struct skiff_packet pkt;
	long rc = 0;
	s->doorbells = s->ch->doorbells;
	stats.passes++;
	if (s->held_buf && !echo_flush(s, &rc))
		return wait_for_room(s) ? MORE : IDLE; /* IDLE: the child's doorbell wakes us */
	pv_chan_mask(s->ch);
	for (unsigned int n = 0; n < SERVE_BUDGET; n++) {
		long len = pv_chan_recv(s->ch, &pkt, pkt_buf, sizeof(pkt_buf));

		if (len == PV_RING_EMPTY) {
			rc = pv_chan_unmask(
				s->ch); /* bytes that came meanwhile, 0, or a violation */
			if (rc == 0)
				return IDLE;
		} else if (len == PV_RING_TOOBIG) { /* not with this buffer: it takes the maximum */
			rc = pv_chan_discard(s->ch);
		} else {
			rc = len < 0 ? len : dispatch(s, &pkt, len);
			stats.packets++;
		}
		if (rc == PV_RING_FULL) {
			pv_chan_unmask(
				s->ch); /* the child's doorbell (room for replies) wakes us */
			return IDLE;
		}
		if (rc < 0) {
			failed(s, rc);
			return IDLE;
		}
	}
	return MORE; /* the budget ran out, still masked */
}

static enum pass serve(struct svc *s)
{
	unsigned long before = stats.packets;
	enum pass p = serve_batch(s);

	if (stats.packets == before)
		stats.empty_passes++;

	if (s->ch)
		ring_child(s);
	return p;
}

static void ping_all(unsigned long now)
{
	for (unsigned int id = 0; id < ROOT_CHANNELS; id++) {
		struct svc *s = &svcs[id];

		if (!s->ch || s->class_id != SKIFF_CLASS_HEARTBEAT || s->ping_txid)
			continue; /* an unanswered ping stays the one to answer */
		s->ping_txid = next_txid++;
		s->ping_us = now;
		if (pv_chan_send(s->ch, SKIFF_PKT_REQUEST, SKIFF_PKT_F_COMPLETION, s->ping_txid, 0,
				 0) == PV_RING_FULL)
			s->ping_txid = 0;
	}
}

/* Serves the channels that rang, have more, or are being polled; what is left to do. */
static unsigned int serve_all(void)
{
	unsigned int left = 0;

	for (unsigned int id = 0; id < ROOT_CHANNELS; id++) {
		struct svc *s = &svcs[id];

		if (s->ch && s->ch->closed)
			drop(s);
		else if (s->ch && (s->state != IDLE || s->ch->doorbells != s->doorbells))
			left |= 1U << (s->state = serve(s));
	}
	return left;
}

unsigned long services_poll(unsigned long now_us)
{
	unsigned int left;

	if (rescan)
		scan();
	left = serve_all();
	stats.polls++;
	if (now_us >= next_ping_us) {
		ping_all(now_us);
		next_ping_us = now_us + HEARTBEAT_US;
	}
	return left & 1U << MORE || rescan ? now_us : next_ping_us;
}

/* ---- For the verbs ---- */

const struct services_stats *services_stats(void)
{
	return &stats;
}

static struct svc *find(unsigned int vm, unsigned int class_id)
{
	for (unsigned int id = 0; id < ROOT_CHANNELS; id++)
		if (svcs[id].ch && !svcs[id].ch->closed && svcs[id].vm == vm &&
		    svcs[id].class_id == class_id)
			return &svcs[id];
	return 0;
}

bool services_has(unsigned int vm, unsigned int class_id)
{
	return find(vm, class_id) != 0;
}

long services_request_shutdown(unsigned int vm)
{
	struct svc *s = find(vm, SKIFF_CLASS_SHUTDOWN);
	long rc;

	if (!s)
		return SKIFF_E_NOENT;
	rc = pv_chan_send(s->ch, SKIFF_PKT_REQUEST, SKIFF_PKT_F_COMPLETION, next_txid++, 0, 0);
	return rc == PV_RING_FULL ? SKIFF_E_BUSY : rc < 0 ? SKIFF_E_NOENT : 0;
}

long services_balloon_send(unsigned int vm, unsigned long long target_bytes)
{
	struct svc *s = find(vm, SKIFF_CLASS_BALLOON);
	struct skiff_balloon_target t = { target_bytes };
	unsigned long long txid = next_txid++;
	long rc;

	if (!s)
		return SKIFF_E_NOENT;
	rc = target_bytes ? pv_chan_send(s->ch, SKIFF_PKT_BALLOON_TARGET, 0, txid, &t, sizeof(t)) :
			    pv_chan_send(s->ch, SKIFF_PKT_REQUEST, 0, txid, 0, 0);
	return rc == PV_RING_FULL ? SKIFF_E_BUSY : rc < 0 ? SKIFF_E_NOENT : (long)txid;
}

long services_console_send(unsigned int vm, const char *s, unsigned long len)
{
	struct svc *c = find(vm, SKIFF_CLASS_CONSOLE);
	long rc;

	if (!c)
		return SKIFF_E_NOENT;
	rc = pv_chan_send(c->ch, SKIFF_PKT_DATA, 0, 0, s, (uint32_t)len);
	return rc == PV_RING_FULL ? SKIFF_E_BUSY : rc < 0 ? SKIFF_E_NOENT : 0;
}

void services_describe(unsigned int vm, char *buf, unsigned long size)
{
	unsigned long n = 0;

	if (!size)
		return;
	buf[0] = 0;
	for (unsigned int i = 0; i < sizeof(offered) / sizeof(offered[0]); i++) {
		const char *name = class_name(offered[i]);
		unsigned long len = strlen(name);

		if (!services_has(vm, offered[i]) || n + len + 2 > size)
			continue;
		if (n)
			buf[n++] = ' ';
		memcpy(buf + n, name, len + 1);
		n += len;
	}
	if (!n && size >= 5)
		memcpy(buf, "none", 5);
}
