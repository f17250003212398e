/**
 * Channels over the CHAN_* calls and event ports (pv/channel.h). The ring work is pv/ring.h's;
 * this file opens, attaches, rings, waits, notices closing and closes. A channel's ring calls run
 * with IRQs masked, so the main program and event handlers may share a channel.
 */
#include <pv/alloc.h>
#include <pv/arch/irq.h>
#include <pv/channel.h>
#include <pv/event.h>
#include <pv/fmt.h>
#include <pv/hvc.h>
#include <pv/irq.h>
#include <pv/mmu.h>
#include <pv/string.h>
#include <pv/time.h>
#include <pv/vm.h>

#define MAX_OFFERS 64 /* offers looked at by pv_chan_find_offer */

/*
 * The channels whose doorbell each port is, linked by port_next: one in a child; in root, every
 * channel of one child (the hypervisor gives root one port per child), each of which is told of
 * the doorbell and looks at its own rings.
 */
static struct pv_chan *by_port[SKIFF_EV_PORTS];
static void (*event_hook)(void);
static void (*watchers[PV_CHAN_WATCHERS])(void);
static bool watching; /* the SKIFF_EV_CHANNEL handler is ours */

static bool npages_ok(unsigned long n)
{
	return n % 2 == 0 && n >= SKIFF_RING_MIN_PAGES && n <= SKIFF_RING_MAX_PAGES;
}

static unsigned long deadline_after(unsigned long us)
{
	return us ? pv_now() + pv_us_to_ticks(us) : 0;
}

static bool expired(unsigned long deadline)
{
	return deadline && pv_now() >= deadline;
}

/* notify is never re-entered: a wait inside it may take the channel's next doorbell itself. */
static void call_notify(struct pv_chan *ch)
{
	if (!ch->notify || ch->notifying)
		return;
	ch->notifying = true;
	ch->notify(ch, ch->notify_ctx);
	ch->notifying = false;
}

static void mark_closed(struct pv_chan *ch)
{
	if (ch->closed)
		return;
	ch->closed = true;
	call_notify(ch);
}

/* ---- Offers ---- */

long pv_chan_list_offers(struct skiff_offer *out, unsigned int max)
{
	return pv_call(SKIFF_HVC_CHAN_LIST, (unsigned long)out, max);
}

long pv_chan_find_offer(unsigned int class_id, unsigned int instance, struct skiff_offer *out)
{
	struct skiff_offer offers[MAX_OFFERS];
	long n = pv_chan_list_offers(offers, MAX_OFFERS);

	if (n < 0)
		return n;
	for (long i = 0; i < n && i < MAX_OFFERS; i++) {
		if (offers[i].class_id == class_id && offers[i].instance == instance) {
			*out = offers[i];
			return 0;
		}
	}
	return SKIFF_E_NOENT;
}

/* ---- Events ---- */

bool pv_chan_check(struct pv_chan *ch)
{
	struct skiff_channel_info now;
	const struct skiff_channel_info *was = &ch->info;

	if (ch->closed)
		return false;
	if (pv_call(SKIFF_HVC_CHAN_INFO, was->channel_id, (unsigned long)&now) != 0 ||
	    now.state != SKIFF_CHAN_OPEN || now.offer_id != was->offer_id ||
	    now.child_vm != was->child_vm || now.my_port != was->my_port ||
	    now.peer_vm != was->peer_vm || now.peer_port != was->peer_port)
		mark_closed(ch);
	return !ch->closed;
}

static void doorbell(unsigned int port)
{
	for (struct pv_chan *ch = by_port[port], *next; ch; ch = next) {
		next = ch->port_next;
		ch->doorbells++;
		call_notify(ch);
	}
}

static void channel_event(unsigned int port)
{
	(void)port;
	for (unsigned int p = SKIFF_EV_FIRST_FREE; p < SKIFF_EV_PORTS; p++)
		for (struct pv_chan *ch = by_port[p], *next; ch; ch = next) {
			next = ch->port_next;
			pv_chan_check(ch);
		}
	for (unsigned int i = 0; i < PV_CHAN_WATCHERS && watchers[i]; i++)
		watchers[i]();
	if (event_hook)
		event_hook();
}

static void watch(void)
{
	if (!watching)
		pv_event_handler(SKIFF_EV_CHANNEL, channel_event);
	watching = true;
}

void pv_chan_set_event_hook(void (*fn)(void))
{
	event_hook = fn;
	watch();
}

