/**
 * hyp/drivers/virtio_blk.c (with virtio_mmio.c and virtq.c) against a fake virtio-blk device
 * behind the fake arch's MMIO hooks (tests/unit/fake_virtio.c): the initialisation sequence on
 * modern and legacy transports, devices refused at start, requests refused at submit, the device's
 * status mapped to each request, many requests in flight completing out of order through the
 * interrupt, and a device that breaks with requests in flight.
 */
#include "support.h"

#include <sys/mman.h>

#include <skiff/blk.h>
#include <skiff/irqchip.h>
#include <skiff/mem.h>
#include <skiff/mm.h>
#include <skiff/virtio.h>

#include "fake_virtio.h"

#define CAP 2048 /* sectors: 1 MiB */
#define NFRAMES 64

static struct platform plat;
static uint64_t free_before;

/* What done() saw, per request. */
struct seen {
	unsigned calls;
	int status;
};

static void done(void *ctx, int status)
{
	struct seen *s = ctx;

	s->calls++;
	s->status = status;
}

/*
 * The frame pool below 4 GiB, as on QEMU virt: a legacy device takes its queue's address as a
 * 32-bit page number (virtio 1.2 §4.2.4), which host heap addresses overflow. Mapped once at a
 * fixed low address (inside the range ASan leaves to programs) and reused by every test.
 */
