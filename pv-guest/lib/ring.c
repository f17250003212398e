/**
 * Channel rings (pv/ring.h, docs/channels.md "Rings"). Who owns which header field:
 *   writer: write_index, pending_send_size, feature_bits
 *   reader: read_index, interrupt_mask
 * A side stores only its own fields and loads each of the peer's at most once per decision into
 * a local, which is checked before use. `r->size` and `r->index` never come from shared memory.
 *
 * Every header access is a sequentially consistent atomic (LDAR/STLR on AArch64, no DMB needed:
 * their RCsc ordering keeps a store before a later load). That gives release/acquire for the data
 * (bytes are written before the index that announces them, read before the index that gives them
 * back) and makes the two wake-ups store-load handshakes in which at least one side sees the
 * other's store:
 *   writer: store write_index;      load interrupt_mask, read_index   (ring if it was empty)
 *   reader: store read_index;       load write_index                  (the next read sees it)
 *   writer: store pending_send_size; load read_index                  (look again before waiting)
 *   reader: store read_index;       load pending_send_size, write_index (ring if it now fits)
 */
#include <pv/ring.h>
#include <pv/string.h>

#define HDR_BYTES ((uint32_t)sizeof(struct skiff_packet))
#define RESERVE SKIFF_PKT_ALIGN /* never filled: a full ring must not look empty */

