/**
 * Channel rings (pv/ring.h, docs/channels.md "Rings"). Who owns which header field:
 *   writer: write_index, pending_send_size, feature_bits
 *   reader: read_index, interrupt_mask
 * A side stores only its own fields and loads each of the peer's at most once per decision into
 * a local, which is checked before use. `r->size` and `r->index` never come from shared memory.
 *
 * The hot paths (one packet written or read) are kept short, since a 64-byte packet's whole cost
 * is a few dozen instructions (make bench: channel_throughput_64):
 * - each side remembers in `r->known` what it learnt the last time it loaded the peer's index
 *   (writer: bytes free, reader: bytes published and unread) and loads it again only once that
 *   is used up. The peer only ever adds to either, so the remembered figure is a lower bound;
 *   every load is still checked. `known` is 0 while the ring is broken or the writer waits
 *   (pending_send_size), so one comparison sends those cases down the slow path too;
 * - a packet that does not reach the end of the data area (most) is moved with plain offsets,
 *   one that wraps or ends exactly there takes the general path (the same checks, with wrapping);
 * - a writer may write several packets before publishing them (pv_ring_write_deferred/_many,
 *   pv_ring_publish), a reader may take several before giving their space back
 *   (pv_ring_read_deferred/_many, pv_ring_release): one store of the index and one look at the
 *   peer's fields per batch;
 * - a payload of up to SMALL_COPY bytes is copied inline, and the fast paths make no calls.
 *
 * Every header access is a sequentially consistent atomic (LDAR/STLR on AArch64), and each
 * handshake has a DMB between its store and its load (handshake_fence: QEMU does not keep the
 * RCsc order of STLR then LDAR on x86 hosts). That gives release/acquire for the data
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
#define SMALL_COPY 128U         /* payloads up to this are copied inline (copy_small) */

#define unlikely(x) __builtin_expect(!!(x), 0)
#define HOT static inline __attribute__((always_inline))
#define COLD static __attribute__((noinline, cold))

