/**
 * Split virtqueue bookkeeping (see virtq.h): descriptor allocation, offering chains through
 * the available ring, and taking finished chains back from the used ring, with the memory
 * barriers virtio 1.2 §2.7.13 and §2.7.14 require.
 */
#include <skiff/arch.h>
#include <skiff/panic.h>
#include <skiff/string.h>
#include <skiff/virtq.h>

static size_t avail_end(uint16_t size)
{
	/* descriptors, then flags, idx, ring[size], used_event */
	return sizeof(struct virtq_desc) * size + sizeof(uint16_t) * (3U + size);
}

size_t virtq_mem_size(uint16_t size)
{
	size_t used = sizeof(uint16_t) * 3 + sizeof(struct virtq_used_elem) * size;

	return ALIGN_UP(avail_end(size), VIRTQ_ALIGN) + ALIGN_UP(used, VIRTQ_ALIGN);
}

void virtq_init(struct virtq *vq, uint16_t size, void *mem, paddr_t pa)
{
	size_t used_off = ALIGN_UP(avail_end(size), VIRTQ_ALIGN);

	CHECK(size && size <= VIRTQ_MAX_SIZE && (size & (size - 1)) == 0);
	memset(mem, 0, virtq_mem_size(size));
	memset(vq, 0, sizeof(*vq));
	vq->size = size;
	vq->nfree = size;
	vq->desc = mem;
	vq->avail = (struct virtq_avail *)((char *)mem + sizeof(struct virtq_desc) * size);
	vq->used = (struct virtq_used *)((char *)mem + used_off);
	vq->desc_pa = pa;
	vq->avail_pa = pa_add(pa, sizeof(struct virtq_desc) * size);
	vq->used_pa = pa_add(pa, used_off);
	for (uint16_t i = 0; i < size; i++)
		vq->next[i] = (uint16_t)(i + 1);
}

int virtq_add(struct virtq *vq, const struct virtq_buf *bufs, unsigned n)
{
	uint16_t head = vq->free_head, d = head;

	CHECK(n >= 1 && n <= UINT8_MAX);
	if (n > vq->nfree)
		return VIRTQ_EMPTY;
	for (unsigned i = 0; i < n; i++) {
		struct virtq_desc *desc = &vq->desc[d];
		desc->addr = pa_addr(bufs[i].pa);
		desc->len = bufs[i].len;
		desc->flags = (uint16_t)((bufs[i].device_writes ? VIRTQ_DESC_F_WRITE : 0) |
					 (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
		desc->next = i + 1 < n ? vq->next[d] : 0;
		d = vq->next[d];
	}
	vq->free_head = d;
	vq->nfree = (uint16_t)(vq->nfree - n);
	vq->chain_len[head] = (uint8_t)n;
	vq->inflight++;
	vq->avail->ring[vq->avail_idx & (vq->size - 1)] = head;
	/* The device may look at the ring as soon as idx moves: entries first (§2.7.13.3.1). */
	arch_dma_wmb();
	vq->avail_idx++;
	__atomic_store_n(&vq->avail->idx, vq->avail_idx, __ATOMIC_RELAXED);
	return head;
}

/* Puts the @n descriptors of the chain at @head back on the free list, via our own links. */
static void free_chain(struct virtq *vq, uint16_t head, unsigned n)
{
	uint16_t last = head;

	for (unsigned i = 1; i < n; i++)
		last = vq->next[last];
	vq->next[last] = vq->free_head;
	vq->free_head = head;
	vq->nfree = (uint16_t)(vq->nfree + n);
	vq->chain_len[head] = 0;
	vq->inflight--;
}

int virtq_get_used(struct virtq *vq, uint32_t *len)
{
	uint16_t idx = __atomic_load_n(&vq->used->idx, __ATOMIC_RELAXED);
	struct virtq_used_elem e;

	if (idx == vq->used_idx)
		return VIRTQ_EMPTY;
	if ((uint16_t)(idx - vq->used_idx) > vq->inflight)
		return VIRTQ_BROKEN;
	/* The element was written before idx: read it only after reading idx (§2.7.14). */
	arch_dma_rmb();
	e = vq->used->ring[vq->used_idx & (vq->size - 1)];
	if (e.id >= vq->size || !vq->chain_len[e.id])
		return VIRTQ_BROKEN;
	vq->used_idx++;
	free_chain(vq, (uint16_t)e.id, vq->chain_len[e.id]);
	*len = e.len;
	return (int)e.id;
}
