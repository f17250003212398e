/**
 * The hypervisor's own block device (the swap disk of memory overcommit): asynchronous reads and
 * writes of 512-byte sectors between a disk and physically contiguous memory. One device at a
 * time. Today's backend is virtio-blk over virtio-mmio (hyp/drivers/virtio_blk.c, docs/
 * virtio-blk.md); another (a Pi's SD card) would implement this same header.
 *
 * Requests complete out of order. blk_submit returns at once; the request's done() is called
 * exactly once, with BLK_OK or a negative BLK_E_*, from the device's interrupt handler or from
 * blk_poll, on whichever CPU runs them, with interrupts masked. done() must not wait; it may
 * submit further requests. Until done() runs, the buffer belongs to the device.
 *
 * Lock order: the device lock (blk.lock in virtio_blk.c) is a leaf: nothing is taken while it is
 * held (the frame pool only at blk_init, before the device is live), and done() callbacks run
 * after it is released. It is taken with interrupts masked, so the interrupt handler cannot
 * deadlock against its own CPU.
 */
#ifndef SKIFF_BLK_H
#define SKIFF_BLK_H

#include <skiff/addr.h>
#include <skiff/platform.h>
#include <skiff/types.h>

#define BLK_SECTOR_SIZE 512U

/* Results: what blk_submit returns, and the status done() receives. */
#define BLK_OK 0
#define BLK_E_NODEV (-1)  /* no block device, or it failed and was stopped */
#define BLK_E_INVAL (-2)  /* length 0, not whole (logical) blocks, or over the device's limit */
#define BLK_E_RANGE (-3)  /* the sectors run past the end of the disk */
#define BLK_E_ROFS (-4)   /* a write to a read-only device */
#define BLK_E_BUSY (-5)   /* every request slot is taken: retry after a completion */
#define BLK_E_IO (-6)     /* the device reported an I/O error (VIRTIO_BLK_S_IOERR) */
#define BLK_E_UNSUPP (-7) /* the device does not do this request (VIRTIO_BLK_S_UNSUPP) */
#define BLK_E_DEVICE (-8) /* the device broke (needs reset, bad reply) while this was in flight */

typedef void (*blk_done_fn)(void *ctx, int status);

/**
 * Boot step: probes the platform's virtio-mmio transports and starts the first usable virtio-blk
 * device (QEMU fills transports from the top, so "first" is the first -device on its command
 * line). A device is unusable if it fails to start or its first sector holds a partition table
 * (a boot disk, never ours to write on). Prints what it found; nothing here is fatal.
 */
void blk_init(const struct platform *p);

/** True once a device is running (and until it fails). */
bool blk_available(void);
/** The disk's size in 512-byte sectors; 0 without a device. */
uint64_t blk_capacity_sectors(void);
/** True if the device refuses writes (VIRTIO_BLK_F_RO). */
bool blk_read_only(void);
/** The largest request in bytes (the device's segment limit, else 4 GiB - 512). */
uint32_t blk_max_bytes(void);
/** Requests that can be in flight at once (each takes three queue descriptors). */
unsigned blk_max_inflight(void);

/**
 * Starts a transfer of @bytes (a multiple of the sector size) between sectors @sector.. and
 * physical memory @buf (contiguous): a read if !@write. Returns BLK_OK, after which done(@ctx,
 * status) follows exactly once; or a negative BLK_E_* at once (and done() is never called):
 * NODEV, INVAL, RANGE, ROFS, BUSY.
 */
int blk_submit(uint64_t sector, paddr_t buf, uint32_t bytes, bool write, blk_done_fn done,
	       void *ctx);

/**
 * Reaps finished requests and calls their done() callbacks; checks that the device has not
 * asked for a reset (then every request in flight ends with BLK_E_DEVICE). The interrupt
 * handler calls it; so may anyone waiting with interrupts masked or without an interrupt.
 */
void blk_poll(void);

/** A few words for a BLK_* result ("I/O error"). */
const char *blk_strerror(int status);

#endif
