/**
 * Host tests of pv-guest's ring code (pv-guest/lib/ring.c), run under ASan/UBSan with cmocka:
 * round trips at every offset, full and empty, flow control, the signalling rules, a hostile
 * peer writing random indices, lengths and bytes (checked against a byte-by-byte reference), and
 * two threads passing a million packets. Every data area is an exact-size allocation, so one byte
 * read or written outside it stops the run.
 *
 *   build/host/pv-ring-tests [pattern]    runs the tests whose name matches (cmocka's filter)
 */
#include <pv/ring.h>

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#define HDR 16U

/* A writer and a reader sharing one ring, each with exact-size shared memory. */
struct pair {
	struct skiff_ring_header *hdr;
	uint8_t *data;
	uint32_t size;
	struct pv_ring w, r;
};

static uint64_t rng_state;

/* xorshift64*: fixed seeds, so a failure repeats. */
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static uint32_t rnd_below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

static void fill_random(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

static void pair_new(struct pair *p, uint32_t size)
{
	p->size = size;
	p->hdr = malloc(sizeof(*p->hdr));
	p->data = malloc(size);
	assert_non_null(p->hdr);
	assert_non_null(p->data);
	memset(p->hdr, 0xa5, sizeof(*p->hdr));
	memset(p->data, 0x5a, size);
	assert_int_equal(pv_ring_init_writer(&p->w, p->hdr, p->data, size), 0);
	assert_int_equal(pv_ring_init_reader(&p->r, p->hdr, p->data, size), 0);
}

static void pair_free(struct pair *p)
{
	free(p->hdr);
	free(p->data);
}

/* Both ends at offset `off` of an empty ring (white box: the private indices too). */
static void pair_at(struct pair *p, uint32_t off)
{
	p->w.index = p->w.stored = p->r.index = p->r.stored = off;
	p->w.known = p->r.known = 0; /* what each end learnt from the old indices */
	p->hdr->write_index = p->hdr->read_index = off;
}

static void pattern(uint8_t *buf, uint32_t len, uint32_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(seed * 31 + i * 7 + (i >> 8));
}

static uint32_t round8(uint32_t n)
{
	return (n + 7) & ~7U;
}

/* ---- Basics ---- */

static void test_init_rejects_bad_sizes(void **state)
{
	_Alignas(8) struct skiff_ring_header hdr;
	static _Alignas(8) uint8_t data[128];
	struct pv_ring r;

	(void)state;
	assert_int_equal(pv_ring_init_writer(&r, &hdr, data, 0), PV_RING_INVAL);
	assert_int_equal(pv_ring_init_writer(&r, &hdr, data + 4, 64),
			 PV_RING_INVAL); /* unaligned */
	assert_int_equal(pv_ring_init_reader(&r, (char *)&hdr + 4, data, 64), PV_RING_INVAL);
	assert_int_equal(pv_ring_init_writer(&r, &hdr, data, 56), PV_RING_INVAL);
	assert_int_equal(pv_ring_init_writer(&r, &hdr, data, 68), PV_RING_INVAL);
	assert_int_equal(pv_ring_init_reader(&r, &hdr, data, 100), PV_RING_INVAL);
	memset(&hdr, 0xff, sizeof(hdr));
	assert_int_equal(pv_ring_init_writer(&r, &hdr, data, 64), 0);
	assert_int_equal(hdr.write_index, 0);
	assert_int_equal(hdr.pending_send_size, 0);
	assert_int_equal(hdr.feature_bits, SKIFF_RING_F_PENDING_SEND);
	assert_int_equal(hdr.read_index,
			 0xffffffffU); /* the reader's fields are not the writer's */
	assert_int_equal(pv_ring_init_reader(&r, &hdr, data, 128), 0);
	assert_int_equal(hdr.read_index, 0);
	assert_int_equal(hdr.interrupt_mask, 0);
}

static void test_packet_bytes(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct skiff_packet), HDR);
	assert_int_equal(pv_ring_packet_bytes(0), 16);
	assert_int_equal(pv_ring_packet_bytes(1), 24);
	assert_int_equal(pv_ring_packet_bytes(8), 24);
	assert_int_equal(pv_ring_packet_bytes(9), 32);
	assert_int_equal(pv_ring_packet_bytes(SKIFF_PKT_MAX_PAYLOAD), SKIFF_PKT_MAX_PAYLOAD + 16);
}

/* Writes one packet of `len` bytes at the current offset and reads it back exactly. */
static void roundtrip_one(struct pair *p, uint32_t len, uint32_t seed)
{
	uint8_t *in = malloc(len ? len : 1), *out = malloc(len ? len : 1);
	uint32_t start = p->w.index, end = (start + pv_ring_packet_bytes(len)) % p->size;
	struct skiff_packet pkt;
	bool sig;

	pattern(in, len, seed);
	assert_int_equal(pv_ring_write(&p->w, 7, 3, 0x1122334455667788ULL + seed, in, len, &sig),
			 0);
	assert_true(sig); /* empty -> non-empty */
	assert_int_equal(p->hdr->write_index, end);
	assert_int_equal(pv_ring_avail_read(&p->r), pv_ring_packet_bytes(len));
	assert_int_equal(pv_ring_peek(&p->r, &pkt), len);
	if (len)
		assert_int_equal(pv_ring_read(&p->r, &pkt, out, len - 1, &sig), PV_RING_TOOBIG);
	assert_int_equal(pv_ring_read(&p->r, &pkt, out, len, &sig), len);
	assert_false(sig);
	assert_int_equal(pkt.type, 7);
	assert_int_equal(pkt.flags, 3);
	assert_int_equal(pkt.len, len);
	assert_true(pkt.txid == 0x1122334455667788ULL + seed);
	assert_memory_equal(in, out, len ? len : 1);
	assert_int_equal(p->hdr->read_index, end);
	assert_int_equal(pv_ring_read(&p->r, &pkt, out, len, &sig), PV_RING_EMPTY);
	free(in);
	free(out);
}

/* Every offset of a 256-byte ring, every length that fits: the header and payload wrap everywhere.
 */
