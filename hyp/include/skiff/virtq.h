/**
 * The driver side of a split virtqueue (virtio 1.2 §2.7), independent of the transport: the
 * descriptor table, the available ring we write and the used ring the device writes, all in one
 * physically contiguous block laid out as legacy devices require (§2.7.2: the used ring starts on
 * the next VIRTQ_ALIGN boundary), which suits modern devices too.
 *
 * The free list is kept on our side (`next`, `chain_len`), never read back from memory the device
 * can write, and every used entry is checked against the chains in flight: a device that returns
 * something we never gave it is reported (VIRTQ_BROKEN), not followed.
 *
 * Locking: none here; the owner (a driver) serialises every call on one queue under its lock.
 */
#ifndef SKIFF_VIRTQ_H
#define SKIFF_VIRTQ_H

#include <skiff/addr.h>
#include <skiff/types.h>

#define VIRTQ_MAX_SIZE 256U /* the largest queue this code sets up (the spec allows 32768) */
#define VIRTQ_ALIGN 4096U   /* legacy QueueAlign; the used ring starts on this boundary */

/* Descriptor flags (§2.7.5). */
#define VIRTQ_DESC_F_NEXT 1U
#define VIRTQ_DESC_F_WRITE 2U /* device writes this buffer (otherwise it reads it) */

/** The Virtqueue Descriptor Table entry (§2.7.5). */
struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/** The Available Ring (§2.7.6): written by the driver only. */
struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[]; /* size entries, then used_event (unused: no VIRTIO_F_EVENT_IDX) */
};

/** One Used Ring element (§2.7.8): the head of a finished chain and the bytes written. */
struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

/** The Used Ring (§2.7.8): written by the device only. */
struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[];
};

struct virtq {
	uint16_t size;      /* entries, a power of two */
	uint16_t nfree;     /* descriptors free */
	uint16_t free_head; /* first free descriptor; the rest chain through next[] */
	uint16_t avail_idx; /* our copy of avail->idx (free-running, wraps at 2^16) */
	uint16_t used_idx;  /* used entries consumed (free-running) */
	uint16_t inflight;  /* chains the device holds */
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	paddr_t desc_pa, avail_pa, used_pa;
	uint16_t next[VIRTQ_MAX_SIZE];     /* free list links */
	uint8_t chain_len[VIRTQ_MAX_SIZE]; /* descriptors of the chain headed here; 0: not in flight
					    */
};

/** One buffer of a chain: physical address, length, and whether the device writes it. */
struct virtq_buf {
	paddr_t pa;
	uint32_t len;
	bool device_writes;
};

#define VIRTQ_EMPTY (-1)  /* virtq_get_used: nothing new */
#define VIRTQ_BROKEN (-2) /* virtq_get_used: the device returned something we never gave it */

/** Bytes a queue of @size entries occupies (a multiple of VIRTQ_ALIGN). */
size_t virtq_mem_size(uint16_t size);

/**
 * Lays a queue of @size entries (a power of two, 1..VIRTQ_MAX_SIZE) out over @mem, which is
 * virtq_mem_size(@size) bytes at physical address @pa, and clears it.
 */
void virtq_init(struct virtq *vq, uint16_t size, void *mem, paddr_t pa);

/**
 * Makes the @n buffers one chain and offers it to the device: descriptors written, then a write
 * barrier, then avail->idx (§2.7.13). The caller notifies the device afterwards (the transport
 * orders that notification after this). Returns the chain's head, or VIRTQ_EMPTY if fewer than @n
 * descriptors are free.
 */
int virtq_add(struct virtq *vq, const struct virtq_buf *bufs, unsigned n);

/**
 * Takes the next chain the device finished (§2.7.14): returns its head and, in @len, the bytes
 * the device says it wrote; frees its descriptors. VIRTQ_EMPTY if there is none, VIRTQ_BROKEN if
 * the used ring names a chain that is not in flight or holds more entries than chains in flight
 * (the queue must then be abandoned: its state is no longer trustworthy).
 */
int virtq_get_used(struct virtq *vq, uint32_t *len);

#endif
