/** Test double: a virtio-mmio block device on the fake arch's MMIO hooks (see fake_virtio.h). */
#include "support.h"

#include <stdlib.h>

#include <skiff/irqchip.h>
#include <skiff/virtio.h>

#include "fake_virtio.h"

struct fake_vblk fake_vblk;

/* ---- The ring, from the device's side (§2.7) ---- */

static void vring_at(struct fake_vring *r, uint16_t num, uint64_t desc, uint64_t avail,
		     uint64_t used)
{
	memset(r, 0, sizeof(*r));
	r->num = num;
	r->desc = (struct virtq_desc *)(uintptr_t)desc;
	r->avail = (struct virtq_avail *)(uintptr_t)avail;
	r->used = (struct virtq_used *)(uintptr_t)used;
}

/* The legacy layout (§2.7.2): descriptors, available ring, used ring on the next boundary. */
static void vring_legacy_at(struct fake_vring *r, uint16_t num, uint64_t base, uint64_t align)
{
	uint64_t avail = base + 16ULL * num;

	vring_at(r, num, base, avail, ALIGN_UP(avail + 2ULL * (3 + num), align));
}

void fake_vring_legacy(struct fake_vring *r, uint16_t num, void *mem)
{
	vring_legacy_at(r, num, (uintptr_t)mem, VIRTQ_ALIGN);
}

bool fake_vring_pop(struct fake_vring *r, struct fake_chain *c)
{
	uint16_t d;

	if (__atomic_load_n(&r->avail->idx, __ATOMIC_ACQUIRE) == r->last_avail)
		return false;
	d = r->avail->ring[r->last_avail++ % r->num];
	if (d >= r->num)
		fake_violation("available ring names descriptor %u of %u", d, r->num);
	c->head = d;
	for (c->n = 0;; d = r->desc[d].next) {
		if (c->n == FAKE_CHAIN_MAX || d >= r->num)
			fake_violation("descriptor chain from %u is too long or leaves the table",
				       c->head);
		c->d[c->n++] = r->desc[d];
		if (!(r->desc[d].flags & VIRTQ_DESC_F_NEXT))
			return true;
	}
}

void fake_vring_push(struct fake_vring *r, uint16_t head, uint32_t len)
{
	r->used->ring[r->used_idx % r->num] = (struct virtq_used_elem){ head, len };
	__atomic_store_n(&r->used->idx, ++r->used_idx, __ATOMIC_RELEASE);
}

/* ---- Block requests (§5.2.6) ---- */

static uint8_t execute(const struct fake_chain *c, uint32_t *written)
{
	const struct virtio_blk_req_hdr *h = (const void *)(uintptr_t)c->d[0].addr;
	void *buf = (void *)(uintptr_t)c->d[1].addr;
	uint32_t len = c->d[1].len;
	bool in = h->type == VIRTIO_BLK_T_IN;

	fake_vblk.requests++;
	fake_vblk.last_type = (uint8_t)h->type;
	fake_vblk.last_sector = h->sector;
	*written = in ? len + 1 : 1;
	if (fake_vblk.fail_sector >= 0 && (uint64_t)fake_vblk.fail_sector >= h->sector &&
	    (uint64_t)fake_vblk.fail_sector < h->sector + len / 512)
		return fake_vblk.fail_status;
	if (h->type != VIRTIO_BLK_T_IN && h->type != VIRTIO_BLK_T_OUT)
		return VIRTIO_BLK_S_UNSUPP;
	if (h->sector > fake_vblk.capacity || len / 512 > fake_vblk.capacity - h->sector)
		return VIRTIO_BLK_S_IOERR;
	if (!in && (fake_vblk.accepted & (1ULL << VIRTIO_BLK_F_RO)))
		return VIRTIO_BLK_S_IOERR;
	if (in)
		memcpy(buf, fake_vblk.disk + h->sector * 512, len);
	else
		memcpy(fake_vblk.disk + h->sector * 512, buf, len);
	return VIRTIO_BLK_S_OK;
}

/* The chain a virtio-blk driver must make: header (read), data, status byte (written). */
static void check_shape(const struct fake_chain *c)
{
	bool in;

	if (c->n != 3 || c->d[0].len != sizeof(struct virtio_blk_req_hdr) ||
	    (c->d[0].flags & VIRTQ_DESC_F_WRITE) || c->d[2].len != 1 ||
	    !(c->d[2].flags & VIRTQ_DESC_F_WRITE) || c->d[1].len % 512)
		fake_violation("malformed virtio-blk request chain (%u descriptors)", c->n);
	in = ((const struct virtio_blk_req_hdr *)(uintptr_t)c->d[0].addr)->type == VIRTIO_BLK_T_IN;
	if (in != !!(c->d[1].flags & VIRTQ_DESC_F_WRITE))
		fake_violation("data buffer direction does not match the request type");
}

