/**
 * The virtio-mmio transport (virtio 1.2 §4.2), both flavours QEMU offers: version 2 ("modern":
 * 64-bit feature words, FEATURES_OK, the queue's three parts placed separately, QueueReady) and
 * version 1 ("legacy", §4.2.4: QEMU virt's default; one block placed by QueuePFN, no
 * FEATURES_OK). A driver calls, in the order of §3.1.1: virtio_mmio_probe, virtio_mmio_negotiate,
 * virtio_mmio_queue_max + virtio_mmio_queue_enable per queue, virtio_mmio_driver_ok.
 *
 * Registers are reached at their physical address (EL2 maps the transports, mem.c). No locking:
 * after set-up the only writes are notifications and interrupt acknowledgements, which the
 * driver makes under its own lock or from its interrupt handler.
 */
#ifndef SKIFF_VIRTIO_MMIO_H
#define SKIFF_VIRTIO_MMIO_H

#include <skiff/types.h>
#include <skiff/virtq.h>

struct virtio_mmio {
	uintptr_t base;
	uint32_t version;   /* 1 legacy, 2 modern */
	uint32_t device_id; /* VIRTIO_ID_*; VIRTIO_ID_NONE: nothing behind this transport */
	uint64_t features;  /* negotiated */
};

/** Reads the identity registers at @base; false if no virtio-mmio transport of version 1 or 2. */
bool virtio_mmio_probe(struct virtio_mmio *t, uintptr_t base);

/**
 * Resets the device, sets ACKNOWLEDGE and DRIVER, accepts the device's features that are also in
 * @wanted (plus VIRTIO_F_VERSION_1, which a modern device must offer) and, on a modern device,
 * sets FEATURES_OK and checks that it stuck (§3.1.1). NULL, or a sentence saying what failed (the
 * device is then marked FAILED).
 */
const char *virtio_mmio_negotiate(struct virtio_mmio *t, uint64_t wanted);

/** True if feature bit @bit was negotiated. */
bool virtio_mmio_has(const struct virtio_mmio *t, unsigned bit);

/** Selects queue @index and returns its QueueNumMax (0: no such queue, or it is in use). */
uint16_t virtio_mmio_queue_max(struct virtio_mmio *t, uint32_t index);

/**
 * Tells the device where queue @index lives and enables it. NULL, or why the device cannot use
 * that memory (a legacy device addresses its queue by a 32-bit page number).
 */
const char *virtio_mmio_queue_enable(struct virtio_mmio *t, uint32_t index, const struct virtq *vq);

/** Sets DRIVER_OK: the device is live. */
void virtio_mmio_driver_ok(struct virtio_mmio *t);

/** Sets FAILED: the driver gave up on the device (§2.1). */
void virtio_mmio_fail(struct virtio_mmio *t);

/** Writes 0 to Status: the device stops using its queues and forgets them (§4.2.3.1). */
void virtio_mmio_reset(struct virtio_mmio *t);

/** The Status register (DEVICE_NEEDS_RESET and FAILED are what a driver checks for). */
uint32_t virtio_mmio_status(const struct virtio_mmio *t);

/** Notifies the device of new buffers in queue @index, after the ring writes (§2.7.13.4). */
void virtio_mmio_notify(const struct virtio_mmio *t, uint32_t index);

/**
 * Reads InterruptStatus and acknowledges those bits; returns them (VIRTIO_MMIO_INT_*). The used
 * ring is read after this, so a buffer finished after the acknowledgement interrupts again.
 */
uint32_t virtio_mmio_irq_ack(const struct virtio_mmio *t);

/** Reads the 32-bit / 64-bit field at @off of the device configuration space, consistently. */
uint32_t virtio_mmio_config32(const struct virtio_mmio *t, unsigned off);
uint64_t virtio_mmio_config64(const struct virtio_mmio *t, unsigned off);

#endif