static uint32_t load(const unsigned int *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static void store(unsigned int *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

/* After copying out of shared memory: later uses read the copy, never the shared bytes again. */
static void compiler_barrier(void)
{
	__asm__ volatile("" : : : "memory");
}

static inline __attribute__((always_inline)) bool index_ok(const struct pv_ring *r, uint32_t i)
{
	return i < r->size && i % SKIFF_PKT_ALIGN == 0;
}

/* Bytes from `from` forward to `to` in a ring of r->size (both already checked). */
static inline __attribute__((always_inline)) uint32_t distance(const struct pv_ring *r,
							       uint32_t from, uint32_t to)
{
	return to >= from ? to - from : r->size - from + to;
}

/* i < size, n <= size, size <= 2^30: no overflow, no division. */
static inline __attribute__((always_inline)) uint32_t advance(const struct pv_ring *r, uint32_t i,
							      uint32_t n)
{
	return i + n >= r->size ? i + n - r->size : i + n;
}

static long fail(struct pv_ring *r, long violation)
{
	r->broken = violation;
	return violation;
}

/* Copies n <= size bytes into the data area at `off`, wrapping. */
static inline __attribute__((always_inline)) void copy_in(struct pv_ring *r, uint32_t off,
							  const void *src, uint32_t n)
{
	uint32_t first = n < r->size - off ? n : r->size - off;

	if (first)
		memcpy(r->data + off, src, first);
	if (n > first)
		memcpy(r->data, (const uint8_t *)src + first, n - first);
}

static inline __attribute__((always_inline)) void copy_out(const struct pv_ring *r, uint32_t off,
							   void *dst, uint32_t n)
{
	uint32_t first = n < r->size - off ? n : r->size - off;

	if (first)
		memcpy(dst, r->data + off, first);
	if (n > first)
		memcpy((uint8_t *)dst + first, r->data, n - first);
	compiler_barrier();
}

/*
 * A packet header is two aligned words at an 8-aligned offset (it wraps, if at all, between
 * them), so it moves as two word accesses instead of through memcpy.
 */
typedef uint64_t __attribute__((may_alias)) ring_word;

union header {
	struct skiff_packet pkt;
	uint64_t w[2];
};

_Static_assert(sizeof(union header) == HDR_BYTES, "a packet header is two words");

static void put_word(struct pv_ring *r, uint32_t off, uint64_t v)
{
	*(ring_word *)(r->data + off) = v;
}

static uint64_t get_word(const struct pv_ring *r, uint32_t off)
{
	return *(const ring_word *)(r->data + off);
}

static long init(struct pv_ring *r, void *hdr, void *data, uint32_t size)
{
	if (size % SKIFF_PKT_ALIGN || size < PV_RING_MIN_SIZE || size > PV_RING_MAX_SIZE ||
	    (uintptr_t)hdr % SKIFF_PKT_ALIGN || (uintptr_t)data % SKIFF_PKT_ALIGN)
		return PV_RING_INVAL;
	*r = (struct pv_ring){ .hdr = hdr, .data = data, .size = size };
	return 0;
}

long pv_ring_init_writer(struct pv_ring *r, void *hdr, void *data, uint32_t size)
{
	long rc = init(r, hdr, data, size);

	if (rc)
		return rc;
	store(&r->hdr->pending_send_size, 0);
	store(&r->hdr->feature_bits, SKIFF_RING_F_PENDING_SEND);
	store(&r->hdr->write_index, 0);
	return 0;
}

long pv_ring_init_reader(struct pv_ring *r, void *hdr, void *data, uint32_t size)
{
	long rc = init(r, hdr, data, size);

	if (rc)
		return rc;
	store(&r->hdr->interrupt_mask, 0);
	store(&r->hdr->read_index, 0);
	return 0;
}

const char *pv_ring_strerror(long rc)
{
	switch (rc) {
	case PV_RING_EMPTY:
		return "ring empty";
	case PV_RING_FULL:
		return "ring full";
	case PV_RING_TOOBIG:
		return "packet too big";
	case PV_RING_INVAL:
		return "unusable ring size";
	case PV_RING_BAD_INDEX:
		return "peer's ring index out of range or unaligned";
	case PV_RING_BAD_LENGTH:
		return "packet length beyond what the peer wrote";
	}
	return rc >= 0 ? "ok" : "unknown ring error";
}

/* ---- Writer ---- */

/* Free bytes for packets given the reader's read_index, or a violation. */
static inline __attribute__((always_inline)) long free_bytes(struct pv_ring *r)
{
	uint32_t rd;

	if (r->broken)
		return r->broken;
	rd = load(&r->hdr->read_index);
	if (!index_ok(r, rd))
		return fail(r, PV_RING_BAD_INDEX);
	return (long)(r->size - RESERVE - distance(r, rd, r->index));
}

long pv_ring_avail_write(struct pv_ring *r)
{
	return free_bytes(r);
}

long pv_ring_request_space(struct pv_ring *r, uint32_t bytes)
{
	long avail;

	if (r->broken)
		return r->broken;
	store(&r->hdr->pending_send_size, bytes);
	r->waiting = true;
	avail = free_bytes(r);
	if (avail >= (long)bytes) {
		store(&r->hdr->pending_send_size, 0);
		r->waiting = false;
	}
	return avail;
}

/*
 * Header, payload and zeroed padding at r->index; returns the offset after the packet. The
 * payload's last, partial word is zeroed first and then partly overwritten: that is the padding.
 */
static inline __attribute__((always_inline)) uint32_t
put_packet(struct pv_ring *r, const union header *h, const void *payload)
{
	uint32_t off = advance(r, r->index, SKIFF_PKT_ALIGN), len = h->pkt.len;

	put_word(r, r->index, h->w[0]);
	put_word(r, off, h->w[1]);
	off = advance(r, off, SKIFF_PKT_ALIGN);
	if (len % SKIFF_PKT_ALIGN)
		put_word(r, advance(r, off, len & ~(SKIFF_PKT_ALIGN - 1)), 0);
	copy_in(r, off, payload, len);
	return advance(r, off, pv_ring_packet_bytes(len) - HDR_BYTES);
}

long pv_ring_write(struct pv_ring *r, unsigned int type, unsigned int flags, uint64_t txid,
		   const void *payload, uint32_t len, bool *signal)
{
	union header h = { { (unsigned short)type, (unsigned short)flags, len, txid } };
	uint32_t old = r->index, need;
	long avail;

	*signal = false;
	if (r->broken)
		return r->broken;
	if (len > SKIFF_PKT_MAX_PAYLOAD || pv_ring_packet_bytes(len) > r->size - RESERVE)
		return PV_RING_TOOBIG;
	need = pv_ring_packet_bytes(len);
	avail = free_bytes(r);
	if (avail >= 0 && avail < (long)need)
		avail = pv_ring_request_space(r, need);
	if (avail < 0)
		return avail;
	if (avail < (long)need)
		return PV_RING_FULL;
	if (r->waiting) {
		store(&r->hdr->pending_send_size, 0);
		r->waiting = false;
	}
	r->index = put_packet(r, &h, payload);
	store(&r->hdr->write_index, r->index);
	/* Empty before this packet: the reader has given back everything up to `old`. */
	*signal = load(&r->hdr->interrupt_mask) == 0 && load(&r->hdr->read_index) == old;
	return 0;
}

/* ---- Reader ---- */

/* Bytes published and unread, or a violation. */
static inline __attribute__((always_inline)) long used_bytes(struct pv_ring *r)
{
	uint32_t wr;

	if (r->broken)
		return r->broken;
	wr = load(&r->hdr->write_index);
	if (!index_ok(r, wr))
		return fail(r, PV_RING_BAD_INDEX);
	return (long)distance(r, r->index, wr);
}

long pv_ring_avail_read(struct pv_ring *r)
{
	return used_bytes(r);
}

/* Copies out and checks the next packet's header: its payload length, empty or a violation. */
static inline __attribute__((always_inline)) long head(struct pv_ring *r, struct skiff_packet *pkt)
{
	long used = used_bytes(r);
	union header h;

	if (used <= 0)
		return used ? used : PV_RING_EMPTY;
	if (used < (long)HDR_BYTES)
		return fail(r, PV_RING_BAD_LENGTH);
	h.w[0] = get_word(r, r->index);
	h.w[1] = get_word(r, advance(r, r->index, SKIFF_PKT_ALIGN));
	compiler_barrier();
	*pkt = h.pkt;
	if (h.pkt.len > SKIFF_PKT_MAX_PAYLOAD || pv_ring_packet_bytes(h.pkt.len) > (uint32_t)used)
		return fail(r, PV_RING_BAD_LENGTH);
	return h.pkt.len;
}

long pv_ring_peek(struct pv_ring *r, struct skiff_packet *pkt)
{
	return head(r, pkt);
}

/*
 * Gives `n` bytes back to the writer and decides whether to ring it: only when it waits
 * (pending_send_size) for space that was missing before this read and is there now. write_index
 * is loaded again after the store: a writer that wrote since our first look and then started
 * waiting must be judged by the space it saw.
 */
static inline __attribute__((always_inline)) bool consume(struct pv_ring *r, uint32_t n)
{
	uint32_t pending, wr, free_now;

	r->index = advance(r, r->index, n);
	store(&r->hdr->read_index, r->index);
	pending = load(&r->hdr->pending_send_size);
	if (!pending)
		return false;
	wr = load(&r->hdr->write_index);
	if (!index_ok(r, wr))
		return false; /* the next read reports it */
	free_now = r->size - RESERVE - distance(r, r->index, wr);
	return free_now >= pending && (free_now < n || free_now - n < pending);
}

long pv_ring_read(struct pv_ring *r, struct skiff_packet *pkt, void *buf, uint32_t bufsize,
		  bool *signal)
{
	long len = head(r, pkt);

	*signal = false;
	if (len < 0)
		return len;
	if ((uint32_t)len > bufsize)
		return PV_RING_TOOBIG;
	copy_out(r, advance(r, r->index, HDR_BYTES), buf, (uint32_t)len);
	*signal = consume(r, pv_ring_packet_bytes((uint32_t)len));
	return len;
}

long pv_ring_discard(struct pv_ring *r, bool *signal)
{
	struct skiff_packet pkt;
	long len = head(r, &pkt);

	*signal = false;
	if (len >= 0)
		*signal = consume(r, pv_ring_packet_bytes((uint32_t)len));
	return len;
}

void pv_ring_mask(struct pv_ring *r)
{
	store(&r->hdr->interrupt_mask, 1);
}

long pv_ring_unmask(struct pv_ring *r)
{
	store(&r->hdr->interrupt_mask, 0);
	return used_bytes(r);
}
