/**
 * Channels (docs/channels.md): a ring pair shared between a child VM and the root partition, with
 * a doorbell port on each side. A child finds an offer and opens a channel with ring pages of its
 * own (pv_chan_open); root attaches to a channel the hypervisor announced (pv_chan_attach). Both
 * then send and receive packets the same way; the ring code is pv/ring.h.
 *
 * Doorbells: a channel's port gets a handler that counts doorbells and calls the channel's notify
 * function, if any (IRQ context). In root, all channels of one child share a port (the
 * hypervisor binds one per child): a doorbell there counts for, and notifies, each of them.
 * pv-guest owns the SKIFF_EV_CHANNEL port once a channel exists: on that event it asks CHAN_INFO
 * about every channel it has, marks the ones that closed, and then calls the hook set with
 * pv_chan_set_event_hook (root finds new channels there).
 *
 * A peer that breaks the ring protocol gets its channel closed: the call that found it reports
 * one line naming the peer VM (straight to SKIFF_HVC_CONSOLE_WRITE), closes the channel and
 * returns the violation (pv_ring_violation() is true for it).
 *
 * Waiting (the *_wait calls): with IRQs enabled the caller sleeps in SKIFF_HVC_BLOCK and handlers
 * run as usual; with IRQs masked by the caller (pv_printf's console path) it sleeps the same way
 * but only this channel's doorbell handler is run, so nothing else can print in between.
 */
#ifndef PV_CHANNEL_H
#define PV_CHANNEL_H

#include <pv/ring.h>
#include <skiff-abi/channel.h>
#include <stdbool.h>
#include <stdint.h>

/** Returned once the channel was closed (by either side, or revoked when a side died). */
#define PV_CHAN_CLOSED (-48)

/** Ring pages pv_chan_open uses when asked for 0: 4 KiB header + 12 KiB data each way. */
#define PV_CHAN_DEFAULT_PAGES 8U

struct pv_chan;

/**
 * Called in IRQ context on each doorbell of the channel and when it is found closed; never
 * re-entered (a doorbell that arrives while it runs and waits is only counted).
 */
typedef void (*pv_chan_fn)(struct pv_chan *ch, void *ctx);

/** One channel, as this side sees it. Read-only for users except through the calls below. */
struct pv_chan {
	struct skiff_channel_info info;   /* CHAN_INFO at open/attach: ports, peer, npages */
	bool root_side;                   /* attached by root (rings in root's grant window) */
	volatile bool closed;             /* closed or revoked: no more traffic */
	bool close_sent;                  /* this end's CHAN_CLOSE is done */
	struct pv_ring tx, rx;            /* what this side writes / reads */
	volatile unsigned long doorbells; /* doorbells received so far */
	unsigned long sent, received;     /* packets */
	pv_chan_fn notify;
	void *notify_ctx;
	bool notifying; /* inside notify: a doorbell taken by a wait there does not re-enter it */
	void *pages;    /* child: the ring area (pv_alloc_pages), freed on close */
	struct pv_chan *port_next; /* the next channel on my_port (root: a child's share one) */
};

/**
 * Copies up to `max` offers into `out`: the number of offers there are (may exceed `max`) or a
 * SKIFF_E_* code.
 */
long pv_chan_list_offers(struct skiff_offer *out, unsigned int max);

/** Finds the offer of (`class_id`, `instance`): 0 and *out filled, SKIFF_E_NOENT or an error. */
long pv_chan_find_offer(unsigned int class_id, unsigned int instance, struct skiff_offer *out);

/** How many pv_chan_add_watcher functions there may be. */
#define PV_CHAN_WATCHERS 4

/**
 * Also calls `fn` (IRQ context) on every SKIFF_EV_CHANNEL, after the channels were re-checked
 * and before the hook of pv_chan_set_event_hook: the library's own services look for offers
 * there (a new offer raises the event in every VM). False when PV_CHAN_WATCHERS are set.
 */
bool pv_chan_add_watcher(void (*fn)(void));

/**
 * Child: opens a channel to the offer of (`class_id`, `instance`) with `npages` ring pages (even,
 * 4..256; 0: PV_CHAN_DEFAULT_PAGES) allocated here: 0 and *out, or SKIFF_E_NOENT (no such offer),
 * SKIFF_E_NOMEM, or what CHAN_OPEN or CHAN_INFO answered.
 */
long pv_chan_open(unsigned int class_id, unsigned int instance, unsigned int npages,
		  struct pv_chan **out);

/**
 * Root: attaches to open channel `id` (after SKIFF_EV_CHANNEL). Its rings are in root's grant
 * window, which is mapped on first use; root reads the child->root half and writes the
 * root->child half. 0 and *out, PV_CHAN_CLOSED when it is not open, or an error.
 */
long pv_chan_attach(unsigned int id, struct pv_chan **out);

/**
 * Sends one packet and rings the peer if the ring says so. 0, PV_RING_FULL (try again after a
 * doorbell, or use pv_chan_send_wait), PV_RING_TOOBIG, PV_CHAN_CLOSED or a violation.
 */
long pv_chan_send(struct pv_chan *ch, unsigned int type, unsigned int flags, uint64_t txid,
		  const void *buf, uint32_t len);

/**
 * pv_chan_send without ringing: sets *ring (never clears it) when the peer must be rung, which
 * the caller does later, once for a batch (pv_chan_ring, or pv_event_send_wait to ring and sleep
 * in one call).
 */
long pv_chan_send_deferred(struct pv_chan *ch, unsigned int type, unsigned int flags, uint64_t txid,
			   const void *buf, uint32_t len, bool *ring);

