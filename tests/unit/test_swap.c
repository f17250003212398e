/**
 * Swap (hyp/vmem_swap.c) against a disk model: a RAM-backed block device whose transfers finish
 * only when the test says so, in any order, or fail on request. Checked: the disk label, write-out
 * and read-back through the clock, a touch cancelling a write in flight, pages leaving while in
 * flight, a full disk, a disk that holds data, failing writes and reads, and a random mix of all
 * of it with guest writes and releases against a model of every page's content.
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>

#include <skiff/cpu.h>
#include <skiff/mem.h>
#include <skiff/mm.h>
#include <skiff/pgtable.h>
#include <skiff/vm.h>
#include <skiff/vmem.h>
#include <skiff-abi/hypercall.h>

#define POOL_FRAMES 1024
#define RAM KiB(256) /* 64 pages */
#define PAGES (RAM / PAGE_SIZE)
#define IPA(n) (VM_RAM_IPA + (uint64_t)(n)*PAGE_SIZE)
#define DISK_SLOTS 48
#define MAX_PENDING 128

/* ---- The disk model ---- */

struct request {
	uint64_t sector;
	paddr_t buf;
	uint32_t bytes;
	bool write;
	void (*done)(void *ctx, int status);
	void *ctx;
};

static struct {
	uint8_t data[DISK_SLOTS * PAGE_SIZE];
	struct request pending[MAX_PENDING];
	unsigned npending;
	int fail_writes, fail_reads; /* the next N of each fail */
	unsigned writes, reads;
} disk;

static int disk_submit(void *dev, uint64_t sector, paddr_t buf, uint32_t bytes, bool write,
		       void (*done)(void *ctx, int status), void *ctx)
{
	(void)dev;
	if (sector * 512 + bytes > sizeof(disk.data) || disk.npending == MAX_PENDING)
		return -1;
	disk.pending[disk.npending++] = (struct request){ sector, buf, bytes, write, done, ctx };
	return 0;
}

/* Finishes pending request @i (the device does the transfer, then the interrupt). */
static void disk_finish(unsigned i)
{
	struct request r = disk.pending[i];
	int status = 0;

	disk.pending[i] = disk.pending[--disk.npending];
	if (r.write && disk.fail_writes) {
		disk.fail_writes--;
		status = -5;
	} else if (!r.write && disk.fail_reads) {
		disk.fail_reads--;
		status = -5;
	} else if (r.write) {
		memcpy(disk.data + r.sector * 512, pa_to_ptr(r.buf), r.bytes);
		disk.writes++;
	} else {
		memcpy(pa_to_ptr(r.buf), disk.data + r.sector * 512, r.bytes);
		disk.reads++;
	}
	r.done(r.ctx, status);
}

static void disk_finish_all(void)
{
	while (disk.npending)
		disk_finish(0);
}

static const struct swap_device model = { .name = "model disk",
					  .sectors = DISK_SLOTS * PAGE_SIZE / 512,
					  .submit = disk_submit };

/* ---- A guest ---- */

static struct vm *a, *b;

static int setup(void **state)
{
	test_setup(state);
	fake_mm.input_bits[MM_STAGE2] = 39;
	test_guest_machine(POOL_FRAMES);
	memset(&disk, 0, sizeof(disk));
	a = test_make_vm("a", RAM, false);
	b = test_make_vm("b", RAM, false);
	return 0;
}

