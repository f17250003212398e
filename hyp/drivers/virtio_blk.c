/**
 * blk.h over virtio-blk (virtio 1.2 §5.2) on a virtio-mmio transport (virtio_mmio.c) with one
 * split virtqueue (virtq.c). A request is a chain of three descriptors: the 16-byte header the
 * device reads, the caller's buffer, and a status byte the device writes (§5.2.6). Headers and
 * status bytes live in a page of request slots next to the queue, both from the frame pool.
 *
 * Lock order: blk.lock is a leaf (see blk.h); done() callbacks run after it is released.
 * Memory: QEMU's virtio devices are cache-coherent (the DTB says dma-coherent), so no cache
 * maintenance; ordering comes from the barriers in virtq.c and virtio_mmio.c.
 */
#include <skiff/blk.h>
#include <skiff/console.h>
#include <skiff/irqchip.h>
#include <skiff/mem.h>
#include <skiff/mm.h>
#include <skiff/panic.h>
#include <skiff/string.h>
#include <skiff/timer.h>
#include <skiff/virtio.h>
#include <skiff/virtio_mmio.h>

#define BLK_QUEUE_MAX 128U /* descriptors we ask for, at most (QEMU offers 256) */
#define DESC_PER_REQ 3U
#define BLK_INFLIGHT_MAX (BLK_QUEUE_MAX / DESC_PER_REQ)
#define STATUS_UNSET 0xffU /* not a VIRTIO_BLK_S_*: the device never wrote the status byte */
#define FROM_DEVICE 1      /* finish(): the result is the device's status byte */
#define BOOT_READ_TIMEOUT_US 1000000U

/* Features we accept (§5.2.3); VIRTIO_F_VERSION_1 is added by the transport when modern. */
#define BLK_FEATURES                                                   \
	((1ULL << VIRTIO_BLK_F_SIZE_MAX) | (1ULL << VIRTIO_BLK_F_RO) | \
	 (1ULL << VIRTIO_BLK_F_BLK_SIZE))

/** One request's header and status byte, in memory the device reads and writes. */
struct blk_slot {
	struct virtio_blk_req_hdr hdr;
	uint8_t status;
};

_Static_assert(BLK_INFLIGHT_MAX * sizeof(struct blk_slot) <= PAGE_SIZE, "slots fill one page");
_Static_assert(BLK_INFLIGHT_MAX <= 64, "slot_used is one 64-bit word");

/** A request in flight, indexed by the head descriptor of its chain. */
struct blk_req {
	blk_done_fn done;
	void *ctx;
	unsigned slot;
};

/** A done() call collected under the lock and made after it is released. */
struct blk_call {
	blk_done_fn done;
	void *ctx;
	int status;
};

static struct {
	struct spinlock lock;
	bool live;
	struct virtio_mmio t;
	uint64_t capacity;  /* sectors */
	uint32_t block;     /* logical block size in bytes: requests are whole blocks */
	uint32_t max_bytes; /* the largest request */
	bool read_only;
	unsigned max_inflight, inflight;
	struct virtq vq;
	paddr_t mem; /* the queue, then the slot page */
	uint64_t mem_pages;
	struct blk_slot *slots;
	paddr_t slots_pa;
	uint64_t slot_used; /* bit per slot */
	struct blk_req reqs[BLK_QUEUE_MAX];
} blk;

static char why_buf[96];

static uint64_t lock(void)
{
	return spin_lock_irqsave(&blk.lock);
}

static void unlock(uint64_t flags)
{
	spin_unlock_irqrestore(&blk.lock, flags);
}

/* ---- Requests ---- */

static int check_request(uint64_t sector, uint32_t bytes, bool write)
{
	if (!blk.live)
		return BLK_E_NODEV;
	if (!bytes || bytes % blk.block || bytes > blk.max_bytes ||
	    sector % (blk.block / BLK_SECTOR_SIZE))
		return BLK_E_INVAL;
	if (sector >= blk.capacity || bytes / BLK_SECTOR_SIZE > blk.capacity - sector)
		return BLK_E_RANGE;
	if (write && blk.read_only)
		return BLK_E_ROFS;
	return blk.inflight < blk.max_inflight ? BLK_OK : BLK_E_BUSY;
}