static void low_frames(void)
{
	static void *mem;
	struct pa_range r;

	if (!mem)
		mem = mmap((void *)0x60000000UL, NFRAMES * PAGE_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	assert_true(mem != MAP_FAILED);
	memset(mem, 0xa5, NFRAMES * PAGE_SIZE);
	r = (struct pa_range){ test_pa(mem), pa_add(test_pa(mem), NFRAMES * PAGE_SIZE) };
	assert_null(frame_pool_init(&frames, &r, 1, NULL, 0));
}

static int setup(void **state)
{
	test_setup(state);
	test_guest_machine(NFRAMES); /* CPU 0's record, for irq_handle */
	low_frames();
	memset(&plat, 0, sizeof(plat));
	plat.gic.kind = IRQCHIP_GICV3;
	assert_null(irq_init(&plat));
	/* Transport order as in QEMU's DTB: ascending, the device in the top one. */
	plat.virtio[0] = (struct platform_virtio){ pa_init(0x0a000000), 0x200, 48 }; /* silent */
	plat.virtio[1] = (struct platform_virtio){ pa_init(FAKE_VBLK_EMPTY), 0x200, 78 };
	plat.virtio[2] =
		(struct platform_virtio){ pa_init(FAKE_VBLK_BASE), 0x200, FAKE_VBLK_INTID };
	plat.nvirtio = 3;
	free_before = frames.free;
	return 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, test_teardown)

static void plug_and_init(uint32_t version)
{
	fake_vblk_plug(version, CAP);
	blk_init(&plat);
}

/* A page of host memory for data, and its "physical" address. */
static paddr_t buffer(uint8_t fill)
{
	void *p = test_ram(PAGE_SIZE, PAGE_SIZE);

	memset(p, fill, PAGE_SIZE);
	return test_pa(p);
}

/* Delivers the device's interrupt as the IRQ vector would. */
static void interrupt(void)
{
	irq_handle();
}

static void test_no_device(void **state)
{
	struct seen s = { 0 };

	(void)state;
	fake_vblk_plug(2, CAP);
	fake_vblk.device_id = VIRTIO_ID_NONE; /* an empty transport, as most are */
	blk_init(&plat);
	assert_output_contains(
		"blk: no block device (no virtio-blk among 3 virtio-mmio transports)");
	assert_false(blk_available());
	assert_int_equal(blk_capacity_sectors(), 0);
	assert_int_equal(blk_submit(0, buffer(0), 512, false, done, &s), BLK_E_NODEV);
	blk_poll();
	assert_int_equal(s.calls, 0);
	assert_int_equal(fake.mmio_writes, 0); /* probing only reads */
}

static void test_modern_start(void **state)
{
	static const uint32_t sequence[] = {
		0,
		VIRTIO_STATUS_ACKNOWLEDGE,
		VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER,
		VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK,
		VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
			VIRTIO_STATUS_DRIVER_OK,
	};

	(void)state;
	fake_vblk_plug(2, CAP);
	fake_vblk.offered |= 1ULL << 2 | 1ULL << 9; /* SEG_MAX, FLUSH: not taken */
	blk_init(&plat);
	assert_output_contains("blk: virtio-blk at 0x0a003e00, 2048 sectors (1 MiB), irq 79, "
			       "virtio-mmio v2, 42 requests in flight\n");
	assert_int_equal(fake_vblk.nstatus, ARRAY_SIZE(sequence));
	assert_memory_equal(fake_vblk.status_log, sequence, sizeof(sequence));
	assert_int_equal(fake_vblk.accepted, 1ULL << VIRTIO_F_VERSION_1);
	assert_int_equal(fake_vblk.queue_num, 128); /* 256 offered, capped */
	assert_true(fake_vblk.live && fake_vblk.ready);
	assert_true(fake_vblk.desc && fake_vblk.driver > fake_vblk.desc &&
		    fake_vblk.device > fake_vblk.driver);
	assert_true(fake_irqchip.enabled[FAKE_VBLK_INTID]);
	assert_true(blk_available());
	assert_int_equal(blk_capacity_sectors(), CAP);
	assert_int_equal(blk_max_inflight(), 42);
	assert_false(blk_read_only());
	/* The first sector was read to rule out a partition table; its memory went back. */
	assert_int_equal(fake_vblk.requests, 1);
	assert_int_equal(fake_vblk.last_type, VIRTIO_BLK_T_IN);
	assert_int_equal(frames.free, free_before - 3); /* two queue pages and the slot page */
}

static void test_legacy_start(void **state)
{
	static const uint32_t sequence[] = {
		0,
		VIRTIO_STATUS_ACKNOWLEDGE,
		VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER,
		VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK,
	};

	(void)state;
	plug_and_init(1);
	assert_output_contains("virtio-mmio v1 (legacy), 42 requests in flight\n");
	assert_int_equal(fake_vblk.nstatus, ARRAY_SIZE(sequence));
	assert_memory_equal(fake_vblk.status_log, sequence, sizeof(sequence));
	assert_int_equal(fake_vblk.page_size, 4096);
	assert_int_equal(fake_vblk.align, 4096);
	assert_true(fake_vblk.pfn != 0);
	assert_true(blk_available());
}

/* Each refusal: one line naming the device and why, FAILED set, every frame given back. */
static void expect_not_used(const char *why)
{
	blk_init(&plat);
	assert_output_contains("blk: virtio-blk at 0x0a003e00 not used: ");
	assert_output_contains(why);
	assert_false(blk_available());
	assert_true(fake_vblk.status & VIRTIO_STATUS_FAILED);
	assert_false(fake_vblk.live);
	assert_int_equal(frames.free, free_before);
}

static void test_devices_refused_at_start(void **state)
{
	(void)state;
	fake_vblk_plug(2, CAP);
	fake_vblk.refuse_features_ok = true;
	expect_not_used("device refused our features (FEATURES_OK did not stick)");

	fake_vblk_plug(2, CAP);
	fake_vblk.offered = 0;
	expect_not_used("does not offer VIRTIO_F_VERSION_1");

	fake_vblk_plug(1, 0);
	expect_not_used("it reports a capacity of 0 sectors");

	fake_vblk_plug(1, CAP);
	fake_vblk.queue_num_max = 2;
	expect_not_used("its request queue is missing, in use or too short (2 entries)");

	fake_vblk_plug(2, CAP);
	fake_vblk.offered |= 1ULL << VIRTIO_BLK_F_BLK_SIZE;
	fake_vblk.blk_size = 1000;
	expect_not_used("logical block size (1000 bytes)");
}

static void test_legacy_device_cannot_reach_high_memory(void **state)
{
	(void)state;
	test_guest_machine(NFRAMES); /* host heap: far above 16 TiB */
	free_before = frames.free;
	fake_vblk_plug(1, CAP);
	expect_not_used("its queue lies above 16 TiB");
}

static void test_boot_disk_left_alone(void **state)
{
	(void)state;
	fake_vblk_plug(1, CAP);
	fake_vblk.disk[446 + 4] = 0x0e; /* one FAT16 partition */
	fake_vblk.disk[510] = 0x55;
	fake_vblk.disk[511] = 0xaa;
	expect_not_used("its first sector holds a partition table (a boot disk?)");

	fake_vblk_plug(1, CAP); /* the signature alone, no partition: not a boot disk */
	fake_vblk.disk[510] = 0x55;
	fake_vblk.disk[511] = 0xaa;
	blk_init(&plat);
	assert_true(blk_available());
}

static void test_first_read_that_never_ends(void **state)
{
	(void)state;
	fake_vblk_plug(2, CAP);
	fake_vblk.auto_run = false;
	fake_vblk.ticks_per_read = 1000000; /* the deadline passes while we poll */
	expect_not_used("reading its first sector timed out");
	assert_int_equal(fake_vblk.status_log[fake_vblk.nstatus - 2], 0); /* reset, then FAILED */
}

static void test_write_then_read_through_the_interrupt(void **state)
{
	struct seen w = { 0 }, r = { 0 };
	paddr_t out = buffer(0x3c), in = buffer(0);

	(void)state;
	plug_and_init(2);
	fake_vblk.auto_run = false;
	assert_int_equal(blk_submit(100, out, 4096, true, done, &w), BLK_OK);
	assert_int_equal(w.calls, 0); /* asynchronous */
	assert_int_equal(fake_vblk.notifies, 2);
	blk_poll();
	assert_int_equal(w.calls, 0); /* the device has not run it */
	assert_int_equal(fake_vblk_run(), 1);
	interrupt();
	assert_int_equal(w.calls, 1);
	assert_int_equal(w.status, BLK_OK);
	assert_int_equal(fake_vblk.acks, 1);
	assert_int_equal(fake_vblk.isr, 0);
	assert_int_equal(fake_vblk.last_type, VIRTIO_BLK_T_OUT);
	assert_int_equal(fake_vblk.last_sector, 100);
	assert_memory_equal(fake_vblk.disk + 100 * 512, pa_to_ptr(out), 4096);

	assert_int_equal(blk_submit(100, in, 4096, false, done, &r), BLK_OK);
	fake_vblk_run();
	interrupt();
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.status, BLK_OK);
	assert_memory_equal(pa_to_ptr(in), pa_to_ptr(out), 4096);
	assert_int_equal(w.calls, 1); /* exactly once */
}

