/**
 * virtio-mmio transport, versions 1 (legacy) and 2 (see virtio_mmio.h); register layout in
 * virtio.h (virtio 1.2 §4.2.2, legacy §4.2.4).
 */
#include <skiff/arch.h>
#include <skiff/virtio.h>
#include <skiff/virtio_mmio.h>

static uint32_t rd(const struct virtio_mmio *t, unsigned reg)
{
	return arch_mmio_read32(t->base + reg);
}

static void wr(const struct virtio_mmio *t, unsigned reg, uint32_t v)
{
	arch_mmio_write32(t->base + reg, v);
}

static void set_status(struct virtio_mmio *t, uint32_t bits)
{
	wr(t, VIRTIO_MMIO_STATUS, rd(t, VIRTIO_MMIO_STATUS) | bits);
}

bool virtio_mmio_probe(struct virtio_mmio *t, uintptr_t base)
{
	t->base = base;
	t->features = 0;
	if (rd(t, VIRTIO_MMIO_MAGIC_VALUE) != VIRTIO_MMIO_MAGIC)
		return false;
	t->version = rd(t, VIRTIO_MMIO_VERSION);
	t->device_id = rd(t, VIRTIO_MMIO_DEVICE_ID);
	return t->version == 1 || t->version == 2;
}

void virtio_mmio_reset(struct virtio_mmio *t)
{
	wr(t, VIRTIO_MMIO_STATUS, 0);
}

static uint64_t device_features(struct virtio_mmio *t)
{
	uint64_t f;

	wr(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	f = (uint64_t)rd(t, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	wr(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	return f | rd(t, VIRTIO_MMIO_DEVICE_FEATURES);
}

static void driver_features(struct virtio_mmio *t, uint64_t f)
{
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
}

static const char *give_up(struct virtio_mmio *t, const char *why)
{
	virtio_mmio_fail(t);
	return why;
}

const char *virtio_mmio_negotiate(struct virtio_mmio *t, uint64_t wanted)
{
	uint64_t offered;

	virtio_mmio_reset(t);
	if (rd(t, VIRTIO_MMIO_STATUS) != 0)
		return give_up(t, "device did not reset (Status stays non-zero)");
	set_status(t, VIRTIO_STATUS_ACKNOWLEDGE);
	set_status(t, VIRTIO_STATUS_DRIVER);
	offered = device_features(t);
	if (t->version == 2) {
		if (!(offered & (1ULL << VIRTIO_F_VERSION_1)))
			return give_up(t, "modern transport, but the device does not offer "
					  "VIRTIO_F_VERSION_1");
		wanted |= 1ULL << VIRTIO_F_VERSION_1;
	}
	t->features = offered & wanted;
	driver_features(t, t->features);
	if (t->version == 1)
		return NULL; /* legacy: no FEATURES_OK step (§4.2.4) */
	set_status(t, VIRTIO_STATUS_FEATURES_OK);
	if (!(rd(t, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK))
		return give_up(t, "device refused our features (FEATURES_OK did not stick)");
	return NULL;
}

bool virtio_mmio_has(const struct virtio_mmio *t, unsigned bit)
{
	return bit < 64 && (t->features >> bit) & 1;
}

uint16_t virtio_mmio_queue_max(struct virtio_mmio *t, uint32_t index)
{
	uint32_t max;

	wr(t, VIRTIO_MMIO_QUEUE_SEL, index);
	/* A queue already running is not ours to set up. */
	if (rd(t, t->version == 1 ? VIRTIO_MMIO_QUEUE_PFN : VIRTIO_MMIO_QUEUE_READY) != 0)
		return 0;
	max = rd(t, VIRTIO_MMIO_QUEUE_NUM_MAX);
	return (uint16_t)MIN(max, UINT16_MAX);
}

static void wr64(struct virtio_mmio *t, unsigned low, paddr_t pa)
{
	wr(t, low, (uint32_t)pa_addr(pa));
	wr(t, low + 4, (uint32_t)(pa_addr(pa) >> 32));
}

const char *virtio_mmio_queue_enable(struct virtio_mmio *t, uint32_t index, const struct virtq *vq)
{
	if (t->version == 1 && pa_addr(vq->desc_pa) / VIRTQ_ALIGN > UINT32_MAX)
		return "its queue lies above 16 TiB, where a legacy device's 32-bit QueuePFN "
		       "cannot "
		       "reach";
	wr(t, VIRTIO_MMIO_QUEUE_SEL, index);
	wr(t, VIRTIO_MMIO_QUEUE_NUM, vq->size);
	/* The device reads the rings from memory: our zeroed rings before their addresses. */
	arch_dma_wmb();
	if (t->version == 1) {
		wr(t, VIRTIO_MMIO_GUEST_PAGE_SIZE, VIRTQ_ALIGN);
		wr(t, VIRTIO_MMIO_QUEUE_ALIGN, VIRTQ_ALIGN);
		wr(t, VIRTIO_MMIO_QUEUE_PFN, (uint32_t)(pa_addr(vq->desc_pa) / VIRTQ_ALIGN));
		return NULL;
	}
	wr64(t, VIRTIO_MMIO_QUEUE_DESC_LOW, vq->desc_pa);
	wr64(t, VIRTIO_MMIO_QUEUE_DRIVER_LOW, vq->avail_pa);
	wr64(t, VIRTIO_MMIO_QUEUE_DEVICE_LOW, vq->used_pa);
	wr(t, VIRTIO_MMIO_QUEUE_READY, 1);
	return NULL;
}

void virtio_mmio_driver_ok(struct virtio_mmio *t)
{
	set_status(t, VIRTIO_STATUS_DRIVER_OK);
}

void virtio_mmio_fail(struct virtio_mmio *t)
{
	set_status(t, VIRTIO_STATUS_FAILED);
}

uint32_t virtio_mmio_status(const struct virtio_mmio *t)
{
	return rd(t, VIRTIO_MMIO_STATUS);
}

void virtio_mmio_notify(const struct virtio_mmio *t, uint32_t index)
{
	arch_dma_wmb(); /* avail->idx before the doorbell */
	wr(t, VIRTIO_MMIO_QUEUE_NOTIFY, index);
}

uint32_t virtio_mmio_irq_ack(const struct virtio_mmio *t)
{
	uint32_t bits = rd(t, VIRTIO_MMIO_INTERRUPT_STATUS);

	if (bits)
		wr(t, VIRTIO_MMIO_INTERRUPT_ACK, bits);
	arch_dma_mb(); /* the acknowledgement before our next look at the used ring */
	return bits;
}

uint32_t virtio_mmio_config32(const struct virtio_mmio *t, unsigned off)
{
	return rd(t, VIRTIO_MMIO_CONFIG + off);
}

/* Two 32-bit reads; a modern device's ConfigGeneration says whether they belong together. */
uint64_t virtio_mmio_config64(const struct virtio_mmio *t, unsigned off)
{
	uint32_t gen, lo, hi;

	do {
		gen = t->version == 2 ? rd(t, VIRTIO_MMIO_CONFIG_GENERATION) : 0;
		lo = virtio_mmio_config32(t, off);
		hi = virtio_mmio_config32(t, off + 4);
	} while (t->version == 2 && gen != rd(t, VIRTIO_MMIO_CONFIG_GENERATION));
	return (uint64_t)hi << 32 | lo;
}