/**
 * Sends msgs[0..n) in order, as many as fit now, made visible to the peer together and ringing
 * it at most once (the ring was empty and the peer is not polling). Returns how many were sent,
 * fewer than n when the ring filled up (pv_chan_wait_space, then send the rest) or a packet was
 * PV_RING_TOOBIG (it is then the first of the rest); with none sent, PV_RING_FULL, PV_RING_TOOBIG,
 * PV_CHAN_CLOSED or a violation.
 */
long pv_chan_send_batch(struct pv_chan *ch, const struct pv_ring_msg *msgs, unsigned int n);

/** Rings the peer (EVENT_SEND), after pv_chan_send_deferred asked for it. */
void pv_chan_ring(struct pv_chan *ch);

/** pv_chan_send, waiting while the ring is full: PV_RING_FULL only after `timeout_us` (0: never).
 */
long pv_chan_send_wait(struct pv_chan *ch, unsigned int type, unsigned int flags, uint64_t txid,
		       const void *buf, uint32_t len, unsigned long timeout_us);

/**
 * Receives one packet without waiting: its payload length (header in *pkt, payload in `buf`),
 * PV_RING_EMPTY, PV_RING_TOOBIG (the packet stays, pkt->len says its size), PV_CHAN_CLOSED or a
 * violation. Rings the peer when it waits for the space this made.
 */
long pv_chan_recv(struct pv_chan *ch, struct skiff_packet *pkt, void *buf, uint32_t size);

/**
 * Receives up to `max` packets at once, their payloads copied one after the other (each at an
 * 8-byte aligned offset) into `buf` of `size` bytes, their headers into msgs[]; their space goes
 * back to the peer together (rung once if it waits for it). Returns how many (fewer than `max`:
 * no more waiting, or the next does not fit in what is left of `buf`), or with none,
 * PV_RING_EMPTY, PV_RING_TOOBIG (the next packet is larger than `size`: pv_chan_recv or
 * pv_chan_discard it), PV_CHAN_CLOSED or a violation.
 */
long pv_chan_recv_batch(struct pv_chan *ch, struct pv_ring_msg *msgs, unsigned int max, void *buf,
			uint32_t size);

/** pv_chan_recv, waiting for a packet: PV_RING_EMPTY only after `timeout_us` (0: never). */
long pv_chan_recv_wait(struct pv_chan *ch, struct skiff_packet *pkt, void *buf, uint32_t size,
		       unsigned long timeout_us);

/**
 * A request and the next packet to arrive (its reply, from a peer that answers in order), waiting
 * without a timeout: the next packet's length (header in *pkt), or as pv_chan_send / _recv.
 * When nothing was waiting to be received, ringing the peer and sleeping until the reply's
 * doorbell are one hypercall (SKIFF_HVC_EVENT_SEND_WAIT). Unmasks doorbells (pv_chan_unmask).
 */
long pv_chan_call(struct pv_chan *ch, unsigned int type, unsigned int flags, uint64_t txid,
		  const void *req, uint32_t len, struct skiff_packet *pkt, void *resp,
		  uint32_t size);

/**
 * Sleeps until a doorbell newer than `seen` (ch->doorbells read before the caller last looked at
 * the rings), the channel closing, or `timeout_us` (0: never): false only on the timeout. For a
 * caller that both sends and receives.
 */
bool pv_chan_wait(struct pv_chan *ch, unsigned long seen, unsigned long timeout_us);

/**
 * Polling: stops the peer ringing for incoming packets (interrupt_mask = 1) while the caller
 * keeps receiving anyway, which saves a doorbell per packet when both sides are busy.
 */
void pv_chan_mask(struct pv_chan *ch);

/**
 * Ends polling: doorbells again for incoming packets. Returns the bytes already waiting, which
 * no doorbell will announce (receive them before sleeping), 0, PV_CHAN_CLOSED or a violation.
 */
long pv_chan_unmask(struct pv_chan *ch);

/** Drops the next packet (after PV_RING_TOOBIG, say): its length, or as pv_chan_recv. */
long pv_chan_discard(struct pv_chan *ch);

/**
 * Waits until `bytes` are free to write (pv_ring_packet_bytes of what is to be sent): 0,
 * PV_RING_FULL after `timeout_us` (0: never), PV_RING_TOOBIG (more than the ring can ever have
 * free), PV_CHAN_CLOSED or a violation. A writer streaming packets waits for a good part of the
 * ring (half, say) rather than for one packet, so the reader is not woken for each.
 */
long pv_chan_wait_space(struct pv_chan *ch, uint32_t bytes, unsigned long timeout_us);

/**
 * Waits until the peer has read everything sent (before shutting down, say): 0, PV_RING_FULL
 * after `timeout_us` (0: never), PV_CHAN_CLOSED or a violation.
 */
long pv_chan_drain(struct pv_chan *ch, unsigned long timeout_us);

/** Sets the function called on each doorbell and on closing (NULL: none). */
void pv_chan_set_notify(struct pv_chan *ch, pv_chan_fn fn, void *ctx);

/** Asks CHAN_INFO whether the channel is still the one we opened and open; false marks it closed.
 */
bool pv_chan_check(struct pv_chan *ch);

/**
 * Closes this end (CHAN_CLOSE, also when the peer closed first or the channel was revoked: the
 * hypervisor frees the id once both ends have closed it), stops its doorbell and frees it, and
 * the child's ring pages once the hypervisor no longer grants them: 0 or a SKIFF_E_* code.
 */
long pv_chan_close(struct pv_chan *ch);

/** Called (IRQ context) after each SKIFF_EV_CHANNEL once the channels' states are refreshed. */
void pv_chan_set_event_hook(void (*fn)(void));

#endif