static void test_roundtrip_every_offset_every_length(void **state)
{
	struct pair p;

	(void)state;
	pair_new(&p, 256);
	for (uint32_t off = 0; off < p.size; off += 8)
		for (uint32_t len = 0; pv_ring_packet_bytes(len) <= p.size - 8; len++) {
			pair_at(&p, off);
			roundtrip_one(&p, len, off * 1000 + len);
		}
	pair_free(&p);
}

static void test_roundtrip_4k_ring(void **state)
{
	static const uint32_t lens[] = { 0,  1,   7,    8,    9,    15,   16,
					 17, 100, 1000, 2048, 4000, 4064, 4072 };
	struct pair p;

	(void)state;
	pair_new(&p, 4096);
	for (uint32_t off = 0; off < p.size; off += 8)
		for (unsigned i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			pair_at(&p, off);
			roundtrip_one(&p, lens[i], off + i);
		}
	pair_free(&p);
}

/* Many packets in flight in a small ring, random sizes, against a FIFO model. */
static void test_stream_against_model(void **state)
{
	enum { QUEUE = 4096, STEPS = 200000 };
	static uint32_t q_len[QUEUE], q_seed[QUEUE];
	unsigned head = 0, tail = 0, written = 0, read = 0;
	uint8_t in[512], out[512];
	struct pair p;

	(void)state;
	rng_state = 0x1234567;
	pair_new(&p, 1024);
	for (int step = 0; step < STEPS; step++) {
		struct skiff_packet pkt;
		bool sig;
		long rc;

		if (rnd_below(2)) {
			uint32_t len = rnd_below(3) ? rnd_below(40) : rnd_below(sizeof(in));

			pattern(in, len, (uint32_t)step);
			rc = pv_ring_write(&p.w, 1, 0, (uint64_t)step, in, len, &sig);
			assert_true(rc == 0 || rc == PV_RING_FULL);
			if (rc == 0) {
				q_len[tail % QUEUE] = len;
				q_seed[tail++ % QUEUE] = (uint32_t)step;
				written++;
			}
		} else {
			rc = pv_ring_read(&p.r, &pkt, out, sizeof(out), &sig);
			if (head == tail) {
				assert_int_equal(rc, PV_RING_EMPTY);
				continue;
			}
			assert_int_equal(rc, q_len[head % QUEUE]);
			assert_true(pkt.txid == q_seed[head % QUEUE]);
			pattern(in, (uint32_t)rc, q_seed[head++ % QUEUE]);
			assert_memory_equal(in, out, (size_t)rc);
			read++;
		}
	}
	assert_true(written > STEPS / 4 && read > STEPS / 4);
	pair_free(&p);
}

/* ---- Full, empty, too big ---- */

static void test_full_and_empty(void **state)
{
	struct skiff_packet pkt;
	struct pair p;
	uint8_t buf[256];
	bool sig;
	int n = 0;

	(void)state;
	pair_new(&p, 256);
	assert_int_equal(pv_ring_read(&p.r, &pkt, buf, sizeof(buf), &sig), PV_RING_EMPTY);
	assert_int_equal(pv_ring_peek(&p.r, &pkt), PV_RING_EMPTY);
	assert_int_equal(pv_ring_avail_write(&p.w), 248);
	/* 16-byte packets: 15 fit (240 bytes), the last 8 bytes are never used */
	while (pv_ring_write(&p.w, 1, 0, (uint64_t)n, NULL, 0, &sig) == 0)
		n++;
	assert_int_equal(n, 15);
	assert_int_equal(pv_ring_avail_write(&p.w), 8);
	assert_int_equal(pv_ring_avail_read(&p.r), 240);
	assert_int_equal(pv_ring_write(&p.w, 1, 0, 0, NULL, 0, &sig), PV_RING_FULL);
	assert_false(sig);
	assert_int_equal(pv_ring_read(&p.r, &pkt, buf, sizeof(buf), &sig), 0);
	assert_int_equal(pv_ring_write(&p.w, 1, 0, 99, NULL, 0, &sig), 0);
	for (int i = 1; i <= 15; i++) {
		assert_int_equal(pv_ring_read(&p.r, &pkt, buf, sizeof(buf), &sig), 0);
		assert_true(pkt.txid == (i < 15 ? (uint64_t)i : 99));
	}
	assert_int_equal(pv_ring_read(&p.r, &pkt, buf, sizeof(buf), &sig), PV_RING_EMPTY);
	pair_free(&p);
}

static void test_largest_packet_and_too_big(void **state)
{
	uint8_t *buf = calloc(1, SKIFF_PKT_MAX_PAYLOAD + 8);
	struct skiff_packet pkt;
	struct pair p, big;
	bool sig;

	(void)state;
	pair_new(&p, 256);
	pair_at(&p, 128);
	/* 248 bytes = the whole usable ring, wrapping */
	assert_int_equal(pv_ring_write(&p.w, 1, 0, 0, buf, 232, &sig), 0);
	assert_int_equal(pv_ring_avail_write(&p.w), 0);
	assert_int_equal(pv_ring_write(&p.w, 1, 0, 0, NULL, 0, &sig), PV_RING_FULL);
	assert_int_equal(pv_ring_read(&p.r, &pkt, buf, 232, &sig), 232);
	assert_int_equal(pv_ring_write(&p.w, 1, 0, 0, buf, 233, &sig), PV_RING_TOOBIG);
	assert_int_equal(pv_ring_write(&p.w, 1, 0, 0, buf, 0xfffffff9U, &sig), PV_RING_TOOBIG);
	pair_free(&p);

	pair_new(&big, 128 * 1024);
	assert_int_equal(pv_ring_write(&big.w, 1, 0, 0, buf, SKIFF_PKT_MAX_PAYLOAD, &sig), 0);
	assert_int_equal(pv_ring_write(&big.w, 1, 0, 0, buf, SKIFF_PKT_MAX_PAYLOAD + 1, &sig),
			 PV_RING_TOOBIG);
	assert_int_equal(pv_ring_read(&big.r, &pkt, buf, SKIFF_PKT_MAX_PAYLOAD, &sig),
			 SKIFF_PKT_MAX_PAYLOAD);
	pair_free(&big);
	free(buf);
}

