/**
 * hyp/drivers/virtq.c against the device side of a split ring (tests/unit/fake_virtio.c): the
 * layout legacy devices compute for themselves, chains as the device walks them, completions in
 * any order, a full queue, 16-bit index wrap-around, the barriers, and a device that returns
 * what it was never given.
 */
#include "support.h"

#include <skiff/virtq.h>

#include "fake_virtio.h"

static struct virtq vq;
static struct fake_vring dev;

/* A queue of @size entries over fresh (non-zero) memory, and the device's view of it. */
static void *make(uint16_t size)
{
	void *mem = test_ram(virtq_mem_size(size), VIRTQ_ALIGN);

	virtq_init(&vq, size, mem, test_pa(mem));
	fake_vring_legacy(&dev, size, mem);
	return mem;
}

static int add3(uint64_t tag)
{
	struct virtq_buf b[3] = {
		{ pa_init(tag), 16, false },
		{ pa_init(tag + 0x1000), 4096, true },
		{ pa_init(tag + 0x2000), 1, true },
	};

	return virtq_add(&vq, b, 3);
}

static void test_layout_matches_the_legacy_formula(void **state)
{
	static const uint16_t sizes[] = { 1, 8, 64, 128, 256 };

	(void)state;
	assert_int_equal(virtq_mem_size(128), 2 * VIRTQ_ALIGN);
	assert_int_equal(virtq_mem_size(256), 3 * VIRTQ_ALIGN);
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		uint8_t *mem = make(sizes[i]);
		assert_ptr_equal(vq.desc, dev.desc);
		assert_ptr_equal(vq.avail, dev.avail);
		assert_ptr_equal(vq.used, dev.used);
		assert_int_equal(pa_addr(vq.used_pa), (uintptr_t)dev.used);
		assert_int_equal(pa_addr(vq.avail_pa), (uintptr_t)mem + 16 * sizes[i]);
		assert_true((uint8_t *)&dev.used->ring[sizes[i]] <= mem + virtq_mem_size(sizes[i]));
		assert_int_equal(vq.avail->idx, 0); /* cleared */
		assert_int_equal(vq.used->idx, 0);
		assert_int_equal(vq.nfree, sizes[i]);
	}
}

static void test_chain_as_the_device_sees_it(void **state)
{
	struct fake_chain c;
	unsigned wmbs = fake.dma_wmbs;
	int head;

	(void)state;
	make(8);
	head = add3(0x10000);
	assert_true(head >= 0);
	assert_int_equal(fake.dma_wmbs, wmbs + 1); /* before avail->idx moved */
	assert_int_equal(vq.avail->idx, 1);
	assert_true(fake_vring_pop(&dev, &c));
	assert_int_equal(c.head, head);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.d[0].addr, 0x10000);
	assert_int_equal(c.d[0].len, 16);
	assert_int_equal(c.d[0].flags, VIRTQ_DESC_F_NEXT);
	assert_int_equal(c.d[1].addr, 0x11000);
	assert_int_equal(c.d[1].flags, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE);
	assert_int_equal(c.d[2].len, 1);
	assert_int_equal(c.d[2].flags, VIRTQ_DESC_F_WRITE);
	assert_false(fake_vring_pop(&dev, &c));
	assert_int_equal(vq.nfree, 5);
	assert_int_equal(vq.inflight, 1);
}

