/**
 * One direction of a channel (docs/channels.md, "Rings"): the ring code both ends use, portable C
 * with no hypercalls, so it runs unchanged in guests and in host unit tests. A call that wants the
 * peer rung says so in *signal; the caller rings it (EVENT_SEND).
 *
 * The header and data live in memory the peer may write at any moment. The ring keeps its own
 * index (write index for a writer, read index for a reader) and its data size privately and never
 * reads them back. It loads the peer's index at most once per call, and only when what it learnt
 * from the last load is used up (the peer can only add to that), checks every load (< size,
 * multiple of 8), and copies a packet's header out before checking its length against the bytes
 * the peer published. A violation is sticky: every later call on that ring returns it, and the
 * channel should be closed.
 *
 * Ordering: header fields are accessed with sequentially consistent atomics, so payload bytes
 * are written before the index that announces them and read before the index that gives them
 * back, and the two wake-up decisions (empty -> non-empty, pending_send_size now fits), which are
 * store-load handshakes, cannot both miss (ring.c explains).
 */
#ifndef PV_RING_H
#define PV_RING_H

#include <skiff-abi/channel.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * Results other than a payload length (>= 0). Kept apart from the hypercall errors (SKIFF_E_*,
 * -1..-8) so the channel calls can return either.
 */
#define PV_RING_EMPTY (-32)  /* read, peek: nothing to read */
#define PV_RING_FULL (-33)   /* write: no room now; pending_send_size asks the reader to ring */
#define PV_RING_TOOBIG (-34) /* the caller's mistake, not the peer's: see pv_ring_write/_read */
#define PV_RING_INVAL (-35)  /* pv_ring_init_*: a data size the ring cannot use */
/* Violations by the peer: the ring is unusable from then on. */
#define PV_RING_BAD_INDEX (-40)  /* the peer's index is >= the data size or not a multiple of 8 */
#define PV_RING_BAD_LENGTH (-41) /* a packet longer than the bytes published or than the limit */

/** True for a result that means the peer broke the protocol (close the channel). */
static inline bool pv_ring_violation(long rc)
{
	return rc == PV_RING_BAD_INDEX || rc == PV_RING_BAD_LENGTH;
}

/** A short description of any PV_RING_* result, for reports. */
const char *pv_ring_strerror(long rc);

/** Data sizes a ring accepts: a multiple of SKIFF_PKT_ALIGN in this range. */
#define PV_RING_MIN_SIZE 64U
#define PV_RING_MAX_SIZE (1U << 30)

/** One end's view of one ring. Fields are private to ring.c (tests may look). */
struct pv_ring {
	struct skiff_ring_header *hdr; /* shared */
	uint8_t *data;                 /* shared, `size` bytes */
	uint32_t size;                 /* data bytes, known locally, never read from `hdr` */
	uint32_t index;  /* my own index: write_index (writer) or read_index (reader) */
	uint32_t known;  /* writer: bytes known free; reader: bytes known published (ring.c) */
	uint32_t stored; /* my index as last stored in the header (publish, release) */
	bool waiting;    /* writer: pending_send_size is set */
	long broken;     /* 0, or the violation every call now returns */
};

/** One packet of a batch (pv_ring_write_many, pv_ring_read_many, pv_chan_send/recv_batch). */
struct pv_ring_msg {
	struct skiff_packet hdr; /* type, flags, len (payload bytes), txid */
	const void *buf;         /* the payload (read: in the reader's buffer) */
};

/** Bytes a packet with `len` payload bytes takes in a ring: header, payload, padding to 8. */
static inline uint32_t pv_ring_packet_bytes(uint32_t len)
{
	return (uint32_t)sizeof(struct skiff_packet) +
	       ((len + SKIFF_PKT_ALIGN - 1) & ~(SKIFF_PKT_ALIGN - 1));
}

/**
 * Starts the writer's end: write_index = 0, pending_send_size = 0, feature_bits =
 * SKIFF_RING_F_PENDING_SEND. `data` holds `size` bytes; it and `hdr` are 8-byte aligned (pages, in
 * a channel). 0 or PV_RING_INVAL.
 */
long pv_ring_init_writer(struct pv_ring *r, void *hdr, void *data, uint32_t size);

/** Starts the reader's end: read_index = 0, interrupt_mask = 0. 0 or PV_RING_INVAL. */
long pv_ring_init_reader(struct pv_ring *r, void *hdr, void *data, uint32_t size);