static void test_small_buffer_then_discard(void **state)
{
	struct skiff_packet pkt;
	uint8_t buf[64];
	struct pair p;
	bool sig;

	(void)state;
	pair_new(&p, 256);
	pattern(buf, 40, 1);
	assert_int_equal(pv_ring_write(&p.w, 2, 0, 5, buf, 40, &sig), 0);
	assert_int_equal(pv_ring_write(&p.w, 3, 0, 6, buf, 8, &sig), 0);
	memset(&pkt, 0, sizeof(pkt));
	assert_int_equal(pv_ring_read(&p.r, &pkt, buf, 39, &sig), PV_RING_TOOBIG);
	assert_int_equal(pkt.len, 40); /* the caller learns what it needs */
	assert_int_equal(pkt.type, 2);
	assert_int_equal(p.hdr->read_index, 0); /* nothing consumed */
	assert_int_equal(pv_ring_discard(&p.r, &sig), 40);
	assert_int_equal(pv_ring_read(&p.r, &pkt, buf, sizeof(buf), &sig), 8);
	assert_int_equal(pkt.type, 3);
	assert_int_equal(pv_ring_discard(&p.r, &sig), PV_RING_EMPTY);
	pair_free(&p);
}

/* ---- Signalling and flow control ---- */

static void test_signal_only_on_empty_to_nonempty(void **state)
{
	struct skiff_packet pkt;
	uint8_t buf[64];
	struct pair p;
	bool sig;

	(void)state;
	pair_new(&p, 1024);
	assert_int_equal(pv_ring_write(&p.w, 1, 0, 1, buf, 8, &sig), 0);
	assert_true(sig); /* A: empty before */
	assert_int_equal(pv_ring_write(&p.w, 1, 0, 2, buf, 8, &sig), 0);
	assert_false(sig); /* B: A still unread */
	assert_int_equal(pv_ring_read(&p.r, &pkt, buf, sizeof(buf), &sig), 8);
	assert_false(sig);
	assert_int_equal(pv_ring_write(&p.w, 1, 0, 3, buf, 8, &sig), 0);
	assert_false(sig); /* C: B still unread, the reader will find C after it */
	assert_int_equal(pv_ring_read(&p.r, &pkt, buf, sizeof(buf), &sig), 8);
	assert_int_equal(pv_ring_read(&p.r, &pkt, buf, sizeof(buf), &sig), 8);
	assert_int_equal(pv_ring_write(&p.w, 1, 0, 4, buf, 8, &sig), 0);
	assert_true(sig); /* D: drained again */
	assert_int_equal(pv_ring_read(&p.r, &pkt, buf, sizeof(buf), &sig), 8);

	pv_ring_mask(&p.r);
	assert_int_equal(p.hdr->interrupt_mask, 1);
	assert_int_equal(pv_ring_write(&p.w, 1, 0, 5, buf, 8, &sig), 0);
	assert_false(sig);                          /* the reader polls */
	assert_int_equal(pv_ring_unmask(&p.r), 24); /* so it must look: the packet is there */
	assert_int_equal(pv_ring_read(&p.r, &pkt, buf, sizeof(buf), &sig), 8);
	assert_int_equal(pv_ring_unmask(&p.r), 0);
	assert_int_equal(pv_ring_write(&p.w, 1, 0, 6, buf, 8, &sig), 0);
	assert_true(sig);
	pair_free(&p);
}

static void test_pending_send_size(void **state)
{
	struct skiff_packet pkt;
	uint8_t buf[128] = { 0 };
	struct pair p;
	bool sig;
	int n = 0;

	(void)state;
	pair_new(&p, 256);
	while (pv_ring_write(&p.w, 1, 0, 0, buf, 24, &sig) == 0) /* 40-byte packets */
		n++;
	assert_int_equal(n, 6);                         /* 240 used, 8 free */
	assert_int_equal(p.hdr->pending_send_size, 40); /* the seventh asked for room */
	assert_int_equal(pv_ring_write(&p.w, 1, 0, 0, buf, 100, &sig), PV_RING_FULL);
	assert_int_equal(p.hdr->pending_send_size, 120); /* 16 + 104 */
	assert_true(p.w.waiting);
	/* free after each read: 48, 88 (< 120, no ring), 128 (ring), 168 (already fitted) */
	assert_int_equal(pv_ring_read(&p.r, &pkt, buf, sizeof(buf), &sig), 24);
	assert_false(sig);
	assert_int_equal(pv_ring_read(&p.r, &pkt, buf, sizeof(buf), &sig), 24);
	assert_false(sig);
	assert_int_equal(pv_ring_read(&p.r, &pkt, buf, sizeof(buf), &sig), 24);
	assert_true(sig);
	assert_int_equal(pv_ring_read(&p.r, &pkt, buf, sizeof(buf), &sig), 24);
	assert_false(sig);
	assert_int_equal(pv_ring_write(&p.w, 1, 0, 0, buf, 100, &sig), 0);
	assert_int_equal(p.hdr->pending_send_size, 0); /* withdrawn once written */
	assert_false(p.w.waiting);
	pair_free(&p);
}