unsigned fake_vblk_run(void)
{
	struct fake_chain c;
	uint16_t heads[FAKE_VBLK_MAX_DONE];
	uint32_t lens[FAKE_VBLK_MAX_DONE];
	unsigned n = 0;

	if (!fake_vblk.live || !(fake_vblk.status & VIRTIO_STATUS_DRIVER_OK))
		return 0;
	while (n < FAKE_VBLK_MAX_DONE && fake_vring_pop(&fake_vblk.ring, &c)) {
		check_shape(&c);
		*(uint8_t *)(uintptr_t)c.d[2].addr = execute(&c, &lens[n]);
		heads[n++] = c.head;
	}
	for (unsigned i = 0; i < n; i++) {
		unsigned k = fake_vblk.reverse ? n - 1 - i : i;
		fake_vring_push(&fake_vblk.ring, heads[k], lens[k]);
	}
	if (n) {
		fake_vblk.isr |= VIRTIO_MMIO_INT_VRING;
		fake_irqchip_raise(FAKE_VBLK_INTID);
	}
	return n;
}

void fake_vblk_break(void)
{
	fake_vblk.status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
	fake_vblk.isr |= VIRTIO_MMIO_INT_CONFIG;
	fake_irqchip_raise(FAKE_VBLK_INTID);
}

/* ---- Registers (§4.2.2; legacy §4.2.4) ---- */

static uint32_t config_read(unsigned off)
{
	switch (off) {
	case VIRTIO_BLK_CFG_CAPACITY:
		return (uint32_t)fake_vblk.capacity;
	case VIRTIO_BLK_CFG_CAPACITY + 4:
		return (uint32_t)(fake_vblk.capacity >> 32);
	case VIRTIO_BLK_CFG_SIZE_MAX:
		return fake_vblk.size_max;
	case VIRTIO_BLK_CFG_BLK_SIZE:
		return fake_vblk.blk_size;
	default:
		return 0;
	}
}

static uint32_t reg_read(unsigned reg)
{
	bool modern = fake_vblk.version == 2;

	switch (reg) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return fake_vblk.magic;
	case VIRTIO_MMIO_VERSION:
		return fake_vblk.version;
	case VIRTIO_MMIO_DEVICE_ID:
		return fake_vblk.device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return 0x554d4551; /* "QEMU" */
	case VIRTIO_MMIO_DEVICE_FEATURES:
		/* A legacy device has 32 feature bits (QEMU answers 0 for the upper word). */
		return fake_vblk.dev_sel ? (modern ? (uint32_t)(fake_vblk.offered >> 32) : 0) :
					   (uint32_t)fake_vblk.offered;
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return fake_vblk.queue_sel == 0 ? fake_vblk.queue_num_max : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return fake_vblk.ready;
	case VIRTIO_MMIO_QUEUE_PFN:
		return fake_vblk.pfn;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return fake_vblk.isr;
	case VIRTIO_MMIO_STATUS:
		return fake_vblk.status;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return 0;
	default:
		if (reg >= VIRTIO_MMIO_CONFIG)
			return config_read(reg - VIRTIO_MMIO_CONFIG);
		fake_violation("read of virtio-mmio register 0x%03x", reg);
		return 0;
	}
}

static void reset(void)
{
	fake_vblk.status = 0;
	fake_vblk.accepted = 0;
	fake_vblk.ready = fake_vblk.pfn = 0;
	fake_vblk.live = false;
	fake_vblk.isr = 0;
}