static paddr_t slot_pa(unsigned s, size_t field)
{
	return pa_add(blk.slots_pa, s * sizeof(struct blk_slot) + field);
}

/* Fills a free slot and offers the three-descriptor chain; the caller checked there is room. */
static void queue_request(uint64_t sector, paddr_t buf, uint32_t bytes, bool write,
			  blk_done_fn done, void *ctx)
{
	unsigned s = (unsigned)__builtin_ctzll(~blk.slot_used);
	struct virtq_buf chain[DESC_PER_REQ] = {
		{ slot_pa(s, offsetof(struct blk_slot, hdr)), sizeof(struct virtio_blk_req_hdr),
		  false },
		{ buf, bytes, !write },
		{ slot_pa(s, offsetof(struct blk_slot, status)), 1, true },
	};
	int head;

	blk.slots[s].hdr = (struct virtio_blk_req_hdr){
		.type = write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN,
		.sector = sector,
	};
	blk.slots[s].status = STATUS_UNSET;
	head = virtq_add(&blk.vq, chain, DESC_PER_REQ);
	CHECK(head >= 0 && s < blk.max_inflight);
	blk.slot_used |= 1ULL << s;
	blk.reqs[head] = (struct blk_req){ done, ctx, s };
	blk.inflight++;
	virtio_mmio_notify(&blk.t, 0);
}

int blk_submit(uint64_t sector, paddr_t buf, uint32_t bytes, bool write, blk_done_fn done,
	       void *ctx)
{
	uint64_t flags;
	int err;

	CHECK(done);
	flags = lock();
	err = check_request(sector, bytes, write);
	if (err == BLK_OK)
		queue_request(sector, buf, bytes, write, done, ctx);
	unlock(flags);
	return err;
}

/** The device's status byte as a BLK_* result (§5.2.6); anything else means it misbehaved. */
static int status_result(uint8_t s)
{
	switch (s) {
	case VIRTIO_BLK_S_OK:
		return BLK_OK;
	case VIRTIO_BLK_S_IOERR:
		return BLK_E_IO;
	case VIRTIO_BLK_S_UNSUPP:
		return BLK_E_UNSUPP;
	default:
		return BLK_E_DEVICE;
	}
}

/* Ends the request headed at @head with @status, or FROM_DEVICE: its status byte. */
static struct blk_call finish(unsigned head, int status)
{
	struct blk_req r = blk.reqs[head];

	if (status == FROM_DEVICE)
		status = status_result(blk.slots[r.slot].status);
	blk.slot_used &= ~(1ULL << r.slot);
	blk.reqs[head] = (struct blk_req){ 0 };
	blk.inflight--;
	return (struct blk_call){ r.done, r.ctx, status };
}

/*
 * The device broke: reset it so it lets go of every buffer, then end every request in flight
 * with BLK_E_DEVICE (it may or may not have happened: the caller must not count on it).
 */
static unsigned stop_locked(struct blk_call *out)
{
	unsigned n = 0;

	virtio_mmio_reset(&blk.t);
	blk.live = false;
	for (unsigned h = 0; h < BLK_QUEUE_MAX; h++)
		if (blk.reqs[h].done)
			out[n++] = finish(h, BLK_E_DEVICE);
	return n;
}

/** What one pass under the lock found: done() calls to make, and why the device stopped. */
struct blk_reaped {
	struct blk_call calls[BLK_INFLIGHT_MAX]; /* room for every request in flight */
	unsigned n;
	unsigned failed; /* of those, ended by stopping the device */
	const char *why; /* the device was stopped (NULL: it was not, or silently) */
};