/* The writer asks to hear when the reader has emptied the ring (a console draining at exit). */
static void test_request_space_for_drain(void **state)
{
	struct skiff_packet pkt;
	uint8_t buf[64];
	struct pair p;
	bool sig;

	(void)state;
	pair_new(&p, 256);
	assert_int_equal(pv_ring_request_space(&p.w, 248), 248); /* empty: nothing to wait for */
	assert_int_equal(p.hdr->pending_send_size, 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(pv_ring_write(&p.w, 1, 0, 0, buf, 8, &sig), 0);
	assert_int_equal(pv_ring_request_space(&p.w, 248), 248 - 72);
	assert_int_equal(p.hdr->pending_send_size, 248);
	assert_int_equal(pv_ring_read(&p.r, &pkt, buf, sizeof(buf), &sig), 8);
	assert_false(sig);
	assert_int_equal(pv_ring_read(&p.r, &pkt, buf, sizeof(buf), &sig), 8);
	assert_false(sig);
	assert_int_equal(pv_ring_read(&p.r, &pkt, buf, sizeof(buf), &sig), 8);
	assert_true(sig); /* the last packet read: empty */
	pair_free(&p);
}

/* ---- Batches ---- */

/* Every length up to past the inline-copy limit, from and into buffers at every misalignment. */
static void test_unaligned_buffers(void **state)
{
	uint8_t in[256 + 8], out[256 + 8];
	struct skiff_packet pkt;
	struct pair p;
	bool sig;

	(void)state;
	pair_new(&p, 1024);
	for (uint32_t len = 0; len <= 200; len++)
		for (uint32_t mis = 0; mis < 8; mis++) {
			pattern(in + mis, len, len * 8 + mis);
			memset(out, 0xee, sizeof(out));
			assert_int_equal(pv_ring_write(&p.w, 1, 0, len, in + mis, len, &sig), 0);
			assert_int_equal(pv_ring_read(&p.r, &pkt, out + 7 - mis, len, &sig), len);
			if (len)
				assert_memory_equal(in + mis, out + 7 - mis, len);
			for (uint32_t i = 0; i < 7 - mis; i++) /* nothing before the buffer */
				assert_int_equal(out[i], 0xee);
			for (uint32_t i = 7 - mis + len; i < sizeof(out); i++) /* nor after */
				assert_int_equal(out[i], 0xee);
		}
	pair_free(&p);
}

/* Packets written as a batch are invisible until published; the reader is rung once. */
static void test_write_many_publishes_once(void **state)
{
	struct pv_ring_msg m[8];
	uint8_t payload[8][40];
	struct skiff_packet pkt;
	uint8_t buf[64];
	struct pair p;
	bool sig;

	(void)state;
	pair_new(&p, 1024);
	for (int i = 0; i < 8; i++) {
		pattern(payload[i], (uint32_t)(5 * i), (uint32_t)i);
		m[i] = (struct pv_ring_msg){ { 3, 1, (uint32_t)(5 * i), 100 + (uint64_t)i },
					     payload[i] };
	}
	assert_int_equal(pv_ring_write_many(&p.w, m, 8), 8);
	assert_int_equal(p.hdr->write_index, 0); /* not yet published */
	assert_int_equal(pv_ring_read(&p.r, &pkt, buf, sizeof(buf), &sig), PV_RING_EMPTY);
	assert_true(pv_ring_publish(&p.w));  /* empty before, reader not polling */
	assert_false(pv_ring_publish(&p.w)); /* nothing new */
	for (int i = 0; i < 8; i++) {
		assert_int_equal(pv_ring_read(&p.r, &pkt, buf, sizeof(buf), &sig), 5 * i);
		assert_int_equal(pkt.type, 3);
		assert_int_equal(pkt.flags, 1);
		assert_true(pkt.txid == 100 + (uint64_t)i);
		if (i)
			assert_memory_equal(buf, payload[i], (size_t)(5 * i));
	}
	assert_false(pv_ring_publish(&p.w)); /* all read, but nothing new to announce */
	/* a batch the ring cannot hold: what fits is written, the rest is for later */
	m[0].hdr.len = 600;
	m[1].hdr.len = 600;
	m[0].buf = m[1].buf = calloc(1, 600);
	assert_int_equal(pv_ring_write_many(&p.w, m, 2), 1);
	assert_int_equal(pv_ring_write_many(&p.w, m + 1, 1), PV_RING_FULL);
	assert_int_equal(p.hdr->pending_send_size, pv_ring_packet_bytes(600));
	m[1].hdr.len = SKIFF_PKT_MAX_PAYLOAD + 1;
	assert_int_equal(pv_ring_write_many(&p.w, m + 1, 1), PV_RING_TOOBIG);
	free((void *)m[0].buf);
	pair_free(&p);
}

/* A batch read: payloads at 8-aligned offsets of one buffer, space given back once. */
static void test_read_many_releases_once(void **state)
{
	_Alignas(8) uint8_t buf[100];
	struct pv_ring_msg m[16];
	uint8_t payload[64];
	struct pair p;
	bool sig;

	(void)state;
	pair_new(&p, 256);
	pattern(payload, sizeof(payload), 9);
	/* 6 packets of 20 bytes (40 each in the ring: 240 of 248) */
	for (int i = 0; i < 6; i++)
		assert_int_equal(pv_ring_write(&p.w, 2, 0, (uint64_t)i, payload + i, 20, &sig), 0);
	assert_int_equal(pv_ring_write(&p.w, 2, 0, 6, payload, 20, &sig), PV_RING_FULL);
	/* 20 bytes take 24 of the buffer: 4 fit in 100 bytes, the fifth does not */
	assert_int_equal(pv_ring_read_many(&p.r, m, 16, buf, sizeof(buf)), 4);
	for (int i = 0; i < 4; i++) {
		assert_ptr_equal(m[i].buf, buf + 24 * i);
		assert_int_equal(m[i].hdr.len, 20);
		assert_true(m[i].hdr.txid == (uint64_t)i);
		assert_memory_equal(m[i].buf, payload + i, 20);
	}
	assert_int_equal(p.hdr->read_index, 0); /* not given back yet */
	assert_true(pv_ring_release(&p.r));     /* the writer waits for 40 bytes: 168 free now */
	assert_int_equal(p.hdr->read_index, 160);
	assert_false(pv_ring_release(&p.r)); /* nothing more to give */
	assert_int_equal(pv_ring_read_many(&p.r, m, 1, buf, sizeof(buf)), 1); /* max */
	assert_int_equal(pv_ring_read_many(&p.r, m, 16, buf, 19), PV_RING_TOOBIG);
	assert_int_equal(pv_ring_read_many(&p.r, m, 16, buf, sizeof(buf)), 1);
	assert_int_equal(pv_ring_read_many(&p.r, m, 16, buf, sizeof(buf)), PV_RING_EMPTY);
	assert_int_equal(pv_ring_read_many(&p.r, m, 0, buf, sizeof(buf)), 0);
	pair_free(&p);
}

/* A violation in the middle of a batch: the packets before it, then the violation, for good. */
static void test_read_many_stops_at_a_violation(void **state)
{
	struct skiff_packet forged = { 1, 0, 200, 0 };
	_Alignas(8) uint8_t buf[256];
	struct pv_ring_msg m[4];
	struct pair p;
	bool sig;

	(void)state;
	pair_new(&p, 256);
	assert_int_equal(pv_ring_write(&p.w, 1, 0, 0, buf, 8, &sig), 0);
	memcpy(p.data + 24, &forged, sizeof(forged)); /* claims more than is published */
	p.hdr->write_index = 24 + 16 + 8;
	assert_int_equal(pv_ring_read_many(&p.r, m, 4, buf, sizeof(buf)), 1);
	assert_int_equal(pv_ring_read_many(&p.r, m, 4, buf, sizeof(buf)), PV_RING_BAD_LENGTH);
	assert_int_equal(pv_ring_avail_read(&p.r), PV_RING_BAD_LENGTH);
	pair_free(&p);
}

/* ---- Hostile peers ---- */

static void test_violations_are_sticky(void **state)
{
	struct skiff_packet pkt;
	uint8_t buf[64];
	struct pair p;
	bool sig;

	(void)state;
	pair_new(&p, 256);
	p.hdr->write_index = 256; /* == size */
	assert_int_equal(pv_ring_read(&p.r, &pkt, buf, sizeof(buf), &sig), PV_RING_BAD_INDEX);
	p.hdr->write_index = 0;
	assert_int_equal(pv_ring_read(&p.r, &pkt, buf, sizeof(buf), &sig), PV_RING_BAD_INDEX);
	assert_int_equal(pv_ring_avail_read(&p.r), PV_RING_BAD_INDEX);
	assert_int_equal(pv_ring_unmask(&p.r), PV_RING_BAD_INDEX);

	p.hdr->read_index = 12; /* unaligned */
	assert_int_equal(pv_ring_write(&p.w, 1, 0, 0, buf, 8, &sig), PV_RING_BAD_INDEX);
	assert_false(sig);
	p.hdr->read_index = 0;
	assert_int_equal(pv_ring_write(&p.w, 1, 0, 0, buf, 8, &sig), PV_RING_BAD_INDEX);
	assert_int_equal(pv_ring_request_space(&p.w, 8), PV_RING_BAD_INDEX);
	assert_true(pv_ring_violation(PV_RING_BAD_INDEX));
	assert_true(pv_ring_violation(PV_RING_BAD_LENGTH));
	assert_false(pv_ring_violation(PV_RING_FULL));
	assert_false(pv_ring_violation(PV_RING_TOOBIG));
	assert_string_equal(pv_ring_strerror(PV_RING_BAD_INDEX),
			    "peer's ring index out of range or unaligned");
	pair_free(&p);
}

static void test_lengths_beyond_what_was_written(void **state)
{
	struct skiff_packet pkt, forged = { 1, 0, 0, 0 };
	uint8_t buf[512];
	struct pair p;
	bool sig;

	(void)state;
	pair_new(&p, 256);
	p.hdr->write_index = 8; /* less than a header */
	assert_int_equal(pv_ring_read(&p.r, &pkt, buf, sizeof(buf), &sig), PV_RING_BAD_LENGTH);

	pair_free(&p);
	pair_new(&p, 256);
	forged.len = 9; /* needs 32 bytes, 24 published */
	memcpy(p.data, &forged, sizeof(forged));
	p.hdr->write_index = 24;
	assert_int_equal(pv_ring_peek(&p.r, &pkt), PV_RING_BAD_LENGTH);

	pair_free(&p);
	pair_new(&p, 128 * 1024 + 64);
	forged.len = SKIFF_PKT_MAX_PAYLOAD + 1; /* over the limit though published */
	memcpy(p.data, &forged, sizeof(forged));
	p.hdr->write_index = 128 * 1024;
	assert_int_equal(pv_ring_discard(&p.r, &sig), PV_RING_BAD_LENGTH);

	pair_free(&p);
	pair_new(&p, 256);
	forged.len = 0xfffffff8U; /* would wrap a careless 32-bit sum to 8 */
	memcpy(p.data, &forged, sizeof(forged));
	p.hdr->write_index = 16;
	assert_int_equal(pv_ring_read(&p.r, &pkt, buf, sizeof(buf), &sig), PV_RING_BAD_LENGTH);
	pair_free(&p);
}

/* Reference: little-endian u32 at ring offset `off`, byte by byte with wrap-around. */
static uint32_t ref_u32(const struct pair *p, uint32_t off)
{
	uint32_t v = 0;

	for (int i = 3; i >= 0; i--)
		v = v << 8 | p->data[(off + (uint32_t)i) % p->size];
	return v;
}

/* What pv_ring_read/peek/discard must answer for reader offset `idx`, write index `w`. */
static long ref_result(const struct pair *p, uint32_t idx, uint32_t w, uint32_t bufsize, int op)
{
	uint32_t avail, len;

	if (w >= p->size || w % 8)
		return PV_RING_BAD_INDEX;
	avail = (w + p->size - idx) % p->size;
	if (!avail)
		return PV_RING_EMPTY;
	if (avail < HDR)
		return PV_RING_BAD_LENGTH;
	len = ref_u32(p, idx + 4);
	if (len > SKIFF_PKT_MAX_PAYLOAD || HDR + round8(len) > avail)
		return PV_RING_BAD_LENGTH;
	if (op == 0 && len > bufsize)
		return PV_RING_TOOBIG;
	return len;
}

/* Results the fuzzers tally, so a run shows it reached every case. */
enum { OUTCOMES = 6 };
static const char *const outcome_names[OUTCOMES] = { "ok",      "empty",     "full",
						     "too big", "bad index", "bad length" };

static int outcome(long rc)
{
	switch (rc) {
	case PV_RING_EMPTY:
		return 1;
	case PV_RING_FULL:
		return 2;
	case PV_RING_TOOBIG:
		return 3;
	case PV_RING_BAD_INDEX:
		return 4;
	case PV_RING_BAD_LENGTH:
		return 5;
	}
	assert_true(rc >= 0);
	return 0;
}

static void report_outcomes(const unsigned long *n)
{
	print_message("  outcomes:");
	for (int i = 0; i < OUTCOMES; i++)
		print_message(" %s %lu%s", outcome_names[i], n[i], i + 1 < OUTCOMES ? "," : "\n");
}

/* Reference copy into a ring image, byte by byte with wrap-around. */
static void ref_put(uint8_t *ring, uint32_t size, uint32_t off, const void *src, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		ring[(off + i) % size] = ((const uint8_t *)src)[i];
}

/* A write index as a hostile writer might set it: often sensible, sometimes not at all. */
static uint32_t hostile_index(uint32_t size)
{
	switch (rnd_below(8)) {
	case 0:
		return (uint32_t)rnd();
	case 1:
		return rnd_below(size) | 1 << rnd_below(3); /* unaligned */
	case 2:
		return size + 8 * rnd_below(4);
	default:
		return rnd_below(size / 8) * 8;
	}
}

/* A packet length as a hostile writer might set it, around the edges that matter. */
static uint32_t hostile_len(uint32_t avail)
{
	uint32_t room = avail >= HDR ? avail - HDR : 0;

	switch (rnd_below(9)) {
	case 0:
		return (uint32_t)rnd();
	case 1:
		return SKIFF_PKT_MAX_PAYLOAD + rnd_below(3) - 1;
	case 2:
		return 0xffffffffU - rnd_below(16);
	case 3:
		return room + rnd_below(16);
	case 4:
		return room > 8 ? room - rnd_below(8) : 0;
	default:
		return rnd_below(room + 1);
	}
}

static long check_hostile_read(struct pair *p, uint32_t idx, uint32_t w)
{
	uint32_t bufsize, avail = (w + p->size - idx) % p->size;
	struct skiff_packet pkt;
	uint8_t *buf;
	int op = (int)rnd_below(6) % 3; /* read twice as often as peek or discard */
	long want, got;
	bool sig;

	want = ref_result(p, idx, w, 0xffffffffU, 1);
	bufsize = rnd_below(70000);
	if (want > 0 && rnd_below(4) == 0)
		bufsize = (uint32_t)want -
			  1; /* one byte short: the caller's problem, not a violation */
	else if (want >= 0 && rnd_below(2))
		bufsize = (uint32_t)want;
	buf = malloc(bufsize ? bufsize : 1);
	want = ref_result(p, idx, w, bufsize, op);
	got = op == 0 ? pv_ring_read(&p->r, &pkt, buf, bufsize, &sig) :
	      op == 1 ? pv_ring_peek(&p->r, &pkt) :
			pv_ring_discard(&p->r, &sig);
	if (got != want)
		fail_msg("size %u idx %u w %u bufsize %u op %d: got %ld want %ld", p->size, idx, w,
			 bufsize, op, got, want);
	if (got >= 0) {
		uint32_t total = HDR + round8((uint32_t)got);

		assert_true(total <= avail);
		if (op != 2) /* discard reports no header */
			assert_int_equal(pkt.len, (uint32_t)got);
		for (uint32_t i = 0; op == 0 && i < (uint32_t)got; i++)
			assert_int_equal(buf[i], p->data[(idx + HDR + i) % p->size]);
		if (op != 1)
			idx = (idx + total) % p->size;
	}
	assert_int_equal(p->hdr->read_index, idx);
	assert_int_equal(p->r.index, idx);
	if (pv_ring_violation(got)) /* sticky, even once the peer behaves */
		assert_int_equal(pv_ring_avail_read(&p->r), got);
	free(buf);
	return got;
}

/* 100,000 rounds of a writer that lies: random write index, header length and bytes. */
static void test_hostile_writer_fuzz(void **state)
{
	static const uint32_t sizes[] = { 64, 72, 256, 1000, 4096, 8192, 127 * 4096 };
	unsigned long outcomes[OUTCOMES] = { 0 };

	(void)state;
	rng_state = 0xfeedface;
	for (int it = 0; it < 100000; it++) {
		uint32_t size = rnd_below(4) ? sizes[rnd_below(5)] : sizes[rnd_below(7)];
		uint32_t idx, w, len;
		struct pair p;

		if (rnd_below(8) == 0)
			size = 64 + 8 * rnd_below(1024);
		pair_new(&p, size);
		fill_random(p.data, size < 8192 ? size : 8192);
		idx = rnd_below(size / 8) * 8;
		p.r.index = p.r.stored = idx;
		p.hdr->read_index = idx;
		w = hostile_index(size);
		p.hdr->write_index = w;
		len = hostile_len(w < size && w % 8 == 0 ? (w + size - idx) % size : size);
		for (int b = 0; b < 4; b++)
			p.data[(idx + 4 + (uint32_t)b) % size] = (uint8_t)(len >> (8 * b));
		outcomes[outcome(check_hostile_read(&p, idx, w))]++;
		pair_free(&p);
	}
	report_outcomes(outcomes);
	for (int i = 0; i < OUTCOMES; i++)
		assert_true(i == 2 || outcomes[i] > 2000); /* reading is never "full" */
}

/* 100,000 rounds of a reader that lies: random read index; the writer writes only its packet. */
static void test_hostile_reader_fuzz(void **state)
{
	uint8_t *payload = malloc(SKIFF_PKT_MAX_PAYLOAD + 16), *before = malloc(8192);
	unsigned long outcomes[OUTCOMES] = { 0 };

	(void)state;
	rng_state = 0xdecafbad;
	fill_random(payload, SKIFF_PKT_MAX_PAYLOAD + 16);
	for (int it = 0; it < 100000; it++) {
		uint32_t size = 64 + 8 * rnd_below(1016), w = rnd_below(size / 8) * 8, rd, len,
			 need;
		uint32_t mask = rnd_below(3) == 0 ? (uint32_t)rnd() : 0;
		long want = 0, got, free_;
		struct pair p;
		bool sig;

		pair_new(&p, size);
		fill_random(p.data, size);
		pair_at(&p, w);
		rd = hostile_index(size);
		p.hdr->read_index = rd;
		p.hdr->interrupt_mask = mask;
		len = rnd_below(5) == 0 ? (uint32_t)rnd() : rnd_below(size);
		need = pv_ring_packet_bytes(len);
		memcpy(before, p.data, size);
		free_ = rd < size && rd % 8 == 0 ? (long)(size - 8 - (w + size - rd) % size) : -1;
		if (len > SKIFF_PKT_MAX_PAYLOAD || need > size - 8)
			want = PV_RING_TOOBIG;
		else if (free_ < 0)
			want = PV_RING_BAD_INDEX;
		else if (free_ < (long)need)
			want = PV_RING_FULL;
		got = pv_ring_write(&p.w, 9, 1, it, payload, len, &sig);
		assert_int_equal(got, want);
		outcomes[outcome(got)]++;
		if (got == 0) {
			struct skiff_packet hdr = { 9, 1, len, (uint64_t)it };
			uint8_t zeros[8] = { 0 };

			/* before, with exactly the packet's bytes put in at w, wrapping */
			ref_put(before, size, w, &hdr, HDR);
			ref_put(before, size, w + HDR, payload, len);
			ref_put(before, size, w + HDR + len, zeros, need - HDR - len);
			assert_memory_equal(p.data, before, size);
			assert_int_equal(p.hdr->write_index, (w + need) % size);
			assert_int_equal(sig, mask == 0 && rd == w);
		} else {
			assert_memory_equal(p.data, before, size);
			assert_int_equal(p.hdr->write_index, w);
			assert_false(sig);
			if (got == PV_RING_FULL)
				assert_int_equal(p.hdr->pending_send_size, need);
		}
		pair_free(&p);
	}
	free(payload);
	free(before);
	report_outcomes(outcomes);
	assert_true(outcomes[0] > 5000 && outcomes[2] > 5000 && outcomes[3] > 5000 &&
		    outcomes[4] > 5000);
}

/* ---- Two threads ---- */

#define SEQ_BYTES 8U

/* Doorbells: a semaphore per direction; a wait longer than this is a lost wake-up. */
#define DOORBELL_TIMEOUT_S 20

struct stream {
	struct pair p;
	unsigned long packets;
	unsigned int max_extra; /* payload = 8-byte sequence number + up to this many bytes */
	unsigned int batch;     /* > 0: write_many/publish and read_many/release, this many */
	sem_t data, space;
	unsigned long rings_to_reader, rings_to_writer, full, empty;
	const char *error; /* set by a thread (cmocka's asserts are not for other threads) */
};

static void set_error(struct stream *st, const char *what)
{
	__atomic_store_n(&st->error, what, __ATOMIC_RELAXED);
}

static bool failed(struct stream *st)
{
	return __atomic_load_n(&st->error, __ATOMIC_RELAXED) != NULL;
}

static bool doorbell_wait(sem_t *s)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += DOORBELL_TIMEOUT_S;
	while (sem_timedwait(s, &ts) != 0)
		if (errno != EINTR)
			return false;
	return true;
}