static void test_refused_submits(void **state)
{
	struct seen s = { 0 };
	paddr_t b = buffer(0);
	unsigned requests;

	(void)state;
	plug_and_init(1);
	requests = fake_vblk.requests;
	assert_int_equal(blk_submit(CAP, b, 512, false, done, &s), BLK_E_RANGE);
	assert_int_equal(blk_submit(CAP - 1, b, 1024, false, done, &s), BLK_E_RANGE);
	assert_int_equal(blk_submit(UINT64_MAX, b, 512, true, done, &s), BLK_E_RANGE);
	assert_int_equal(blk_submit(0, b, 0, false, done, &s), BLK_E_INVAL);
	assert_int_equal(blk_submit(0, b, 100, false, done, &s), BLK_E_INVAL);
	assert_int_equal(blk_submit(0, b, 513, true, done, &s), BLK_E_INVAL);
	assert_int_equal(blk_submit(CAP - 1, b, 512, true, done, &s), BLK_OK); /* the last one */
	interrupt();
	assert_int_equal(s.calls, 1);
	assert_int_equal(fake_vblk.requests, requests + 1);
	EXPECT_PANIC(blk_submit(0, b, 512, false, NULL, NULL));
	assert_int_equal(fake.locks_held, 0);
}

static void test_read_only_device(void **state)
{
	struct seen s = { 0 };

	(void)state;
	fake_vblk_plug(2, CAP);
	fake_vblk.offered |= 1ULL << VIRTIO_BLK_F_RO;
	blk_init(&plat);
	assert_output_contains(", read-only\n");
	assert_true(blk_read_only());
	assert_int_equal(blk_submit(0, buffer(0), 512, true, done, &s), BLK_E_ROFS);
	assert_int_equal(blk_submit(0, buffer(0), 512, false, done, &s), BLK_OK);
	interrupt();
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.status, BLK_OK);
}