bool pv_chan_add_watcher(void (*fn)(void))
{
	unsigned long flags = pv_irq_save();
	unsigned int i = 0;

	while (i < PV_CHAN_WATCHERS && watchers[i])
		i++;
	if (i < PV_CHAN_WATCHERS)
		watchers[i] = fn;
	watch();
	pv_irq_restore(flags);
	return i < PV_CHAN_WATCHERS;
}

void pv_chan_set_notify(struct pv_chan *ch, pv_chan_fn fn, void *ctx)
{
	unsigned long flags = pv_irq_save();

	ch->notify = fn;
	ch->notify_ctx = ctx;
	pv_irq_restore(flags);
}

/*
 * Takes the doorbell port the hypervisor bound, next to the channels of the same peer that have
 * it; one of another peer's channels that had it is gone (the port was freed and given anew).
 */
static long bind(struct pv_chan *ch)
{
	unsigned int port = ch->info.my_port;
	unsigned long irq;

	if (port < SKIFF_EV_FIRST_FREE || port >= SKIFF_EV_PORTS)
		return SKIFF_E_INVAL;
	irq = pv_irq_save();
	for (struct pv_chan **pp = &by_port[port]; *pp;) {
		struct pv_chan *old = *pp;

		if (old->info.peer_vm == ch->info.peer_vm) {
			pp = &old->port_next;
			continue;
		}
		*pp = old->port_next;
		old->port_next = 0;
		mark_closed(old);
	}
	ch->port_next = by_port[port];
	by_port[port] = ch;
	pv_irq_restore(irq);
	watch();
	return pv_event_handler(port, doorbell);
}

/* Leaves the port's list; the port is masked once no channel has it. */
static void unbind(struct pv_chan *ch)
{
	unsigned int port = ch->info.my_port;
	unsigned long irq;

	if (port < SKIFF_EV_FIRST_FREE || port >= SKIFF_EV_PORTS)
		return;
	irq = pv_irq_save();
	for (struct pv_chan **pp = &by_port[port]; *pp; pp = &(*pp)->port_next)
		if (*pp == ch) {
			*pp = ch->port_next;
			break;
		}
	if (!by_port[port])
		pv_event_handler(port, 0);
	pv_irq_restore(irq);
}

/* ---- Opening ---- */

/*
 * The ring area: the first half child->root, the second root->child, each a header page and
 * data pages. This side writes one half and reads the other.
 */
static long setup_rings(struct pv_chan *ch, uint8_t *area)
{
	uint32_t half = ch->info.npages / 2 * SKIFF_RING_PAGE, data = half - SKIFF_RING_PAGE;
	uint8_t *mine = ch->root_side ? area + half : area;
	uint8_t *theirs = ch->root_side ? area : area + half;
	long rc = pv_ring_init_writer(&ch->tx, mine, mine + SKIFF_RING_PAGE, data);

	return rc ? rc : pv_ring_init_reader(&ch->rx, theirs, theirs + SKIFF_RING_PAGE, data);
}

/* After CHAN_OPEN: learn the ports and take ours; on failure the channel is closed again. */
static long finish_open(struct pv_chan *ch, long id)
{
	long rc = pv_call(SKIFF_HVC_CHAN_INFO, (unsigned long)id, (unsigned long)&ch->info);

	if (rc == 0 && ch->info.channel_id != (unsigned long)id)
		rc = SKIFF_E_INVAL;
	if (rc == 0)
		rc = bind(ch);
	if (rc != 0) {
		unbind(ch);
		if (pv_call(SKIFF_HVC_CHAN_CLOSE, (unsigned long)id, 0) != 0)
			ch->pages = 0; /* may still be granted: never reuse them */
	}
	return rc;
}

long pv_chan_open(unsigned int class_id, unsigned int instance, unsigned int npages,
		  struct pv_chan **out)
{
	struct skiff_offer offer;
	struct pv_chan *ch;
	long rc, id;

	npages = npages ? npages : PV_CHAN_DEFAULT_PAGES;
	if (!npages_ok(npages))
		return SKIFF_E_INVAL;
	rc = pv_chan_find_offer(class_id, instance, &offer);
	if (rc)
		return rc;
	ch = pv_calloc(1, sizeof(*ch));
	if (!ch || !(ch->pages = pv_alloc_pages(npages))) {
		pv_free(ch);
		return SKIFF_E_NOMEM;
	}
	ch->info.npages = npages;
	setup_rings(ch, ch->pages); /* valid before root can see them */
	id = pv_hvc(SKIFF_HVC_CHAN_OPEN, offer.offer_id, (unsigned long)ch->pages, npages).x0;
	rc = id < 0 ? id : finish_open(ch, id);
	if (rc) {
		pv_free_pages(ch->pages, npages);
		pv_free(ch);
		return rc;
	}
	*out = ch;
	return 0;
}