static uint32_t stream_len(const struct stream *st, unsigned long seq)
{
	return SEQ_BYTES + (uint32_t)(seq * 2654435761UL % (st->max_extra + 1));
}

/* The producer of a batched stream: up to st->batch packets a call, one publish each. */
static void *batch_producer(void *arg)
{
	struct stream *st = arg;
	uint8_t *bufs = calloc(st->batch, SEQ_BYTES + 256);
	struct pv_ring_msg *m = calloc(st->batch, sizeof(*m));
	unsigned long seq = 0;

	while (seq < st->packets && !failed(st)) {
		unsigned int n = 0;
		long rc;

		for (; n < st->batch && seq + n < st->packets; n++) {
			uint8_t *buf = bufs + n * (SEQ_BYTES + 256);
			unsigned long s = seq + n;

			m[n] = (struct pv_ring_msg){ { 1, 0, stream_len(st, s), s }, buf };
			memcpy(buf, &s, SEQ_BYTES);
			for (uint32_t i = SEQ_BYTES; i < m[n].hdr.len; i++)
				buf[i] = (uint8_t)(s + i);
		}
		rc = pv_ring_write_many(&st->p.w, m, n);
		if (rc > 0) {
			seq += (unsigned long)rc;
			if (pv_ring_publish(&st->p.w)) {
				st->rings_to_reader++;
				sem_post(&st->data);
			}
		} else if (rc == PV_RING_FULL) {
			st->full++;
			if (!doorbell_wait(&st->space))
				set_error(st, "batch producer: lost wake-up (pending_send_size)");
		} else {
			set_error(st, "batch producer: write failed");
		}
	}
	free(bufs);
	free(m);
	return NULL;
}