static uint32_t load(const unsigned int *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static void store(unsigned int *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

/*
 * Between the store and the load of a wake-up handshake (the file comment). On hardware the
 * STLR and LDAR are ordered already (RCsc); QEMU's TCG on an x86 host puts the STLR's barrier
 * before the store and the LDAR's after the load, so the host's store buffer lets the load
 * pass the store, and a doorbell between guests on two CPUs was lost (tests/qemu/
 * test_root_services.py, -smp 4). A DMB ISH keeps the order everywhere, one instruction per
 * batch.
 */
static void handshake_fence(void)
{
#ifdef __aarch64__
	__asm__ volatile("dmb ish" : : : "memory");
#else /* the host tests (ThreadSanitizer has no fences): a full-barrier read-modify-write */
	static unsigned int fence_word;

	__atomic_fetch_add(&fence_word, 0, __ATOMIC_SEQ_CST);
#endif
}

/* After copying out of shared memory: later uses read the copy, never the shared bytes again. */
static void compiler_barrier(void)
{
	__asm__ volatile("" : : : "memory");
}

HOT bool index_ok(const struct pv_ring *r, uint32_t i)
{
	return i < r->size && i % SKIFF_PKT_ALIGN == 0;
}

/* Bytes from `from` forward to `to` in a ring of r->size (both already checked). */
HOT uint32_t distance(const struct pv_ring *r, uint32_t from, uint32_t to)
{
	return to >= from ? to - from : r->size - from + to;
}

/* i < size, n <= size, size <= 2^30: no overflow, no division. */
HOT uint32_t advance(const struct pv_ring *r, uint32_t i, uint32_t n)
{
	return i + n >= r->size ? i + n - r->size : i + n;
}

static long fail(struct pv_ring *r, long violation)
{
	r->broken = violation;
	r->known = 0;
	return violation;
}

/*
 * n bytes between a caller's buffer (any alignment) and the ring: memcpy, except that payloads of
 * at most SMALL_COPY bytes are copied here as two overlapping fixed-size pieces (the first and the
 * last 2^k bytes for n in (2^k, 2^(k+1)]), which the compiler makes single loads and stores:
 * pv-guest builds this file without -mstrict-align, since rings are used only with the MMU on,
 * where guest RAM is Normal memory and unaligned accesses are allowed. Bytes read twice from
 * shared memory land in the same place of the caller's copy, which is all that is used. memcpy
 * with a NULL pointer is undefined even for 0 bytes, and a 0-byte payload may have no buffer.
 */
#define PIECES(k)                                              \
	do {                                                   \
		__builtin_memcpy(d, s, k);                     \
		__builtin_memcpy(d + n - (k), s + n - (k), k); \
	} while (0)

HOT void copy_small(uint8_t *d, const uint8_t *s, uint32_t n)
{
	if (n > 32) {
		if (n > 64) {
			PIECES(64);
			return;
		}
		PIECES(32);
	} else if (n > 8) {
		if (n > 16)
			PIECES(16);
		else
			PIECES(8);
	} else if (n >= 4) {
		PIECES(4);
	} else if (n) {
		d[0] = s[0];
		d[n / 2] = s[n / 2];
		d[n - 1] = s[n - 1];
	}
}

static void copy(void *dst, const void *src, uint32_t n)
{
	if (n <= SMALL_COPY)
		copy_small(dst, src, n);
	else
		memcpy(dst, src, n);
}

/* Copies n <= size bytes into the data area at `off`, wrapping. */
static void copy_in(struct pv_ring *r, uint32_t off, const void *src, uint32_t n)
{
	uint32_t first = n < r->size - off ? n : r->size - off;

	copy(r->data + off, src, first);
	copy(r->data, (const uint8_t *)src + first, n - first);
}

static void copy_out(const struct pv_ring *r, uint32_t off, void *dst, uint32_t n)
{
	uint32_t first = n < r->size - off ? n : r->size - off;

	copy(dst, r->data + off, first);
	copy((uint8_t *)dst + first, r->data, n - first);
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

HOT void put_word(struct pv_ring *r, uint32_t off, uint64_t v)
{
	*(ring_word *)(r->data + off) = v;
}

HOT uint64_t get_word(const struct pv_ring *r, uint32_t off)
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
static long free_bytes(struct pv_ring *r)
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
	long avail = free_bytes(r);

	if (avail >= 0 && !r->waiting)
		r->known = (uint32_t)avail;
	return avail;
}

long pv_ring_request_space(struct pv_ring *r, uint32_t bytes)
{
	long avail;

	if (r->broken)
		return r->broken;
	store(&r->hdr->pending_send_size, bytes);
	handshake_fence();
	r->waiting = true;
	r->known = 0;
	avail = free_bytes(r);
	if (avail >= (long)bytes) {
		store(&r->hdr->pending_send_size, 0);
		r->waiting = false;
		r->known = (uint32_t)avail;
	}
	return avail;
}

/* 0 once `need` bytes are known to be free, else what pv_ring_write returns. */
static long make_room(struct pv_ring *r, uint32_t len, uint32_t need)
{
	long avail;

	if (r->broken)
		return r->broken;
	if (len > SKIFF_PKT_MAX_PAYLOAD || need > r->size - RESERVE)
		return PV_RING_TOOBIG;
	if (need <= r->known)
		return 0; /* room enough: only the packet's place was unusual */
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
	r->known = (uint32_t)avail;
	return 0;
}

/*
 * Header, payload and zeroed padding at r->index, wherever it falls; returns the offset after the
 * packet. The payload's last, partial word is zeroed first and then partly overwritten: that is
 * the padding.
 */
static uint32_t put_packet(struct pv_ring *r, const union header *h, const void *payload)
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

/* The header's first word: type, flags, len (the ABI is little-endian, as Skiff's CPUs run). */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "packet headers are little-endian");

HOT uint64_t header_word(unsigned int type, unsigned int flags, uint32_t len)
{
	return (uint64_t)len << 32 | (uint64_t)(uint16_t)flags << 16 | (uint16_t)type;
}

/* write_one when r->known is short, the ring broken, or the packet big or at the end. */
COLD long write_slow(struct pv_ring *r, uint64_t w0, uint64_t txid, const void *payload)
{
	union header h = { .w = { w0, txid } };
	uint32_t len = h.pkt.len, need = pv_ring_packet_bytes(len);
	long rc = make_room(r, len, need);

	if (rc)
		return rc;
	r->known -= need;
	r->index = put_packet(r, &h, payload);
	return 0;
}

/*
 * One packet, not yet published. The fast path needs no call: anything unusual (room to look
 * for, a violation to report, a packet that wraps or ends at the end of the data area, a payload
 * for memcpy) is write_slow's.
 */
HOT long write_one(struct pv_ring *r, unsigned int type, unsigned int flags, uint64_t txid,
		   const void *payload, uint32_t len)
{
	uint64_t w0 = header_word(type, flags, len);
	uint32_t at = r->index, known = r->known, need = pv_ring_packet_bytes(len), end = at + need;
	uint8_t *p = r->data + at;

	/* need wraps for len near 2^32: the length check comes first. */
	if (unlikely(len > SMALL_COPY || need > known || end >= r->size))
		return write_slow(r, w0, txid, payload);
	r->known = known - need;
	r->index = end;
	((ring_word *)p)[0] = w0;
	((ring_word *)p)[1] = txid;
	if (len % SKIFF_PKT_ALIGN)
		*(ring_word *)(p + HDR_BYTES + (len & ~(SKIFF_PKT_ALIGN - 1))) = 0;
	copy_small(p + HDR_BYTES, payload, len);
	return 0;
}

long pv_ring_write_deferred(struct pv_ring *r, unsigned int type, unsigned int flags, uint64_t txid,
			    const void *payload, uint32_t len)
{
	return write_one(r, type, flags, txid, payload, len);
}

long pv_ring_write_many(struct pv_ring *r, const struct pv_ring_msg *m, unsigned int n)
{
	unsigned int i = 0;
	long rc = 0;

	for (; i < n; i++, m++)
		if ((rc = write_one(r, m->hdr.type, m->hdr.flags, m->hdr.txid, m->buf, m->hdr.len)))
			break;
	return i ? (long)i : rc;
}

bool pv_ring_publish(struct pv_ring *r)
{
	struct skiff_ring_header *hdr = r->hdr;
	uint32_t old = r->stored;

	if (old == r->index)
		return false; /* nothing new (a batch never fills the whole ring) */
	r->stored = r->index;
	store(&hdr->write_index, r->index);
	handshake_fence();
	/* Empty before: the reader has given back everything up to `old`. */
	return load(&hdr->interrupt_mask) == 0 && load(&hdr->read_index) == old;
}

long pv_ring_write(struct pv_ring *r, unsigned int type, unsigned int flags, uint64_t txid,
		   const void *payload, uint32_t len, bool *signal)
{
	long rc = pv_ring_write_deferred(r, type, flags, txid, payload, len);

	*signal = rc == 0 && pv_ring_publish(r);
	return rc;
}

/* ---- Reader ---- */

/* Bytes published and unread (the writer's index loaded and checked now), or a violation. */
HOT long used_bytes(struct pv_ring *r)
{
	uint32_t wr;

	if (r->broken)
		return r->broken;
	wr = load(&r->hdr->write_index);
	if (!index_ok(r, wr))
		return fail(r, PV_RING_BAD_INDEX);
	r->known = distance(r, r->index, wr);
	return (long)r->known;
}

long pv_ring_avail_read(struct pv_ring *r)
{
	return used_bytes(r);
}

/*
 * Copies the next packet's header out, wherever it falls: the bytes published (at least a
 * header), or empty or a violation. Looks at write_index again when what r->known held is less
 * than a header.
 */
static long fetch(struct pv_ring *r, union header *h)
{
	long used = r->known;

	if (used < (long)HDR_BYTES)
		used = used_bytes(r);
	if (used <= 0)
		return used ? used : PV_RING_EMPTY;
	if (used < (long)HDR_BYTES)
		return fail(r, PV_RING_BAD_LENGTH);
	h->w[0] = get_word(r, r->index);
	h->w[1] = get_word(r, advance(r, r->index, SKIFF_PKT_ALIGN));
	compiler_barrier();
	return used;
}

/* A copied-out header's length against the limit and the `used` bytes published. */
static long check_len(struct pv_ring *r, const union header *h, uint32_t used)
{
	if (h->pkt.len > SKIFF_PKT_MAX_PAYLOAD || pv_ring_packet_bytes(h->pkt.len) > used)
		return fail(r, PV_RING_BAD_LENGTH);
	return h->pkt.len;
}

/* The next packet's header into *pkt: its payload length, empty or a violation. */
static long head(struct pv_ring *r, struct skiff_packet *pkt)
{
	union header h;
	long used = fetch(r, &h);

	if (used < 0)
		return used;
	*pkt = h.pkt;
	return check_len(r, &h, (uint32_t)used);
}

long pv_ring_peek(struct pv_ring *r, struct skiff_packet *pkt)
{
	return head(r, pkt);
}

/* Takes the checked packet of `len` payload bytes at r->index out of the unread bytes. */
static void take(struct pv_ring *r, uint32_t len)
{
	uint32_t n = pv_ring_packet_bytes(len);

	r->index = advance(r, r->index, n);
	r->known -= n;
}

/*
 * The rest of a read whose header (w0, w1) was copied out with `used` bytes published, wherever
 * the packet falls and whatever its size.
 */
COLD long read_rest(struct pv_ring *r, uint64_t w0, uint64_t w1, uint32_t used, void *buf,
		    uint32_t bufsize)
{
	union header h = { .w = { w0, w1 } };
	long len = check_len(r, &h, used);

	if (len < 0)
		return len;
	if ((uint32_t)len > bufsize)
		return PV_RING_TOOBIG;
	copy_out(r, advance(r, r->index, HDR_BYTES), buf, (uint32_t)len);
	take(r, (uint32_t)len);
	return len;
}

/* pv_ring_read_deferred when the header wraps (or r->known has less than a header). */
COLD long read_slow(struct pv_ring *r, struct skiff_packet *pkt, void *buf, uint32_t bufsize)
{
	union header h;
	long used = fetch(r, &h);

	if (used < 0)
		return used;
	*pkt = h.pkt;
	return read_rest(r, h.w[0], h.w[1], (uint32_t)used, buf, bufsize);
}

/* One packet, its space not yet given back; as in write_one, the rest is read_slow's/_rest's. */
HOT long read_one(struct pv_ring *r, struct skiff_packet *pkt, void *buf, uint32_t bufsize)
{
	uint32_t known = r->known, at = r->index, size = r->size, len, need;
	const uint8_t *p = r->data + at;
	uint64_t w0, w1;

	if (known < HDR_BYTES) { /* all read that was known to be there: look again */
		long used = used_bytes(r);

		if (used < (long)HDR_BYTES)
			return used > 0 ? fail(r, PV_RING_BAD_LENGTH) : used ? used : PV_RING_EMPTY;
		known = (uint32_t)used;
	}
	if (unlikely(at + HDR_BYTES >= size))
		return read_slow(r, pkt, buf, bufsize);
	w0 = ((const ring_word *)p)[0];
	w1 = ((const ring_word *)p)[1];
	compiler_barrier();
	((ring_word *)pkt)[0] = w0; /* the header is copied out as it is: two words */
	((ring_word *)pkt)[1] = w1;
	len = (uint32_t)(w0 >> 32); /* header_word()'s layout */
	need = pv_ring_packet_bytes(len);
	/* need wraps for len near 2^32: the length check comes first. */
	if (unlikely(len > SMALL_COPY || len > bufsize || need > known || at + need >= size))
		return read_rest(r, w0, w1, known, buf, bufsize);
	copy_small(buf, p + HDR_BYTES, len);
	compiler_barrier();
	r->known = known - need;
	r->index = at + need;
	return len;
}

long pv_ring_read_deferred(struct pv_ring *r, struct skiff_packet *pkt, void *buf, uint32_t bufsize)
{
	return read_one(r, pkt, buf, bufsize);
}

long pv_ring_read_many(struct pv_ring *r, struct pv_ring_msg *m, unsigned int max, void *buf,
		       uint32_t size)
{
	uint8_t *at = buf;
	unsigned int i = 0;
	long len = 0;

	for (; i < max; i++, m++) {
		uint32_t step;

		len = read_one(r, &m->hdr, at, size);
		if (len < 0)
			break;
		m->buf = at;
		step = ((uint32_t)len + SKIFF_PKT_ALIGN - 1) & ~(SKIFF_PKT_ALIGN - 1);
		step = step < size ? step : size;
		at += step;
		size -= step;
	}
	return i ? (long)i : len;
}

/*
 * The writer waits (pending_send_size): ring it only if the space it wants was missing before
 * these `n` bytes were given back and is there now. write_index is loaded again after the store
 * of read_index: a writer that wrote since our first look and then started waiting must be judged
 * by the space it saw.
 */
COLD bool writer_wants_ring(struct pv_ring *r, uint32_t n, uint32_t pending)
{
	uint32_t wr = load(&r->hdr->write_index), free_now;

	if (!index_ok(r, wr))
		return false; /* the next read reports it */
	free_now = r->size - RESERVE - distance(r, r->index, wr);
	return free_now >= pending && (free_now < n || free_now - n < pending);
}

bool pv_ring_release(struct pv_ring *r)
{
	uint32_t pending, from = r->stored;

	r->stored = r->index;
	store(&r->hdr->read_index, r->index);
	handshake_fence();
	pending = load(&r->hdr->pending_send_size);
	return unlikely(pending) && writer_wants_ring(r, distance(r, from, r->index), pending);
}

long pv_ring_read(struct pv_ring *r, struct skiff_packet *pkt, void *buf, uint32_t bufsize,
		  bool *signal)
{
	long len = pv_ring_read_deferred(r, pkt, buf, bufsize);

	*signal = len >= 0 && pv_ring_release(r);
	return len;
}

long pv_ring_discard(struct pv_ring *r, bool *signal)
{
	struct skiff_packet pkt;
	long len = head(r, &pkt);

	*signal = false;
	if (len >= 0) {
		take(r, (uint32_t)len);
		*signal = pv_ring_release(r);
	}
	return len;
}

void pv_ring_mask(struct pv_ring *r)
{
	store(&r->hdr->interrupt_mask, 1);
}

long pv_ring_unmask(struct pv_ring *r)
{
	store(&r->hdr->interrupt_mask, 0);
	handshake_fence();
	return used_bytes(r);
}