/* Root's grant window lies outside its RAM map: map the 1 GiB blocks that hold [ipa, end). */
static void map_window(unsigned long ipa, unsigned long bytes)
{
	pv_mmu_map(ipa, PV_MEM_NORMAL);
	pv_mmu_map(ipa + bytes - 1, PV_MEM_NORMAL);
}

long pv_chan_attach(unsigned int id, struct pv_chan **out)
{
	struct skiff_channel_info info;
	struct pv_chan *ch;
	long rc = pv_call(SKIFF_HVC_CHAN_INFO, id, (unsigned long)&info);

	if (rc)
		return rc;
	if (info.state != SKIFF_CHAN_OPEN)
		return PV_CHAN_CLOSED;
	if (!npages_ok(info.npages) || info.ring_ipa % SKIFF_RING_PAGE)
		return SKIFF_E_INVAL;
	ch = pv_calloc(1, sizeof(*ch));
	if (!ch)
		return SKIFF_E_NOMEM;
	ch->info = info;
	ch->root_side = true;
	map_window(info.ring_ipa, info.npages * SKIFF_RING_PAGE);
	setup_rings(ch, (uint8_t *)info.ring_ipa);
	rc = bind(ch);
	if (rc) {
		unbind(ch);
		pv_free(ch);
		return rc;
	}
	*out = ch;
	return 0;
}

/* ---- Traffic ---- */

/*
 * CHAN_CLOSE for this end, once: the hypervisor frees the id only when both ends have closed it
 * (or are gone), so this end says so even when the peer closed first, and never twice (by then
 * the id may name a newer channel). 0, or SKIFF_E_NOENT when the hypervisor knows it no more.
 */
static long close_end(struct pv_chan *ch)
{
	if (ch->close_sent)
		return 0;
	ch->close_sent = true;
	return pv_call(SKIFF_HVC_CHAN_CLOSE, ch->info.channel_id, 0);
}

/* One line straight to the hypervisor: the console itself may be the channel at fault. */
static void report(const struct pv_chan *ch, long rc)
{
	char line[160];
	int n = pv_snprintf(line, sizeof(line),
			    "pv: channel %u (class %u): VM %u broke the ring protocol (%s); "
			    "closing it\n",
			    ch->info.channel_id, ch->info.class_id, ch->info.peer_vm,
			    pv_ring_strerror(rc));

	pv_call(SKIFF_HVC_CONSOLE_WRITE, (unsigned long)line,
		(unsigned long)n < sizeof(line) ? (unsigned long)n : sizeof(line) - 1);
}

/* A ring result: a violation closes the channel. */
static __attribute__((noinline)) long settle(struct pv_chan *ch, long rc)
{
	if (pv_ring_violation(rc) && !ch->closed) {
		report(ch, rc);
		close_end(ch);
		mark_closed(ch);
	}
	return rc;
}

static void ring_peer(struct pv_chan *ch)
{
	if (pv_event_send(ch->info.peer_vm, ch->info.peer_port) != 0)
		pv_chan_check(ch); /* the port is gone: so is the channel, most likely */
}

void pv_chan_ring(struct pv_chan *ch)
{
	if (!ch->closed)
		ring_peer(ch);
}

long pv_chan_send_deferred(struct pv_chan *ch, unsigned int type, unsigned int flags, uint64_t txid,
			   const void *buf, uint32_t len, bool *ring)
{
	unsigned long irq = pv_arch_irq_save();
	bool signal = false;
	long rc = ch->closed ? PV_CHAN_CLOSED :
			       pv_ring_write(&ch->tx, type, flags, txid, buf, len, &signal);

	if (rc == 0) {
		ch->sent++;
		*ring |= signal;
	} else {
		rc = settle(ch, rc);
	}
	pv_arch_irq_restore(irq);
	return rc;
}

long pv_chan_send_batch(struct pv_chan *ch, const struct pv_ring_msg *msgs, unsigned int n)
{
	unsigned long irq = pv_arch_irq_save();
	long rc = ch->closed ? PV_CHAN_CLOSED : pv_ring_write_many(&ch->tx, msgs, n);

	if (rc > 0) {
		ch->sent += (unsigned long)rc;
		if (pv_ring_publish(&ch->tx))
			ring_peer(ch);
	}
	if (rc < 0 || ch->tx.broken)
		rc = settle(ch, rc < 0 ? rc : ch->tx.broken);
	pv_arch_irq_restore(irq);
	return rc;
}