/* The consumer of a batched stream: up to st->batch packets a call, one release each. */
static void *batch_consumer(void *arg)
{
	struct stream *st = arg;
	uint8_t *buf = malloc(st->batch * (SEQ_BYTES + 256));
	struct pv_ring_msg *m = calloc(st->batch, sizeof(*m));
	unsigned long seq = 0;

	while (seq < st->packets && !failed(st)) {
		long n = pv_ring_read_many(&st->p.r, m, st->batch, buf,
					   st->batch * (SEQ_BYTES + 256));

		if (n == PV_RING_EMPTY) {
			st->empty++;
			if (!doorbell_wait(&st->data))
				set_error(st, "batch consumer: lost wake-up (empty -> non-empty)");
			continue;
		}
		for (long k = 0; k < n && !failed(st); k++, seq++) {
			const uint8_t *p = m[k].buf;
			unsigned long got;

			memcpy(&got, p, SEQ_BYTES);
			if (m[k].hdr.len != stream_len(st, seq) || got != seq ||
			    m[k].hdr.txid != seq)
				set_error(st, "batch consumer: packet lost, reordered or resized");
			for (uint32_t i = SEQ_BYTES; i < m[k].hdr.len; i++)
				if (p[i] != (uint8_t)(seq + i))
					set_error(st, "batch consumer: payload corrupted");
		}
		if (n < 0)
			set_error(st, "batch consumer: read failed");
		else if (pv_ring_release(&st->p.r)) {
			st->rings_to_writer++;
			sem_post(&st->space);
		}
	}
	free(buf);
	free(m);
	return NULL;
}