static int teardown(void **state)
{
	disk_finish_all();
	vm_destroy(a);
	vm_destroy(b);
	disk_finish_all(); /* transfers of pages that left with their VM */
	return test_teardown(state);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

static void attach(void)
{
	vmem_swap_attach(&model);
	disk_finish_all(); /* the label: read the first sector, write the signature */
	assert_null(vmem_swap_trouble());
}

/* A guest store: through stage 2, faulting to vmem as the MMU would. VMEM_WAIT is returned. */
static enum vmem_result gstore(struct vm *vm, uint64_t ipa, uint8_t v)
{
	for (int tries = 0; tries < 2; tries++) {
		paddr_t pa;
		mm_mode_t mode;
		enum vmem_result r;
		if (pgtable_lookup(&vm->s2, ipa, &pa, &mode) && (mode & MM_W)) {
			*(uint8_t *)pa_to_ptr(pa) = v;
			return VMEM_OK;
		}
		r = vmem_fault(vm, ipa, true);
		if (r != VMEM_OK)
			return r;
	}
	fail_msg("IPA 0x%lx still faults", ipa);
	return VMEM_BAD_ADDRESS;
}

static uint8_t pattern(unsigned seed, unsigned i)
{
	return (uint8_t)(seed * 37 + i * 11 + (i >> 9));
}

/* A store that waits (the disk finishing transfers in random order) until it lands. */
static void gstore_waiting(struct vm *vm, uint64_t ipa, uint8_t v)
{
	enum vmem_result r;

	while ((r = gstore(vm, ipa, v)) == VMEM_WAIT) {
		assert_true(disk.npending > 0);
		disk_finish(rand() % disk.npending);
	}
	assert_int_equal(r, VMEM_OK);
}

static void fill(struct vm *vm, unsigned n, unsigned seed)
{
	for (unsigned i = 0; i < PAGE_SIZE; i++)
		gstore_waiting(vm, IPA(n) + i, pattern(seed, i));
}

/* Reads page @n as the guest would, waiting for the disk as often as needed. */
static unsigned bad_bytes(struct vm *vm, unsigned n, unsigned seed, bool zero)
{
	paddr_t pa;
	mm_mode_t mode;
	unsigned bad = 0;

	for (int tries = 0; !pgtable_lookup(&vm->s2, IPA(n), &pa, &mode); tries++) {
		enum vmem_result r = vmem_fault(vm, IPA(n), false);
		if (r == VMEM_WAIT)
			disk_finish_all();
		else
			assert_int_equal(r, VMEM_OK);
		assert_true(tries < 4);
	}
	for (unsigned i = 0; i < PAGE_SIZE; i++)
		bad += ((uint8_t *)pa_to_ptr(pa))[i] != (zero ? 0 : pattern(seed, i));
	return bad;
}

/* The clock needs two passes: the first makes pages old, the second takes them. */
static void reclaim(unsigned n)
{
	for (int i = 0; i < 4 && n; i++) {
		unsigned before = disk.npending;
		vmem_reclaim(n);
		n -= MIN(n, disk.npending - before);
	}
}

static void test_label_of_a_blank_disk(void **state)
{
	(void)state;
	assert_string_equal(vmem_swap_trouble(), "there is no swap disk");
	vmem_swap_attach(&model);
	assert_int_equal(disk.npending, 1);
	assert_false(disk.pending[0].write); /* first it looks */
	disk_finish(0);
	assert_int_equal(disk.npending, 1);
	assert_true(disk.pending[0].write); /* then it labels */
	disk_finish(0);
	assert_memory_equal(disk.data, "SKIFFSWP", 8);
	assert_null(vmem_swap_trouble());
	assert_non_null(strstr(test_log_tail(200), "swap: model disk, 0 MiB, 47 slots"));
}

static void test_a_disk_with_data_is_left_alone(void **state)
{
	(void)state;
	memcpy(disk.data, "my precious filesystem", 22);
	vmem_swap_attach(&model);
	disk_finish_all();
	assert_memory_equal(disk.data, "my precious filesystem", 22);
	assert_int_equal(disk.writes, 0);
	assert_non_null(vmem_swap_trouble());
	assert_non_null(strstr(test_log_tail(200), "holds data"));
	fill(a, 10, 1);
	reclaim(8);
	assert_int_equal(disk.npending, 0);
}

static void test_pages_go_out_and_come_back(void **state)
{
	uint64_t free_before;

	(void)state;
	attach();
	for (unsigned n = 10; n < 20; n++)
		fill(a, n, n);
	free_before = frames.free;
	reclaim(PAGES); /* every private page of both VMs may go */
	assert_true(disk.npending >= 10);
	for (unsigned n = 10; n < 20; n++)
		assert_int_equal(vmem_page_state(a, IPA(n), NULL), VMEM_PAGING);
	assert_int_equal(frames.free, free_before); /* frames kept until the writes are done */
	disk_finish_all();
	for (unsigned n = 10; n < 20; n++)
		assert_int_equal(vmem_page_state(a, IPA(n), NULL), VMEM_SWAPPED);
	assert_true(frames.free >= free_before + 10);
	assert_true(a->mem.swapped >= 10);
	/* Touched: the vCPU waits for the read; then the page is back, private, intact. */
	assert_int_equal(vmem_fault(a, IPA(12), false), VMEM_WAIT);
	assert_int_equal(vmem_page_state(a, IPA(12), NULL), VMEM_PAGING);
	assert_int_equal(vmem_fault(a, IPA(12), false), VMEM_WAIT); /* still reading */
	disk_finish_all();
	assert_int_equal(vmem_page_state(a, IPA(12), NULL), VMEM_PRIVATE);
	for (unsigned n = 10; n < 20; n++)
		assert_int_equal(bad_bytes(a, n, n, false), 0);
	for (unsigned n = 10; n < 20; n++)
		assert_int_equal(vmem_page_state(a, IPA(n), NULL), VMEM_PRIVATE);
}

static void test_a_touch_cancels_a_write_in_flight(void **state)
{
	(void)state;
	attach();
	fill(a, 30, 3);
	reclaim(PAGES);
	assert_int_equal(vmem_page_state(a, IPA(30), NULL), VMEM_PAGING);
	/* The frame is still there: the guest gets it back at once, no disk read. */
	assert_int_equal(gstore(a, IPA(30) + 1, 0x77), VMEM_OK);
	assert_int_equal(vmem_page_state(a, IPA(30), NULL), VMEM_PRIVATE);
	disk_finish_all();
	assert_int_equal(vmem_page_state(a, IPA(30), NULL), VMEM_PRIVATE);
	assert_int_equal(bad_bytes(a, 30, 3, false), 1);
	assert_int_equal(disk.reads, 1); /* only the label's */
}

static void test_pages_leaving_while_in_flight_or_on_disk(void **state)
{
	struct vmem_host h;
	uint64_t free0, swapped0, resident0;

	(void)state;
	attach();
	for (unsigned n = 40; n < 44; n++)
		fill(a, n, n);
	reclaim(PAGES);
	disk_finish_all();
	assert_int_equal(vmem_fault(a, IPA(41), false), VMEM_WAIT); /* a read in flight */
	fill(a, 44, 4);
	reclaim(PAGES); /* 44 being written */
	assert_int_equal(vmem_page_state(a, IPA(44), NULL), VMEM_PAGING);
	free0 = frames.free;
	swapped0 = a->mem.swapped;
	resident0 = a->mem.resident;
	assert_int_equal(vmem_release(a, IPA(40), 5), 5);
	assert_int_equal(a->mem.swapped, swapped0 - 4);   /* 40-43: on disk or being read */
	assert_int_equal(a->mem.resident, resident0 - 1); /* 44: being written */
	disk_finish_all(); /* the transfers end; their frames and slots are let go */
	assert_true(frames.free >= free0 + 2);
	vmem_host_stats(&h);
	for (unsigned n = 40; n < 45; n++)
		assert_int_equal(bad_bytes(a, n, 0, true), 0);
	vmem_reset(a);
	vmem_reset(b);
	vmem_host_stats(&h);
	assert_int_equal(h.swap_used, 0);
}

static void test_a_full_disk_stops_reclaim(void **state)
{
	(void)state;
	attach();
	for (unsigned n = 0; n < PAGES - 1; n++)
		fill(a, n, n);
	reclaim(PAGES);
	disk_finish_all();
	reclaim(PAGES);
	disk_finish_all();
	assert_string_equal(vmem_swap_trouble(), "the swap disk is full");
	assert_int_equal(a->mem.swapped + b->mem.swapped, DISK_SLOTS - 1);
	for (unsigned n = 0; n < PAGES - 1; n++)
		assert_int_equal(bad_bytes(a, n, n, false), 0);
	assert_null(vmem_swap_trouble()); /* read back: slots free again */
}

static void test_a_failed_write_keeps_the_page(void **state)
{
	(void)state;
	attach();
	fill(a, 50, 5);
	reclaim(PAGES);
	disk.fail_writes = 100;
	disk_finish_all();
	assert_int_equal(vmem_page_state(a, IPA(50), NULL), VMEM_PRIVATE);
	assert_int_equal(bad_bytes(a, 50, 5, false), 0);
	assert_string_equal(vmem_swap_trouble(), "the swap disk failed");
	assert_non_null(strstr(test_log_tail(200), "swap is off"));
	reclaim(PAGES);
	assert_int_equal(disk.npending, 0);
}

static void test_a_failed_read_pauses_the_vm_and_keeps_the_page_on_disk(void **state)
{
	(void)state;
	attach();
	fill(a, 51, 6);
	reclaim(PAGES);
	disk_finish_all();
	disk.fail_reads = 3;
	assert_int_equal(vmem_fault(a, IPA(51), false), VMEM_WAIT);
	disk_finish_all(); /* three tries */
	assert_int_equal(a->state, VM_PAUSED);
	assert_int_equal(vmem_page_state(a, IPA(51), NULL), VMEM_SWAPPED);
	assert_non_null(strstr(test_log_tail(300), "could not read back"));
	assert_int_equal(bad_bytes(a, 51, 6, false), 0); /* the disk works again */
}

/* Random guest writes, releases, reclaims and disk completions against a model of every page. */
static unsigned model_seed[2][PAGES]; /* seed + 1; 0: zeros */

static void test_random_mix_keeps_every_byte(void **state)
{
	struct vm *vms[2] = { a, b };

	(void)state;
	attach();
	srand(777);
	for (int step = 0; step < 2000; step++) {
		unsigned v = rand() % 2, n = rand() % (PAGES - 1), op = rand() % 10;
		if (op < 4) {
			unsigned seed = rand() % 50;
			fill(vms[v], n, seed);
			model_seed[v][n] = seed + 1;
		} else if (op < 6) {
			reclaim(rand() % 8 + 1);
		} else if (op < 8 && disk.npending) {
			disk_finish(rand() % disk.npending);
		} else if (op == 8) {
			unsigned k = rand() % 3 + 1;
			if (n + k < PAGES) {
				assert_int_equal(vmem_release(vms[v], IPA(n), k), k);
				memset(&model_seed[v][n], 0, k * sizeof(unsigned));
			}
		} else if (step % 50 == 0) {
			for (unsigned k = 0; k < 2; k++)
				for (unsigned p = 1; p < PAGES - 1; p++)
					if (bad_bytes(vms[k], p, model_seed[k][p] - 1,
						      !model_seed[k][p]))
						fail_msg("step %d: VM %u page %u is wrong", step, k,
							 p);
		}
	}
	disk_finish_all();
	for (unsigned k = 0; k < 2; k++)
		for (unsigned p = 1; p < PAGES - 1; p++)
			assert_int_equal(
				bad_bytes(vms[k], p, model_seed[k][p] - 1, !model_seed[k][p]), 0);
	assert_true(disk.writes > 100 && disk.reads > 50);
}

/* Takes frames straight from the pool until exactly @n are free (the pool is never given them
 * back: teardown drops it whole). */
static void leave_free(uint64_t n)
{
	paddr_t pa;

	while (frames.free > n)
		assert_true(frame_alloc(&frames, 1, 1, &pa));
}

static bool memory_event(struct vm *root)
{
	bool raised = root->vcpus[0].ev_pending >> SKIFF_EV_MEMORY & 1;

	root->vcpus[0].ev_pending &= ~(1ULL << SKIFF_EV_MEMORY);
	return raised;
}

/* SKIFF_EV_MEMORY: raised in root when free frames fall below the low watermark, once a crossing.
 */
static void test_root_hears_of_the_low_watermark_once_a_crossing(void **state)
{
	struct vm_config cfg = { .ram_size = RAM, .vcpus = 1, .weight = 256, .privileged = true };
	uint64_t low = MAX(frames.total / 64, 64UL);
	const char *err = NULL;
	struct vm *root;

	(void)state;
	snprintf(cfg.name, sizeof(cfg.name), "root");
	cfg.image = test_arm64_image(0x100, 0);
	root = vm_create(&cfg, &err);
	assert_non_null(root);
	memory_event(root);
	leave_free(low + 2);
	fill(a, 10, 1);
	fill(a, 11, 1);
	assert_false(vmem_pressure());
	assert_false(memory_event(root)); /* at the watermark, not below */
	fill(a, 12, 1);
	assert_true(vmem_pressure());
	assert_true(memory_event(root));
	fill(a, 13, 1);
	assert_false(memory_event(root)); /* still the same stay below */
	assert_int_equal(vmem_release(a, IPA(10), 4), 4);
	assert_false(memory_event(root)); /* back above: re-armed, nothing raised */
	fill(a, 20, 2);
	fill(a, 21, 2);
	assert_false(memory_event(root));
	fill(a, 22, 2);
	assert_true(memory_event(root)); /* the next crossing */
	vm_destroy(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_label_of_a_blank_disk),
		T(test_a_disk_with_data_is_left_alone),
		T(test_pages_go_out_and_come_back),
		T(test_a_touch_cancels_a_write_in_flight),
		T(test_pages_leaving_while_in_flight_or_on_disk),
		T(test_a_full_disk_stops_reclaim),
		T(test_a_failed_write_keeps_the_page),
		T(test_a_failed_read_pauses_the_vm_and_keeps_the_page_on_disk),
		T(test_random_mix_keeps_every_byte),
		T(test_root_hears_of_the_low_watermark_once_a_crossing),
	};

	return cmocka_run_group_tests_name("swap", tests, NULL, NULL);
}