static void test_completions_in_any_order(void **state)
{
	int heads[5];
	uint32_t len;
	struct fake_chain c;

	(void)state;
	make(16);
	for (unsigned i = 0; i < 5; i++)
		heads[i] = add3(0x100000 * (i + 1));
	for (unsigned i = 0; i < 5; i++)
		assert_true(fake_vring_pop(&dev, &c));
	assert_int_equal(virtq_get_used(&vq, &len), VIRTQ_EMPTY);
	/* 3, 0, 4, 1, 2 */
	fake_vring_push(&dev, (uint16_t)heads[3], 33);
	fake_vring_push(&dev, (uint16_t)heads[0], 30);
	fake_vring_push(&dev, (uint16_t)heads[4], 34);
	assert_int_equal(virtq_get_used(&vq, &len), heads[3]);
	assert_int_equal(len, 33);
	assert_int_equal(virtq_get_used(&vq, &len), heads[0]);
	assert_int_equal(virtq_get_used(&vq, &len), heads[4]);
	assert_int_equal(virtq_get_used(&vq, &len), VIRTQ_EMPTY);
	fake_vring_push(&dev, (uint16_t)heads[1], 31);
	fake_vring_push(&dev, (uint16_t)heads[2], 32);
	assert_int_equal(virtq_get_used(&vq, &len), heads[1]);
	assert_int_equal(virtq_get_used(&vq, &len), heads[2]);
	assert_int_equal(len, 32);
	assert_int_equal(vq.nfree, 16);
	assert_int_equal(vq.inflight, 0);
}

static void test_full_queue(void **state)
{
	struct fake_chain c;
	uint32_t len;
	int first;

	(void)state;
	make(8); /* 8 descriptors: two chains of three, and two left over */
	first = add3(0x1000);
	assert_true(first >= 0);
	assert_true(add3(0x2000) >= 0);
	assert_int_equal(add3(0x3000), VIRTQ_EMPTY);
	assert_int_equal(vq.avail->idx, 2); /* the refused chain was not offered */
	assert_true(fake_vring_pop(&dev, &c));
	fake_vring_push(&dev, c.head, 0);
	assert_int_equal(virtq_get_used(&vq, &len), first);
	assert_true(add3(0x3000) >= 0);
}

/* 70,000 round trips carry both free-running 16-bit indices past 65,535. */
static void test_indices_wrap(void **state)
{
	struct fake_chain c;
	uint32_t len;

	(void)state;
	make(4);
	for (unsigned i = 0; i < 70000; i++) {
		int head = add3(0x1000 + i);
		assert_true(head >= 0);
		assert_true(fake_vring_pop(&dev, &c));
		assert_int_equal(c.d[0].addr, 0x1000 + i);
		fake_vring_push(&dev, c.head, i);
		assert_int_equal(virtq_get_used(&vq, &len), head);
		assert_int_equal(len, i);
	}
	assert_int_equal(vq.avail_idx, (uint16_t)70000);
	assert_int_equal(vq.nfree, 4);
}

static void test_used_read_after_a_read_barrier(void **state)
{
	struct fake_chain c;
	uint32_t len;
	unsigned rmbs;

	(void)state;
	make(4);
	add3(0x1000);
	fake_vring_pop(&dev, &c);
	fake_vring_push(&dev, c.head, 0);
	rmbs = fake.dma_rmbs;
	assert_true(virtq_get_used(&vq, &len) >= 0);
	assert_int_equal(fake.dma_rmbs, rmbs + 1);
}

static void test_device_returning_what_it_was_not_given(void **state)
{
	struct fake_chain c;
	uint32_t len;
	int head;

	(void)state;
	make(8);
	head = add3(0x1000);
	fake_vring_pop(&dev, &c);
	fake_vring_push(&dev, (uint16_t)(head + 1), 0); /* a descriptor inside the chain */
	assert_int_equal(virtq_get_used(&vq, &len), VIRTQ_BROKEN);

	make(8);
	add3(0x1000);
	fake_vring_push(&dev, 200, 0); /* past the table */
	assert_int_equal(virtq_get_used(&vq, &len), VIRTQ_BROKEN);

	make(8);
	head = add3(0x1000);
	fake_vring_push(&dev, (uint16_t)head, 0);
	fake_vring_push(&dev, (uint16_t)head, 0); /* twice: more used than in flight */
	assert_int_equal(virtq_get_used(&vq, &len), VIRTQ_BROKEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_layout_matches_the_legacy_formula),
		TEST(test_chain_as_the_device_sees_it),
		TEST(test_completions_in_any_order),
		TEST(test_full_queue),
		TEST(test_indices_wrap),
		TEST(test_used_read_after_a_read_barrier),
		TEST(test_device_returning_what_it_was_not_given),
	};

	return cmocka_run_group_tests_name("virtq", tests, NULL, NULL);
}