static void *producer(void *arg)
{
	struct stream *st = arg;
	uint8_t buf[SEQ_BYTES + 256];

	for (unsigned long seq = 0; seq < st->packets && !failed(st); seq++) {
		uint32_t len = stream_len(st, seq);
		bool sig;
		long rc;

		memcpy(buf, &seq, SEQ_BYTES);
		for (uint32_t i = SEQ_BYTES; i < len; i++)
			buf[i] = (uint8_t)(seq + i);
		while ((rc = pv_ring_write(&st->p.w, 1, 0, seq, buf, len, &sig)) == PV_RING_FULL) {
			st->full++;
			if (!doorbell_wait(&st->space)) {
				set_error(st, "producer: lost wake-up (pending_send_size)");
				return NULL;
			}
		}
		if (rc != 0) {
			set_error(st, "producer: write failed");
			return NULL;
		}
		if (sig) {
			st->rings_to_reader++;
			sem_post(&st->data);
		}
	}
	return NULL;
}

static void *consumer(void *arg)
{
	struct stream *st = arg;
	uint8_t buf[SEQ_BYTES + 256];
	unsigned long seq = 0;

	while (seq < st->packets && !failed(st)) {
		struct skiff_packet pkt;
		unsigned long got;
		bool sig;
		long rc = pv_ring_read(&st->p.r, &pkt, buf, sizeof(buf), &sig);

		if (rc == PV_RING_EMPTY) {
			st->empty++;
			if (!doorbell_wait(&st->data))
				set_error(st, "consumer: lost wake-up (empty -> non-empty)");
			continue;
		}
		memcpy(&got, buf, SEQ_BYTES);
		if (rc != (long)stream_len(st, seq) || got != seq || pkt.txid != seq) {
			set_error(st, "consumer: packet lost, reordered or resized");
			break;
		}
		for (uint32_t i = SEQ_BYTES; i < (uint32_t)rc; i++)
			if (buf[i] != (uint8_t)(seq + i))
				set_error(st, "consumer: payload corrupted");
		if (sig) {
			st->rings_to_writer++;
			sem_post(&st->space);
		}
		seq++;
	}
	return NULL;
}

