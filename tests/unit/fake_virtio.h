/**
 * Test double: the device side of virtio, for host tests of hyp/drivers/ (virtq.c,
 * virtio_mmio.c, virtio_blk.c). A split ring as a device walks it (virtio 1.2 §2.7), and a
 * virtio-blk device (§5.2) over a RAM disk behind a virtio-mmio transport (§4.2.2, legacy
 * §4.2.4), answering the fake arch's MMIO hooks. Requests run when the test says (fake_vblk_run)
 * or at each notification (auto_run), so tests choose when and in what order they finish.
 *
 * Anything the driver does that a real device would reject (a malformed chain, a register
 * access of the wrong size, a queue size that is not a power of two) is a seam violation: it
 * fails the test (fake_violation).
 */
#ifndef TEST_FAKE_VIRTIO_H
#define TEST_FAKE_VIRTIO_H

#include <skiff/virtq.h>

/** One split ring, as the device sees it in (host) memory. */
struct fake_vring {
	uint16_t num;
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	uint16_t last_avail; /* avail entries consumed */
	uint16_t used_idx;   /* used entries produced */
};

#define FAKE_CHAIN_MAX 8

/** A chain taken from the available ring: its head and descriptors in order. */
struct fake_chain {
	uint16_t head;
	unsigned n;
	struct virtq_desc d[FAKE_CHAIN_MAX];
};

/** Points @r at a ring of @num entries laid out from @mem as virtq.c lays it (VIRTQ_ALIGN). */
void fake_vring_legacy(struct fake_vring *r, uint16_t num, void *mem);
/** Takes the next chain the driver made available; false if there is none. */
bool fake_vring_pop(struct fake_vring *r, struct fake_chain *c);
/** Puts chain @head in the used ring with @len bytes written, then moves used->idx. */
void fake_vring_push(struct fake_vring *r, uint16_t head, uint32_t len);

#define FAKE_VBLK_BASE 0x0a003e00UL
#define FAKE_VBLK_EMPTY 0x0a003c00UL /* an empty transport (DeviceID 0) below it */
#define FAKE_VBLK_INTID 79U
#define FAKE_VBLK_MAX_DONE 256

struct fake_vblk {
	/* Configuration: set by tests before blk_init */
	uint32_t version; /* 1 legacy, 2 modern */
	uint32_t magic;
	uint32_t device_id;
	uint64_t offered; /* feature bits */
	uint16_t queue_num_max;
	uint64_t capacity; /* sectors */
	uint32_t blk_size, size_max;
	bool refuse_features_ok;
	bool auto_run;           /* requests run at each notification */
	bool reverse;            /* fake_vblk_run finishes its batch last to first */
	int64_t fail_sector;     /* requests touching it end with fail_status (-1: none) */
	uint8_t fail_status;     /* VIRTIO_BLK_S_* */
	uint64_t ticks_per_read; /* fake.counter advances by this at every register read */
	uint8_t *disk;           /* capacity * 512 bytes */
	/* Transport state */
	uint32_t status;
	uint32_t status_log[16]; /* every value written to Status, in order */
	unsigned nstatus;
	uint32_t dev_sel, drv_sel;
	uint64_t accepted; /* DriverFeatures */
	uint32_t queue_sel, queue_num, page_size, align, pfn, ready;
	uint64_t desc, driver, device;
	uint32_t isr;
	unsigned notifies, acks, reads, writes;
	struct fake_vring ring;
	bool live; /* the queue is enabled */
	/* What ran */
	unsigned requests;
	uint8_t last_type;
	uint64_t last_sector;
};

extern struct fake_vblk fake_vblk;

/**
 * A fresh device of @capacity sectors (zeroed disk) of transport @version: modern offers
 * VERSION_1, RO is off, queue max 256, auto_run on; the MMIO hooks installed.
 */
void fake_vblk_plug(uint32_t version, uint64_t capacity);
/** Runs every request made available; returns how many. Raises the interrupt if any ran. */
unsigned fake_vblk_run(void);
/** Sets DEVICE_NEEDS_RESET and raises a configuration-change interrupt (§2.1.2). */
void fake_vblk_break(void);

#endif