static void test_device_status_reaches_the_caller(void **state)
{
	static const struct {
		uint8_t device;
		int result;
	} cases[] = {
		{ VIRTIO_BLK_S_IOERR, BLK_E_IO },
		{ VIRTIO_BLK_S_UNSUPP, BLK_E_UNSUPP },
		{ 7, BLK_E_DEVICE },    /* not a status the spec defines */
		{ 0xff, BLK_E_DEVICE }, /* the byte was never written */
		{ VIRTIO_BLK_S_OK, BLK_OK },
	};

	(void)state;
	plug_and_init(2);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct seen s = { 0 };
		fake_vblk.fail_sector = 64;
		fake_vblk.fail_status = cases[i].device;
		assert_int_equal(blk_submit(60, buffer(0), 4096, i % 2, done, &s), BLK_OK);
		interrupt();
		assert_int_equal(s.calls, 1);
		assert_int_equal(s.status, cases[i].result);
	}
	assert_true(blk_available()); /* a failed request is not a failed device */
}

static void test_many_in_flight_finish_out_of_order(void **state)
{
	struct seen s[43] = { { 0 } };
	paddr_t b = buffer(0);

	(void)state;
	plug_and_init(2);
	fake_vblk.auto_run = false;
	fake_vblk.reverse = true;
	for (unsigned i = 0; i < 42; i++)
		assert_int_equal(blk_submit(i * 8, b, 4096, false, done, &s[i]), BLK_OK);
	assert_int_equal(blk_submit(0, b, 512, false, done, &s[42]), BLK_E_BUSY);
	assert_int_equal(fake_vblk_run(), 42);
	interrupt();
	for (unsigned i = 0; i < 42; i++) {
		assert_int_equal(s[i].calls, 1);
		assert_int_equal(s[i].status, BLK_OK);
	}
	assert_int_equal(s[42].calls, 0);
	assert_int_equal(blk_submit(0, b, 512, false, done, &s[42]), BLK_OK); /* room again */
}

static void test_queue_size_follows_the_device(void **state)
{
	(void)state;
	fake_vblk_plug(2, CAP);
	fake_vblk.queue_num_max = 24; /* 16 used: a power of two */
	blk_init(&plat);
	assert_int_equal(fake_vblk.queue_num, 16);
	assert_int_equal(blk_max_inflight(), 5);
}

static void test_device_limits(void **state)
{
	struct seen s = { 0 };
	paddr_t b = buffer(0);

	(void)state;
	fake_vblk_plug(2, CAP);
	fake_vblk.offered |= 1ULL << VIRTIO_BLK_F_BLK_SIZE | 1ULL << VIRTIO_BLK_F_SIZE_MAX;
	fake_vblk.blk_size = 4096;
	fake_vblk.size_max = 8192 + 100;
	blk_init(&plat);
	assert_true(blk_available());
	assert_int_equal(blk_max_bytes(), 8192);
	assert_int_equal(blk_submit(0, b, 512, false, done, &s), BLK_E_INVAL); /* part of a block */
	assert_int_equal(blk_submit(1, b, 4096, false, done, &s), BLK_E_INVAL);  /* misaligned */
	assert_int_equal(blk_submit(8, b, 12288, false, done, &s), BLK_E_INVAL); /* over size_max */
	assert_int_equal(blk_submit(8, b, 4096, false, done, &s), BLK_OK);
	interrupt();
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.status, BLK_OK);
}

static void test_device_needing_reset_fails_what_is_in_flight(void **state)
{
	struct seen s[3] = { { 0 } };

	(void)state;
	plug_and_init(2);
	fake_vblk.auto_run = false;
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(blk_submit(i, buffer(0), 512, true, done, &s[i]), BLK_OK);
	fake_vblk_break();
	interrupt();
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(s[i].calls, 1);
		assert_int_equal(s[i].status, BLK_E_DEVICE);
	}
	assert_output_contains("blk: virtio-blk at 0x0a003e00 stopped: the device needs a reset; "
			       "3 request(s) in flight failed");
	assert_int_equal(fake_vblk.status, 0); /* reset: it has let go of our buffers */
	assert_false(blk_available());
	assert_int_equal(blk_submit(0, buffer(0), 512, false, done, &s[0]), BLK_E_NODEV);
	fake_vblk_run(); /* nothing: the device forgot the queue */
	blk_poll();
	assert_int_equal(s[0].calls, 1);
}