static void run_stream(uint32_t size, unsigned long packets, unsigned int max_extra,
		       unsigned int batch)
{
	struct stream *st = calloc(1, sizeof(*st));
	pthread_t prod, cons;

	pair_new(&st->p, size);
	st->packets = packets;
	st->max_extra = max_extra;
	st->batch = batch;
	sem_init(&st->data, 0, 0);
	sem_init(&st->space, 0, 0);
	assert_int_equal(pthread_create(&cons, NULL, batch ? batch_consumer : consumer, st), 0);
	assert_int_equal(pthread_create(&prod, NULL, batch ? batch_producer : producer, st), 0);
	pthread_join(prod, NULL);
	pthread_join(cons, NULL);
	if (st->error)
		fail_msg("%s", st->error);
	print_message(
		"  %lu packets through %u bytes: writer full %lu times, rang %lu; reader empty "
		"%lu times, rang %lu\n",
		packets, size, st->full, st->rings_to_reader, st->empty, st->rings_to_writer);
	assert_true(pv_ring_avail_read(&st->p.r) == 0);
	sem_destroy(&st->data);
	sem_destroy(&st->space);
	pair_free(&st->p);
	free(st);
}

/* A million small packets, none lost or reordered, with doorbells both ways. */
static void test_threads_million_packets(void **state)
{
	(void)state;
	run_stream(4096, 1000000, 40, 0);
}

/* The smallest ring: the writer is full most of the time, so pending_send_size does the work. */
static void test_threads_tiny_ring(void **state)
{
	(void)state;
	run_stream(64, 200000, 32, 0);
}

/* Batches both ways (write_many/publish, read_many/release): none lost, no wake-up missed. */
static void test_threads_batches(void **state)
{
	(void)state;
	run_stream(4096, 1000000, 40, 16);
	run_stream(256, 200000, 60, 5);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_rejects_bad_sizes),
		cmocka_unit_test(test_packet_bytes),
		cmocka_unit_test(test_roundtrip_every_offset_every_length),
		cmocka_unit_test(test_roundtrip_4k_ring),
		cmocka_unit_test(test_stream_against_model),
		cmocka_unit_test(test_full_and_empty),
		cmocka_unit_test(test_largest_packet_and_too_big),
		cmocka_unit_test(test_small_buffer_then_discard),
		cmocka_unit_test(test_signal_only_on_empty_to_nonempty),
		cmocka_unit_test(test_pending_send_size),
		cmocka_unit_test(test_request_space_for_drain),
		cmocka_unit_test(test_unaligned_buffers),
		cmocka_unit_test(test_write_many_publishes_once),
		cmocka_unit_test(test_read_many_releases_once),
		cmocka_unit_test(test_read_many_stops_at_a_violation),
		cmocka_unit_test(test_violations_are_sticky),
		cmocka_unit_test(test_lengths_beyond_what_was_written),
		cmocka_unit_test(test_hostile_writer_fuzz),
		cmocka_unit_test(test_hostile_reader_fuzz),
		cmocka_unit_test(test_threads_million_packets),
		cmocka_unit_test(test_threads_tiny_ring),
		cmocka_unit_test(test_threads_batches),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("pv-guest ring", tests, NULL, NULL);
}