static void stop_locked_into(struct blk_reaped *r, const char *why)
{
	unsigned n = stop_locked(r->calls + r->n);

	r->n += n;
	r->failed = n;
	r->why = why;
}

static void reap_locked(struct blk_reaped *r)
{
	uint32_t len;
	int head;

	if (!blk.live)
		return;
	if (virtio_mmio_status(&blk.t) &
	    (VIRTIO_STATUS_DEVICE_NEEDS_RESET | VIRTIO_STATUS_FAILED)) {
		stop_locked_into(r, "the device needs a reset");
		return;
	}
	while ((head = virtq_get_used(&blk.vq, &len)) >= 0)
		r->calls[r->n++] = finish((unsigned)head, FROM_DEVICE);
	if (head == VIRTQ_BROKEN)
		stop_locked_into(r, "its used ring names a request that is not in flight");
}

/* Makes the done() calls collected under the lock; says first if the device was stopped. */
static void complete(const struct blk_reaped *r)
{
	if (r->why)
		kprintf("blk: virtio-blk at 0x%08lx stopped: %s; %u request(s) in flight failed\n",
			(unsigned long)blk.t.base, r->why, r->failed);
	for (unsigned i = 0; i < r->n; i++)
		r->calls[i].done(r->calls[i].ctx, r->calls[i].status);
}

void blk_poll(void)
{
	struct blk_reaped r = { .n = 0 };
	uint64_t flags = lock();

	reap_locked(&r);
	unlock(flags);
	complete(&r);
}

/* Stops a live device on our own initiative, silently (its requests fail with BLK_E_DEVICE). */
static void stop(void)
{
	struct blk_reaped r = { .n = 0 };
	uint64_t flags = lock();

	if (blk.live)
		stop_locked_into(&r, NULL);
	unlock(flags);
	complete(&r);
}

static void blk_irq(uint32_t intid, void *ctx)
{
	(void)intid;
	(void)ctx;
	virtio_mmio_irq_ack(&blk.t);
	blk_poll();
}

bool blk_available(void)
{
	return __atomic_load_n(&blk.live, __ATOMIC_RELAXED);
}

uint64_t blk_capacity_sectors(void)
{
	return blk_available() ? blk.capacity : 0;
}

bool blk_read_only(void)
{
	return blk_available() && blk.read_only;
}

uint32_t blk_max_bytes(void)
{
	return blk_available() ? blk.max_bytes : 0;
}

unsigned blk_max_inflight(void)
{
	return blk_available() ? blk.max_inflight : 0;
}

const char *blk_strerror(int status)
{
	static const char *const text[] = {
		[0] = "done",
		[-BLK_E_NODEV] = "no block device",
		[-BLK_E_INVAL] = "length not whole blocks or over the device's limit",
		[-BLK_E_RANGE] = "past the end of the disk",
		[-BLK_E_ROFS] = "read-only device",
		[-BLK_E_BUSY] = "queue full",
		[-BLK_E_IO] = "I/O error",
		[-BLK_E_UNSUPP] = "request not supported by the device",
		[-BLK_E_DEVICE] = "device failed",
	};

	return status <= 0 && -status < (int)ARRAY_SIZE(text) ? text[-status] : "unknown error";
}

/* ---- Set-up ---- */

static const char *say(const char *fmt, uint32_t v)
{
	snprintf(why_buf, sizeof(why_buf), fmt, v);
	return why_buf;
}