static void test_device_returning_a_request_twice(void **state)
{
	struct seen s[2] = { { 0 } };
	struct fake_chain c;

	(void)state;
	plug_and_init(2);
	fake_vblk.auto_run = false;
	assert_int_equal(blk_submit(0, buffer(0), 512, false, done, &s[0]), BLK_OK);
	assert_int_equal(blk_submit(8, buffer(0), 512, false, done, &s[1]), BLK_OK);
	assert_true(fake_vring_pop(&fake_vblk.ring, &c));
	*(uint8_t *)(uintptr_t)c.d[2].addr = VIRTIO_BLK_S_OK;
	fake_vring_push(&fake_vblk.ring, c.head, 513);
	fake_vring_push(&fake_vblk.ring, c.head, 513);
	blk_poll();
	assert_int_equal(s[0].calls, 1);
	assert_int_equal(s[0].status, BLK_OK);
	assert_int_equal(s[1].calls, 1);
	assert_int_equal(s[1].status, BLK_E_DEVICE);
	assert_output_contains("stopped: its used ring names a request that is not in flight; "
			       "1 request(s) in flight failed");
}

/* done() runs with the lock released: it may submit the next request. */
static struct seen chained;

static void submit_another(void *ctx, int status)
{
	done(ctx, status);
	assert_int_equal(fake.locks_held, 0);
	assert_int_equal(blk_submit(16, buffer(0), 512, false, done, &chained), BLK_OK);
}

static void test_callback_may_submit(void **state)
{
	struct seen first = { 0 };

	(void)state;
	plug_and_init(1);
	fake_vblk.auto_run = false;
	memset(&chained, 0, sizeof(chained));
	assert_int_equal(blk_submit(8, buffer(0), 512, false, submit_another, &first), BLK_OK);
	fake_vblk_run();
	interrupt();
	assert_int_equal(first.calls, 1);
	assert_int_equal(chained.calls, 0);
	fake_vblk_run();
	interrupt();
	assert_int_equal(chained.calls, 1);
	assert_int_equal(chained.status, BLK_OK);
}

/* The device is found wherever it sits in the DTB's list. */
static void test_device_found_in_any_position(void **state)
{
	(void)state;
	plat.virtio[1].base = pa_init(FAKE_VBLK_BASE);
	plat.virtio[2].base = pa_init(FAKE_VBLK_EMPTY);
	plug_and_init(2); /* the order in the DTB does not matter: highest address first */
	assert_output_contains("blk: virtio-blk at 0x0a003e00, ");
	assert_true(blk_available());
}

static void test_strerror(void **state)
{
	(void)state;
	assert_string_equal(blk_strerror(BLK_OK), "done");
	assert_string_equal(blk_strerror(BLK_E_IO), "I/O error");
	assert_string_equal(blk_strerror(BLK_E_ROFS), "read-only device");
	for (int e = BLK_E_DEVICE; e < 0; e++)
		assert_string_not_equal(blk_strerror(e), "unknown error");
	assert_string_equal(blk_strerror(-100), "unknown error");
	assert_string_equal(blk_strerror(5), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_no_device),
		T(test_modern_start),
		T(test_legacy_start),
		T(test_devices_refused_at_start),
		T(test_legacy_device_cannot_reach_high_memory),
		T(test_boot_disk_left_alone),
		T(test_first_read_that_never_ends),
		T(test_write_then_read_through_the_interrupt),
		T(test_refused_submits),
		T(test_read_only_device),
		T(test_device_status_reaches_the_caller),
		T(test_many_in_flight_finish_out_of_order),
		T(test_queue_size_follows_the_device),
		T(test_device_limits),
		T(test_device_needing_reset_fails_what_is_in_flight),
		T(test_device_returning_a_request_twice),
		T(test_callback_may_submit),
		T(test_device_found_in_any_position),
		T(test_strerror),
	};

	return cmocka_run_group_tests_name("blk", tests, NULL, NULL);
}