/**
 * Writes one packet. 0 when written; *signal then says whether to ring the reader (the ring was
 * empty before this packet and the reader's interrupt_mask is 0). PV_RING_FULL when it does not
 * fit now: pending_send_size is set so the reader rings once it does. PV_RING_TOOBIG when `len` >
 * SKIFF_PKT_MAX_PAYLOAD or the packet could never fit (pv_ring_packet_bytes(len) > size - 8).
 * Or a violation (the reader's read_index is bad). *signal is false unless 0 is returned.
 */
long pv_ring_write(struct pv_ring *r, unsigned int type, unsigned int flags, uint64_t txid,
		   const void *payload, uint32_t len, bool *signal);

/**
 * pv_ring_write without making the packet visible yet: it is in the ring, but the reader sees it
 * only after pv_ring_publish. A writer with a batch calls this for each packet and publishes
 * once; it must publish before it waits for space or sleeps. Returns as pv_ring_write.
 */
long pv_ring_write_deferred(struct pv_ring *r, unsigned int type, unsigned int flags, uint64_t txid,
			    const void *payload, uint32_t len);

/**
 * pv_ring_write_deferred for m[0..n) in order: how many were written (fewer than n when the next
 * did not fit, or was too big: the next call reports it), or with none, what
 * pv_ring_write_deferred returned for the first.
 */
long pv_ring_write_many(struct pv_ring *r, const struct pv_ring_msg *m, unsigned int n);

/**
 * Makes every packet written so far visible to the reader (stores write_index). True when the
 * reader should be rung: the ring was empty before them and its interrupt_mask is 0.
 */
bool pv_ring_publish(struct pv_ring *r);

/**
 * Reads the next packet: its header into *pkt, its payload into `buf`. Returns the payload length
 * (0 is a valid packet), PV_RING_EMPTY, or a violation. PV_RING_TOOBIG when the payload is larger
 * than `bufsize`: the packet stays in the ring and *pkt holds its header (pkt->len says what is
 * needed; pv_ring_discard drops it). *signal says whether to ring the writer (it waits for space
 * that this read made).
 */
long pv_ring_read(struct pv_ring *r, struct skiff_packet *pkt, void *buf, uint32_t bufsize,
		  bool *signal);

/**
 * pv_ring_read without giving the space back yet: the packet is consumed here (the next call
 * reads the one after it), but the writer sees its space only after pv_ring_release. A reader
 * taking a batch calls this for each packet and releases once; it must release before it unmasks
 * or sleeps (the writer's empty -> non-empty test looks at read_index).
 */
long pv_ring_read_deferred(struct pv_ring *r, struct skiff_packet *pkt, void *buf,
			   uint32_t bufsize);

/**
 * pv_ring_read_deferred for up to `max` packets, their payloads one after the other at 8-byte
 * aligned offsets of `buf` (`size` bytes), their headers and places in m[]: how many were read
 * (fewer than `max` when no more were waiting, the next does not fit in what is left of `buf`,
 * or the peer broke the protocol: the next call reports it), or with none, what
 * pv_ring_read_deferred returned.
 */
long pv_ring_read_many(struct pv_ring *r, struct pv_ring_msg *m, unsigned int max, void *buf,
		       uint32_t size);

/**
 * Gives the space of every packet read so far back to the writer (stores read_index). True when
 * the writer should be rung: it waits (pending_send_size) for space that is there only now.
 */
bool pv_ring_release(struct pv_ring *r);

/** The next packet's header without consuming it: its payload length, PV_RING_EMPTY or a violation.
 */
long pv_ring_peek(struct pv_ring *r, struct skiff_packet *pkt);

/** Drops the next packet (as pv_ring_read without copying): its payload length, or as peek. */
long pv_ring_discard(struct pv_ring *r, bool *signal);

/** Reader: bytes published and not yet read, or a violation. */
long pv_ring_avail_read(struct pv_ring *r);

/** Writer: bytes a packet may take now (pv_ring_packet_bytes(len) <= this fits), or a violation. */
long pv_ring_avail_write(struct pv_ring *r);

/**
 * Writer: asks the reader to ring once `bytes` are free (pending_send_size), then looks again.
 * Returns the free bytes now, or a violation; when they already reach `bytes` the request is
 * withdrawn and no ring will come. bytes = size - 8 waits for the reader to empty the ring.
 */
long pv_ring_request_space(struct pv_ring *r, uint32_t bytes);

/** Reader: interrupt_mask = 1, the writer stops ringing (the reader polls). */
void pv_ring_mask(struct pv_ring *r);

/**
 * Reader: interrupt_mask = 0, then looks again: bytes waiting (read them: no ring will come for
 * them), 0, or a violation. The check after unmasking closes the race with a writer that saw the
 * mask still set.
 */
long pv_ring_unmask(struct pv_ring *r);

#endif