/* Capacity and the limits a request must respect (§5.2.4). */
static const char *read_config(void)
{
	blk.capacity = virtio_mmio_config64(&blk.t, VIRTIO_BLK_CFG_CAPACITY);
	if (!blk.capacity)
		return "it reports a capacity of 0 sectors";
	blk.block = BLK_SECTOR_SIZE;
	if (virtio_mmio_has(&blk.t, VIRTIO_BLK_F_BLK_SIZE))
		blk.block = virtio_mmio_config32(&blk.t, VIRTIO_BLK_CFG_BLK_SIZE);
	if (blk.block < BLK_SECTOR_SIZE || blk.block > PAGE_SIZE || (blk.block & (blk.block - 1)))
		return say("its logical block size (%u bytes) is not a power of 2 in 512..4096",
			   blk.block);
	blk.max_bytes = ALIGN_DOWN(UINT32_MAX, blk.block);
	if (virtio_mmio_has(&blk.t, VIRTIO_BLK_F_SIZE_MAX)) {
		uint32_t max = virtio_mmio_config32(&blk.t, VIRTIO_BLK_CFG_SIZE_MAX);
		if (max < blk.block)
			return say("its largest segment (%u bytes) is smaller than a block", max);
		blk.max_bytes = ALIGN_DOWN(max, blk.block);
	}
	blk.read_only = virtio_mmio_has(&blk.t, VIRTIO_BLK_F_RO);
	return NULL;
}

/* Queue 0 (the only request queue, §5.2.2) and the slot page, from the frame pool. */
static const char *setup_queue(void)
{
	uint16_t max = virtio_mmio_queue_max(&blk.t, 0), size = 1;

	if (max < DESC_PER_REQ)
		return say("its request queue is missing, in use or too short (%u entries)", max);
	while (size * 2U <= MIN(max, BLK_QUEUE_MAX))
		size = (uint16_t)(size * 2);
	if (!frame_alloc(&frames, virtq_mem_size(size) / PAGE_SIZE + 1, 1, &blk.mem))
		return "no free memory for its queue";
	blk.mem_pages = virtq_mem_size(size) / PAGE_SIZE + 1;
	virtq_init(&blk.vq, size, pa_to_ptr(blk.mem), blk.mem);
	blk.slots_pa = pa_add(blk.mem, virtq_mem_size(size));
	blk.slots = pa_to_ptr(blk.slots_pa);
	memset(blk.slots, 0, PAGE_SIZE);
	blk.max_inflight = size / DESC_PER_REQ;
	return virtio_mmio_queue_enable(&blk.t, 0, &blk.vq);
}

/* The initialisation sequence of §3.1.1, as the transport splits it. */
static const char *start(uintptr_t base)
{
	const char *err;

	CHECK(virtio_mmio_probe(&blk.t, base));
	if ((err = virtio_mmio_negotiate(&blk.t, BLK_FEATURES)) || (err = read_config()) ||
	    (err = setup_queue()))
		return err;
	virtio_mmio_driver_ok(&blk.t);
	if (virtio_mmio_status(&blk.t) & (VIRTIO_STATUS_DEVICE_NEEDS_RESET | VIRTIO_STATUS_FAILED))
		return "it failed as it was started (Status after DRIVER_OK)";
	blk.live = true;
	return NULL;
}

/* Gives the device up: reset (it lets go of our memory), memory back, FAILED set (§2.1). */
static void abandon(void)
{
	stop();
	virtio_mmio_reset(&blk.t);
	if (blk.mem_pages)
		frame_free(&frames, blk.mem, blk.mem_pages);
	blk.mem_pages = 0;
	virtio_mmio_fail(&blk.t);
}

static void boot_read_done(void *ctx, int status)
{
	*(volatile int *)ctx = status;
}

/* An MBR (boot signature 0x55aa) with at least one partition entry in use. */
static bool partitioned(const uint8_t *sector)
{
	if (sector[510] != 0x55 || sector[511] != 0xaa)
		return false;
	for (unsigned p = 0; p < 4; p++)
		if (sector[446 + 16 * p + 4] != 0) /* partition type */
			return true;
	return false;
}

/*
 * Reads the first block, polling (the interrupt is not wired yet): a disk with a partition table
 * is somebody's boot disk (make run-uboot's), not space for the hypervisor to write on.
 */