long pv_chan_send(struct pv_chan *ch, unsigned int type, unsigned int flags, uint64_t txid,
		  const void *buf, uint32_t len)
{
	bool ring = false;
	long rc = pv_chan_send_deferred(ch, type, flags, txid, buf, len, &ring);

	if (ring)
		pv_chan_ring(ch);
	return rc;
}

long pv_chan_recv(struct pv_chan *ch, struct skiff_packet *pkt, void *buf, uint32_t size)
{
	unsigned long irq = pv_arch_irq_save();
	bool signal = false;
	long rc = ch->closed ? PV_CHAN_CLOSED : pv_ring_read(&ch->rx, pkt, buf, size, &signal);

	if (rc >= 0)
		ch->received++;
	else
		rc = settle(ch, rc);
	if (signal)
		ring_peer(ch);
	pv_arch_irq_restore(irq);
	return rc;
}

long pv_chan_recv_batch(struct pv_chan *ch, struct pv_ring_msg *msgs, unsigned int max, void *buf,
			uint32_t size)
{
	unsigned long irq = pv_arch_irq_save();
	long rc = ch->closed ? PV_CHAN_CLOSED : pv_ring_read_many(&ch->rx, msgs, max, buf, size);

	if (rc > 0) {
		ch->received += (unsigned long)rc;
		if (pv_ring_release(&ch->rx))
			ring_peer(ch);
	}
	if (rc < 0 || ch->rx.broken)
		rc = settle(ch, rc < 0 ? rc : ch->rx.broken);
	pv_arch_irq_restore(irq);
	return rc;
}

long pv_chan_discard(struct pv_chan *ch)
{
	unsigned long irq = pv_irq_save();
	bool signal = false;
	long rc = ch->closed ? PV_CHAN_CLOSED : pv_ring_discard(&ch->rx, &signal);

	if (signal)
		ring_peer(ch);
	rc = settle(ch, rc);
	pv_irq_restore(irq);
	return rc;
}

void pv_chan_mask(struct pv_chan *ch)
{
	unsigned long irq = pv_irq_save();

	if (!ch->closed)
		pv_ring_mask(&ch->rx);
	pv_irq_restore(irq);
}

long pv_chan_unmask(struct pv_chan *ch)
{
	unsigned long irq = pv_irq_save();
	long rc = ch->closed ? PV_CHAN_CLOSED : settle(ch, pv_ring_unmask(&ch->rx));

	pv_irq_restore(irq);
	return rc;
}

/*
 * Sleeps until a doorbell newer than `seen`, the channel closing, or `deadline` (0: none); may
 * return early, callers loop. BLOCK (or EVENT_SEND_WAIT without a send, which also acknowledges,
 * when there is no deadline) returns when any unmasked port is pending; this channel's doorbell
 * is then taken here (no exception entry and exit), and any other event by a moment with IRQs
 * unmasked, if the caller had them unmasked. A caller with IRQs
 * masked gets only this channel's doorbell handled; when something else is pending BLOCK returns
 * at once, so then we yield instead of spinning.
 */
static void wait_doorbell(struct pv_chan *ch, unsigned long seen, unsigned long deadline)
{
	unsigned long irq = pv_irq_save();
	bool masked = pv_irq_was_masked(irq);

	while (ch->doorbells == seen && !ch->closed && !expired(deadline)) {
		if (deadline) {
			pv_call(SKIFF_HVC_BLOCK, deadline, 0);
			if (pv_event_poll(1UL << ch->info.my_port))
				break;
		} else if (pv_event_send_wait(SKIFF_VM_NONE, 0, 1UL << ch->info.my_port) > 0) {
			break; /* sleeping and acknowledging in one call */
		}
		if (masked) {
			if (pv_chan_check(ch))
				pv_yield();
			break;
		}
		pv_irq_enable(); /* other events' upcall runs here */
		pv_irq_disable();
	}
	pv_irq_restore(irq);
}

bool pv_chan_wait(struct pv_chan *ch, unsigned long seen, unsigned long timeout_us)
{
	unsigned long deadline = deadline_after(timeout_us);

	while (ch->doorbells == seen && !ch->closed) {
		if (expired(deadline))
			return false;
		wait_doorbell(ch, seen, deadline);
	}
	return true;
}

long pv_chan_send_wait(struct pv_chan *ch, unsigned int type, unsigned int flags, uint64_t txid,
		       const void *buf, uint32_t len, unsigned long timeout_us)
{
	unsigned long deadline = deadline_after(timeout_us);

	for (;;) {
		unsigned long seen = ch->doorbells;
		long rc = pv_chan_send(ch, type, flags, txid, buf, len);

		if (rc != PV_RING_FULL || expired(deadline))
			return rc;
		wait_doorbell(ch, seen, deadline);
	}
}

