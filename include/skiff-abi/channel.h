/**
 * Skiff channels: VMBus-like shared-memory ring pairs between a child VM and the root partition,
 * with event-port doorbells. Shared by the hypervisor (which grants and revokes the pages but
 * never reads ring contents), pv-guest (both ends' ring code) and tools. Versioned with the
 * hypercall ABI. Protocol: docs/channels.md.
 *
 * Every field here lives in memory the other side can write at any time: a reader copies an
 * index or length once into a local, checks it against sizes it knows on its own, and treats any
 * violation as fatal for the channel (close it, report it), never for itself.
 */
#ifndef SKIFF_ABI_CHANNEL_H
#define SKIFF_ABI_CHANNEL_H

#define SKIFF_CHANNEL_VERSION 1

/* ---- Service classes (an offer's class) ---- */
#define SKIFF_CLASS_CONSOLE 1   /* guest console output/input, multiplexed by root */
#define SKIFF_CLASS_HEARTBEAT 2 /* root asks, guest answers: liveness */
#define SKIFF_CLASS_SHUTDOWN 3  /* root asks the guest to shut down gracefully */
#define SKIFF_CLASS_BALLOON 4   /* root sets a memory target, the guest's balloon follows */
#define SKIFF_CLASS_ECHO 5      /* test/benchmark service: root echoes every packet back */
#define SKIFF_CLASS_SINK 6      /* test/benchmark service: root reads and drops every packet */

/* Channel ids are 0 .. SKIFF_CHAN_MAX - 1 (CHAN_INFO answers SKIFF_E_NOENT beyond). */
#define SKIFF_CHAN_MAX 256

/* ---- Ring area layout ----
 * A child shares `npages` pages at one page-aligned IPA range (even count, 4..256). The first
 * half is the child->root ring ("out", the child writes), the second half the root->child ring
 * ("in", root writes). Each ring = one header page + (npages/2 - 1) data pages. */
#define SKIFF_RING_PAGE 4096U
#define SKIFF_RING_MIN_PAGES 4U
#define SKIFF_RING_MAX_PAGES 256U

struct skiff_ring_header {
	unsigned int write_index;    /* byte offset of the next write, < data size, multiple of 8 */
	unsigned int read_index;     /* byte offset of the next read, < data size, multiple of 8 */
	unsigned int interrupt_mask; /* 1: the reader is polling, do not signal it */
	unsigned int pending_send_size; /* writer waits for this many free bytes (0: not waiting) */
	unsigned int feature_bits;      /* SKIFF_RING_F_* the writer supports */
	unsigned int reserved[11];
};

#define SKIFF_RING_F_PENDING_SEND 1U /* the writer honours pending_send_size */

/* A ring is empty when read == write; a writer never fills the last 8 bytes, so full != empty.
 * Packets are 8-byte aligned and may wrap around the end of the data area. */
struct skiff_packet {
	unsigned short type;     /* SKIFF_PKT_* */
	unsigned short flags;    /* SKIFF_PKT_F_* */
	unsigned int len;        /* payload bytes after this header (not counting padding) */
	unsigned long long txid; /* transaction id: a reply carries its request's */
};

#define SKIFF_PKT_ALIGN 8U
#define SKIFF_PKT_MAX_PAYLOAD 65536U

/* Packet types (per service; the common ones first). */
#define SKIFF_PKT_DATA 1     /* console bytes, echo payload */
#define SKIFF_PKT_REQUEST 2  /* heartbeat ping, shutdown request */
#define SKIFF_PKT_RESPONSE 3 /* heartbeat pong, shutdown acknowledgement */

#define SKIFF_PKT_F_COMPLETION 1U /* the sender wants a RESPONSE with the same txid */

/* ---- BALLOON (docs/channels.md, "Balloon") ----
 * root -> guest: SKIFF_PKT_BALLOON_TARGET (struct skiff_balloon_target), or SKIFF_PKT_REQUEST
 * with no payload to ask for a status. guest -> root: SKIFF_PKT_BALLOON_STATUS (struct
 * skiff_balloon_status) with the request's txid, after every target and when asked; txid 0 when
 * it volunteers one (the channel just opened). Any other packet to the guest is answered with a
 * STATUS whose result is SKIFF_E_INVAL; the guest changes nothing. */
#define SKIFF_PKT_BALLOON_TARGET 16
#define SKIFF_PKT_BALLOON_STATUS 17

/** The memory the guest should keep: RAM minus balloon. >= its RAM: an empty balloon. */
struct skiff_balloon_target {
	unsigned long long target_bytes; /* rounded up to whole 4 KiB pages */
};

/** What the guest's balloon holds and what its heap could still give. */
struct skiff_balloon_status {
	unsigned long long balloon_bytes; /* given back to the hypervisor, held by the balloon */
	unsigned long long free_bytes;   /* heap the guest is not using: what it could still give */
	unsigned long long target_bytes; /* the target it follows (its RAM: none set) */
	int result;                      /* 0, or SKIFF_E_INVAL: the request was malformed */
	unsigned int reserved;
};

/* ---- Hypercall structures (see hypercall.h: CHAN_* calls) ---- */

struct skiff_offer {
	unsigned int offer_id;
	unsigned int class_id;
	unsigned int instance;
	unsigned int flags; /* reserved, 0 */
};

enum skiff_channel_state {
	SKIFF_CHAN_FREE = 0,
	SKIFF_CHAN_OPEN = 1,
	SKIFF_CHAN_CLOSED =
		2, /* closed by either side or revoked; the id is not reused until freed */
};

/** What CHAN_INFO reports, from the caller's point of view. */
struct skiff_channel_info {
	unsigned int channel_id;
	unsigned int state; /* enum skiff_channel_state */
	unsigned int offer_id;
	unsigned int class_id;
	unsigned int instance;
	unsigned int child_vm;
	unsigned int npages;
	unsigned int my_port; /* the peer rings this port of mine (EVENT_SEND(me, my_port)) */
	unsigned int peer_vm;
	unsigned int peer_port;      /* I ring the peer with EVENT_SEND(peer_vm, peer_port) */
	unsigned long long ring_ipa; /* where the ring area is in the caller's IPA space */
};

#endif