static const char *check_not_partitioned(void)
{
	volatile int status = 1;
	uint64_t deadline = arch_counter_now() + timer_us_to_ticks(BOOT_READ_TIMEOUT_US);
	const char *why = NULL;
	paddr_t buf;
	int err;

	if (!frame_alloc(&frames, 1, 1, &buf))
		return "no free memory to read its first sector";
	err = blk_submit(0, buf, blk.block, false, boot_read_done, (void *)&status);
	while (err == BLK_OK && status == 1 && arch_counter_now() < deadline)
		blk_poll();
	if (err == BLK_OK && status == 1) {
		stop(); /* the device lets go of buf before it is freed */
		why = "reading its first sector timed out";
	} else if (err != BLK_OK || status != BLK_OK) {
		snprintf(why_buf, sizeof(why_buf), "reading its first sector failed (%s)",
			 blk_strerror(err != BLK_OK ? err : status));
		why = why_buf;
	} else if (partitioned(pa_to_ptr(buf))) {
		why = "its first sector holds a partition table (a boot disk?)";
	}
	frame_free(&frames, buf, 1);
	return why;
}

/*
 * The virtio-blk devices, highest address first: QEMU fills transports from the top, so that is
 * the order of the -device options on its command line.
 */
static unsigned find_devices(const struct platform *p, const struct platform_virtio **out)
{
	struct virtio_mmio t;
	unsigned n = 0;

	for (unsigned i = 0; i < p->nvirtio; i++) {
		const struct platform_virtio *v = &p->virtio[i];
		unsigned j = n++;
		if (!virtio_mmio_probe(&t, (uintptr_t)pa_addr(v->base)) ||
		    t.device_id != VIRTIO_ID_BLOCK) {
			n--;
			continue;
		}
		for (; j > 0 && pa_addr(out[j - 1]->base) < pa_addr(v->base); j--)
			out[j] = out[j - 1];
		out[j] = v;
	}
	return n;
}

static void report(const struct platform_virtio *v, unsigned others)
{
	uint64_t bytes = blk.capacity * BLK_SECTOR_SIZE;
	char size[32], irq[24];

	if (bytes % MiB(1) == 0)
		snprintf(size, sizeof(size), "%lu MiB", (unsigned long)(bytes >> 20));
	else
		snprintf(size, sizeof(size), "%lu bytes", (unsigned long)bytes);
	if (v->intid)
		snprintf(irq, sizeof(irq), "irq %u", v->intid);
	else
		snprintf(irq, sizeof(irq), "no irq: polled");
	kprintf("blk: virtio-blk at 0x%08lx, %lu sectors (%s), %s, virtio-mmio v%u%s, %u requests "
		"in flight%s\n",
		(unsigned long)pa_addr(v->base), (unsigned long)blk.capacity, size, irq,
		blk.t.version, blk.t.version == 1 ? " (legacy)" : "", blk.max_inflight,
		blk.read_only ? ", read-only" : "");
	if (others)
		kprintf("blk: %u more virtio-blk device(s) left alone\n", others);
}

/* Starts the device at @v and checks it is ours to write on; says why not if it is unusable. */
static bool try_device(const struct platform_virtio *v)
{
	const char *err;

	memset(&blk, 0, sizeof(blk));
	err = start((uintptr_t)pa_addr(v->base));
	if (!err)
		err = check_not_partitioned();
	if (err) {
		abandon();
		kprintf("blk: virtio-blk at 0x%08lx not used: %s\n",
			(unsigned long)pa_addr(v->base), err);
		return false;
	}
	if (v->intid)
		irq_register(v->intid, blk_irq, NULL);
	return true;
}

void blk_init(const struct platform *p)
{
	const struct platform_virtio *found[PLATFORM_MAX_VIRTIO];
	unsigned n = find_devices(p, found);

	memset(&blk, 0, sizeof(blk));
	for (unsigned i = 0; i < n; i++)
		if (try_device(found[i])) {
			report(found[i], n - i - 1);
			return;
		}
	if (!n)
		kprintf("blk: no block device (no virtio-blk among %u virtio-mmio transports)\n",
			p->nvirtio);
}