long pv_chan_recv_wait(struct pv_chan *ch, struct skiff_packet *pkt, void *buf, uint32_t size,
		       unsigned long timeout_us)
{
	unsigned long deadline = deadline_after(timeout_us);

	for (;;) {
		unsigned long seen = ch->doorbells;
		long rc = pv_chan_recv(ch, pkt, buf, size);

		if (rc != PV_RING_EMPTY || expired(deadline))
			return rc;
		wait_doorbell(ch, seen, deadline);
	}
}

/*
 * Rings the peer if `ring` (in the same hypercall) and sleeps until our doorbell, then receives.
 * Only valid when the receive ring was empty before the request: the reply then rings us.
 */
static long ring_and_receive(struct pv_chan *ch, bool ring, struct skiff_packet *pkt, void *resp,
			     uint32_t size)
{
	unsigned long irq = pv_irq_save();
	bool masked = pv_irq_was_masked(irq);
	unsigned int vm = ring ? ch->info.peer_vm : SKIFF_VM_NONE;
	long rc;

	for (;;) {
		long got = pv_event_send_wait(vm, ch->info.peer_port, 1UL << ch->info.my_port);

		if (vm != SKIFF_VM_NONE && got < 0 && got >= -(long)SKIFF_EV_PORTS)
			pv_chan_check(ch); /* the send failed: the port is gone, most likely */
		vm = SKIFF_VM_NONE;
		if (got == 0 && masked) {
			if (pv_chan_check(ch))
				pv_yield(); /* something else is pending and may not run now */
		} else if (got == 0) {
			pv_irq_enable(); /* something else is pending: its upcall runs here */
			pv_irq_disable();
		}
		rc = pv_chan_recv(ch, pkt, resp, size);
		if (rc != PV_RING_EMPTY)
			break;
	}
	pv_irq_restore(irq);
	return rc;
}

long pv_chan_call(struct pv_chan *ch, unsigned int type, unsigned int flags, uint64_t txid,
		  const void *req, uint32_t len, struct skiff_packet *pkt, void *resp,
		  uint32_t size)
{
	unsigned long irq = pv_irq_save();
	long waiting = pv_chan_unmask(ch);
	bool ring = false;
	long rc = waiting ? waiting :
			    settle(ch, pv_ring_write(&ch->tx, type, flags, txid, req, len, &ring));

	if (rc == 0)
		ch->sent++;
	pv_irq_restore(irq);
	if (rc == 0)
		return ring_and_receive(ch, ring, pkt, resp, size);
	if (rc < 0 && rc != PV_RING_FULL)
		return rc;
	/* The slow way: packets to receive first (rc > 0), or no room for the request yet. */
	rc = pv_chan_send_wait(ch, type, flags, txid, req, len, 0);
	return rc ? rc : pv_chan_recv_wait(ch, pkt, resp, size, 0);
}

/* Asks to be rung once `bytes` are free to write: the free bytes now. */
static long request_space(struct pv_chan *ch, uint32_t bytes)
{
	unsigned long irq = pv_irq_save();
	long rc = ch->closed ? PV_CHAN_CLOSED : pv_ring_request_space(&ch->tx, bytes);

	rc = settle(ch, rc);
	pv_irq_restore(irq);
	return rc;
}

long pv_chan_wait_space(struct pv_chan *ch, uint32_t bytes, unsigned long timeout_us)
{
	unsigned long deadline = deadline_after(timeout_us);

	if (bytes > ch->tx.size - SKIFF_PKT_ALIGN)
		return PV_RING_TOOBIG;
	for (;;) {
		unsigned long seen = ch->doorbells;
		long rc = request_space(ch, bytes);

		if (rc < 0)
			return rc;
		if (rc >= (long)bytes)
			return 0;
		if (expired(deadline))
			return PV_RING_FULL;
		wait_doorbell(ch, seen, deadline);
	}
}

long pv_chan_drain(struct pv_chan *ch, unsigned long timeout_us)
{
	return pv_chan_wait_space(ch, ch->tx.size - SKIFF_PKT_ALIGN, timeout_us);
}

/* ---- Closing ---- */

long pv_chan_close(struct pv_chan *ch)
{
	long rc = 0;

	if (!ch)
		return 0;
	unbind(ch);
	rc = close_end(ch);
	if (rc == SKIFF_E_NOENT) /* the hypervisor let go of it already (this end's VM restarted) */
		rc = 0;
	ch->closed = true;
	if (ch->pages && rc == 0) /* revoked: root can no longer reach them */
		pv_free_pages(ch->pages, ch->info.npages);
	pv_free(ch);
	return rc;
}