/* FEATURES_OK sticks only for features that were offered, VERSION_1 among them (§3.1.1). */
static void write_status(uint32_t v)
{
	if (fake_vblk.nstatus < ARRAY_SIZE(fake_vblk.status_log))
		fake_vblk.status_log[fake_vblk.nstatus++] = v;
	if (v == 0) {
		reset();
		return;
	}
	if ((v & VIRTIO_STATUS_FEATURES_OK) && !(fake_vblk.status & VIRTIO_STATUS_FEATURES_OK) &&
	    (fake_vblk.refuse_features_ok || (fake_vblk.accepted & ~fake_vblk.offered) ||
	     !(fake_vblk.accepted & (1ULL << VIRTIO_F_VERSION_1))))
		v &= ~VIRTIO_STATUS_FEATURES_OK;
	fake_vblk.status = v | (fake_vblk.status & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
}

static void enable_queue(void)
{
	uint16_t num = (uint16_t)fake_vblk.queue_num;

	if (!num || num > fake_vblk.queue_num_max || (num & (num - 1)))
		fake_violation("queue size %u (max %u) is not a power of two within the maximum",
			       num, fake_vblk.queue_num_max);
	if (fake_vblk.version == 1)
		vring_legacy_at(&fake_vblk.ring, num, (uint64_t)fake_vblk.pfn * fake_vblk.page_size,
				fake_vblk.align);
	else
		vring_at(&fake_vblk.ring, num, fake_vblk.desc, fake_vblk.driver, fake_vblk.device);
	fake_vblk.live = true;
}

static void set_half(uint64_t *v, bool high, uint32_t half)
{
	*v = high ? (*v & 0xffffffffULL) | (uint64_t)half << 32 : (*v & ~0xffffffffULL) | half;
}

static void reg_write_queue(unsigned reg, uint32_t v)
{
	switch (reg) {
	case VIRTIO_MMIO_QUEUE_READY:
		fake_vblk.ready = v;
		if (v)
			enable_queue();
		break;
	case VIRTIO_MMIO_QUEUE_PFN:
		fake_vblk.pfn = v;
		if (v)
			enable_queue();
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		set_half(&fake_vblk.desc, reg == VIRTIO_MMIO_QUEUE_DESC_HIGH, v);
		break;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
		set_half(&fake_vblk.driver, reg == VIRTIO_MMIO_QUEUE_DRIVER_HIGH, v);
		break;
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		set_half(&fake_vblk.device, reg == VIRTIO_MMIO_QUEUE_DEVICE_HIGH, v);
		break;
	default:
		fake_violation("write of virtio-mmio register 0x%03x", reg);
	}
}

static void reg_write(unsigned reg, uint32_t v)
{
	switch (reg) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		fake_vblk.dev_sel = v;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		fake_vblk.drv_sel = v;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		set_half(&fake_vblk.accepted, fake_vblk.drv_sel == 1, v);
		break;
	case VIRTIO_MMIO_GUEST_PAGE_SIZE:
		fake_vblk.page_size = v;
		break;
	case VIRTIO_MMIO_QUEUE_ALIGN:
		fake_vblk.align = v;
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		fake_vblk.queue_sel = v;
		break;
	case VIRTIO_MMIO_QUEUE_NUM:
		fake_vblk.queue_num = v;
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		fake_vblk.notifies++;
		if (fake_vblk.auto_run)
			fake_vblk_run();
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		fake_vblk.acks++;
		fake_vblk.isr &= ~v;
		break;
	case VIRTIO_MMIO_STATUS:
		write_status(v);
		break;
	default:
		reg_write_queue(reg, v);
	}
}

/* An empty transport answers with the magic and DeviceID 0; nothing else answers at all. */
static uint64_t mmio_read(uintptr_t addr, unsigned size)
{
	if (size != 4)
		fake_violation("%u-byte read at 0x%lx: virtio-mmio registers are 32-bit", size,
			       (unsigned long)addr);
	fake.counter += fake_vblk.ticks_per_read;
	if (addr >= FAKE_VBLK_EMPTY && addr < FAKE_VBLK_EMPTY + 0x200)
		return addr == FAKE_VBLK_EMPTY + VIRTIO_MMIO_MAGIC_VALUE ? VIRTIO_MMIO_MAGIC :
		       addr == FAKE_VBLK_EMPTY + VIRTIO_MMIO_VERSION     ? 2 :
									   0;
	if (addr < FAKE_VBLK_BASE || addr >= FAKE_VBLK_BASE + 0x200)
		return 0;
	fake_vblk.reads++;
	return reg_read((unsigned)(addr - FAKE_VBLK_BASE));
}

static void mmio_write(uintptr_t addr, uint64_t value, unsigned size)
{
	if (size != 4)
		fake_violation("%u-byte write at 0x%lx: virtio-mmio registers are 32-bit", size,
			       (unsigned long)addr);
	if (addr < FAKE_VBLK_BASE || addr >= FAKE_VBLK_BASE + 0x200)
		fake_violation("write to 0x%lx, where no device is driven", (unsigned long)addr);
	fake_vblk.writes++;
	reg_write((unsigned)(addr - FAKE_VBLK_BASE), (uint32_t)value);
}

void fake_vblk_plug(uint32_t version, uint64_t capacity)
{
	memset(&fake_vblk, 0, sizeof(fake_vblk));
	fake_vblk.version = version;
	fake_vblk.magic = VIRTIO_MMIO_MAGIC;
	fake_vblk.device_id = VIRTIO_ID_BLOCK;
	fake_vblk.offered = version == 2 ? 1ULL << VIRTIO_F_VERSION_1 : 0;
	fake_vblk.queue_num_max = 256;
	fake_vblk.capacity = capacity;
	fake_vblk.blk_size = 512;
	fake_vblk.auto_run = true;
	fake_vblk.fail_sector = -1;
	fake_vblk.disk = test_ram(capacity * 512 + 1, 8);
	memset(fake_vblk.disk, 0, capacity * 512);
	fake.mmio_read_hook = mmio_read;
	fake.mmio_write_hook = mmio_write;
}
