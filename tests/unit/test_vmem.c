/**
 * Guest RAM's page-state machine (hyp/vmem.c, hyp/vmem_scan.c) on the fake arch: demand-zero
 * faults, the zero frame, copy-on-write, the sharing scanner, balloon release, pins, reset, the
 * hypervisor's copies to and from guest RAM, and frame accounting through random sequences of
 * all of them checked against a model of what every page must hold.
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>

#include <skiff/cpu.h>
#include <skiff/guest_mem.h>
#include <skiff/mem.h>
#include <skiff/mm.h>
#include <skiff/pgtable.h>
#include <skiff/vm.h>
#include <skiff/vmem.h>
#include <skiff-abi/hypercall.h>

#define POOL_FRAMES 1024
#define RAM KiB(256) /* per VM: 64 pages */
#define PAGES (RAM / PAGE_SIZE)
#define IPA(n) (VM_RAM_IPA + (uint64_t)(n)*PAGE_SIZE)

static struct vm *a, *b;

static int setup(void **state)
{
	test_setup(state);
	fake_mm.input_bits[MM_STAGE2] = 39;
	test_guest_machine(POOL_FRAMES);
	a = test_make_vm("a", RAM, false);
	b = test_make_vm("b", RAM, false);
	while (vmem_scan(1024)) /* the image and start-info pages settle first */
		;
	return 0;
}

static int teardown(void **state)
{
	vm_destroy(a);
	vm_destroy(b);
	return test_teardown(state);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/*
 * The guest's view, as the MMU would give it: an access through stage 2 that faults is handed
 * to vmem_fault, then retried once.
 */
static uint8_t *guest_ptr(struct vm *vm, uint64_t ipa, bool write)
{
	for (int tries = 0; tries < 2; tries++) {
		paddr_t pa;
		mm_mode_t mode;
		if (pgtable_lookup(&vm->s2, ipa, &pa, &mode) && (!write || (mode & MM_W)))
			return pa_to_ptr(pa);
		assert_int_equal(vmem_fault(vm, ipa, write), VMEM_OK);
	}
	fail_msg("IPA 0x%lx still faults after vmem_fault", ipa);
	return NULL;
}

static void gstore(struct vm *vm, uint64_t ipa, uint8_t v)
{
	*guest_ptr(vm, ipa, true) = v;
}

static uint8_t gload(struct vm *vm, uint64_t ipa)
{
	return *guest_ptr(vm, ipa, false);
}

/* Fills page @n of @vm with bytes from @seed, as a guest would. */
static void fill(struct vm *vm, unsigned n, unsigned seed)
{
	uint8_t *p = guest_ptr(vm, IPA(n), true);

	for (unsigned i = 0; i < PAGE_SIZE; i++)
		p[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 8));
}

/* Bytes of page @n that differ from @seed's pattern (seed 0 with @zero: zeros). */
static unsigned bad_bytes(struct vm *vm, unsigned n, unsigned seed, bool zero)
{
	const uint8_t *p = guest_ptr(vm, IPA(n), false);
	unsigned bad = 0;

	for (unsigned i = 0; i < PAGE_SIZE; i++)
		bad += p[i] != (zero ? 0 : (uint8_t)(seed * 131 + i * 7 + (i >> 8)));
	return bad;
}

static paddr_t frame_of(struct vm *vm, unsigned n)
{
	paddr_t pa;

	vmem_page_state(vm, IPA(n), &pa);
	return pa;
}

static void scan_all(void)
{
	for (int i = 0; i < 64 && vmem_scan(4096); i++)
		;
	assert_false(vmem_scan(4096)); /* it comes to rest once nothing changes */
}

static void test_untouched_pages_read_zero_without_a_frame(void **state)
{
	uint64_t free0 = frames.free, shared0 = a->mem.shared;

	(void)state;
	/* Both VMs' image pages are the same: the scanner in setup() shared them. */
	assert_int_equal(vmem_page_state(a, IPA(0), NULL), VMEM_SHARED);
	assert_int_equal(pa_addr(frame_of(a, 0)), pa_addr(frame_of(b, 0)));
	assert_int_equal(vmem_page_state(a, IPA(5), NULL), VMEM_UNTOUCHED);
	assert_int_equal(gload(a, IPA(5) + 17), 0);
	assert_int_equal(vmem_page_state(a, IPA(5), NULL), VMEM_ZERO);
	assert_int_equal(gload(a, IPA(6)), 0);
	assert_int_equal(pa_addr(frame_of(a, 5)), pa_addr(frame_of(a, 6))); /* one zero frame */
	assert_int_equal(a->mem.shared, shared0 + 2);
	/* At most a level-3 table was needed; no page got a frame of its own. */
	assert_true(free0 - frames.free <= 1);
}

static void test_first_write_gets_a_zeroed_private_frame(void **state)
{
	uint64_t shared0 = a->mem.shared;

	(void)state;
	/* The pool was filled with 0xa5: a frame handed to a guest must not show it. */
	gstore(a, IPA(7) + 100, 0x42);
	assert_int_equal(vmem_page_state(a, IPA(7), NULL), VMEM_PRIVATE);
	assert_int_equal(gload(a, IPA(7) + 100), 0x42);
	assert_int_equal(gload(a, IPA(7)), 0);
	assert_int_equal(gload(a, IPA(7) + PAGE_SIZE - 1), 0);
	/* Zero page, then written: private, still zeros elsewhere. */
	assert_int_equal(gload(a, IPA(8)), 0);
	gstore(a, IPA(8) + 1, 1);
	assert_int_equal(vmem_page_state(a, IPA(8), NULL), VMEM_PRIVATE);
	assert_int_equal(bad_bytes(a, 8, 0, true), 1);
	assert_int_equal(a->mem.shared, shared0);
}

static void test_identical_pages_share_one_frame_until_written(void **state)
{
	uint64_t free_before;
	paddr_t shared;

	(void)state;
	fill(a, 10, 3);
	fill(b, 20, 3);
	fill(a, 11, 3); /* within one VM too */
	fill(a, 12, 4); /* different content stays private */
	free_before = frames.free;
	scan_all();
	assert_int_equal(vmem_page_state(a, IPA(10), &shared), VMEM_SHARED);
	assert_int_equal(pa_addr(frame_of(b, 20)), pa_addr(shared));
	assert_int_equal(pa_addr(frame_of(a, 11)), pa_addr(shared));
	assert_int_equal(vmem_page_state(a, IPA(12), NULL), VMEM_PRIVATE);
	assert_int_equal(frames.free, free_before + 2); /* three pages, one frame */
	/* Copy on write: b's write gets a copy; a's pages keep the original. */
	gstore(b, IPA(20) + 5, 0xee);
	assert_int_equal(vmem_page_state(b, IPA(20), NULL), VMEM_PRIVATE);
	assert_int_equal(bad_bytes(b, 20, 3, false), 1);
	assert_int_equal(bad_bytes(a, 10, 3, false), 0);
	assert_int_equal(bad_bytes(a, 11, 3, false), 0);
	/* The last two mappers: the first copies, the last takes the frame over in place. */
	gstore(a, IPA(10), 1);
	free_before = frames.free;
	gstore(a, IPA(11), 2);
	assert_int_equal(frames.free, free_before);
	assert_int_equal(pa_addr(frame_of(a, 11)), pa_addr(shared));
	assert_int_equal(vmem_page_state(a, IPA(11), NULL), VMEM_PRIVATE);
	assert_int_equal(bad_bytes(a, 11, 3, false), 1);
}

/* The log has @vm's entry for page @n broken (made invalid from valid: its TLB entries go). */
static bool held(struct vm *vm, unsigned n)
{
	pte_t *slot = pgtable_leaf_slot(&vm->s2, IPA(n), false);

	for (unsigned i = 0; i < MIN(fake_mm.nlog, (unsigned)FAKE_MM_LOG); i++) {
		const struct fake_mm_event *e = &fake_mm.log[i];
		if (e->kind == FAKE_EV_WRITE && e->slot == slot && arch_mm_pte_valid(e->old) &&
		    !arch_mm_pte_valid(e->new))
			return true;
	}
	return false;
}

/*
 * SMP: the guests run while the scanner compares their pages. Each page is unmapped before the
 * compare that merges it (a guest access would fault and wait), and the scanner never holds two
 * VM locks: the candidate in the other VM becomes a shared frame under its own VM's lock first.
 */
static void test_scanner_compares_read_only_pages_one_vm_lock_at_a_time(void **state)
{
	(void)state;
	fill(a, 10, 3);
	fill(b, 20, 3);
	fake_mm.nlog = 0;
	fake.max_locks_held = 0;
	scan_all();
	assert_true(fake_mm.nlog < FAKE_MM_LOG);
	assert_int_equal(pa_addr(frame_of(b, 20)), pa_addr(frame_of(a, 10)));
	assert_true(held(a, 10));                 /* a's page, promoted to a shared frame */
	assert_true(held(b, 20));                 /* b's, before it went to a's frame */
	assert_int_equal(fake.max_locks_held, 2); /* a VM's, and the table's or the pool's */
	/* Pages like no other stay private and writable: the scanner left them as they were. */
	fill(a, 30, 5);
	fill(b, 40, 6);
	scan_all();
	assert_int_equal(vmem_page_state(a, IPA(30), NULL), VMEM_PRIVATE);
	assert_int_equal(vmem_page_state(b, IPA(40), NULL), VMEM_PRIVATE);
	gstore(a, IPA(30), 9);
	assert_int_equal(bad_bytes(a, 30, 5, false), 1);
}

static void test_scanner_returns_zero_pages_to_the_zero_frame(void **state)
{
	uint64_t free_before;

	(void)state;
	gstore(a, IPA(30), 9);
	gstore(a, IPA(30), 0); /* written, but all zeros again */
	free_before = frames.free;
	scan_all();
	assert_int_equal(vmem_page_state(a, IPA(30), NULL), VMEM_ZERO);
	assert_int_equal(frames.free, free_before + 1);
}

static void test_balloon_release_frees_frames_and_reads_zero_after(void **state)
{
	uint64_t free_before;

	(void)state;
	fill(a, 40, 1);
	fill(a, 41, 2);
	fill(b, 50, 2); /* 41 will be shared with b's 50 */
	scan_all();
	assert_int_equal(gload(a, IPA(42)), 0); /* zero-mapped */
	free_before = frames.free;
	assert_int_equal(vmem_release(a, IPA(40), 4), 4); /* private, shared, zero, untouched */
	assert_int_equal(frames.free, free_before + 1);   /* 41's frame still backs b's page */
	assert_int_equal(a->mem.ballooned, 4);
	for (unsigned n = 40; n < 44; n++)
		assert_int_equal(vmem_page_state(a, IPA(n), NULL), VMEM_BALLOONED);
	assert_int_equal(bad_bytes(b, 50, 2, false), 0);
	/* Given up means gone: touched again, the pages read zeros. */
	assert_int_equal(bad_bytes(a, 40, 0, true), 0);
	gstore(a, IPA(41), 5);
	assert_int_equal(bad_bytes(a, 41, 0, true), 1);
	assert_int_equal(a->mem.ballooned, 2);
	/* Bad ranges: nothing changes. */
	assert_int_equal(vmem_release(a, IPA(1) + 8, 1), SKIFF_E_INVAL);
	assert_int_equal(vmem_release(a, IPA(PAGES - 1), 2), SKIFF_E_INVAL);
	assert_int_equal(vmem_release(a, VM_RAM_IPA - PAGE_SIZE, 1), SKIFF_E_INVAL);
	assert_int_equal(vmem_release(a, IPA(1), 0), SKIFF_E_INVAL);
	assert_int_equal(vmem_release(a, IPA(1), UINT64_MAX / 2), SKIFF_E_INVAL);
	assert_int_equal(a->mem.ballooned, 2);
}

static void test_pinned_pages_stay_private(void **state)
{
	paddr_t pa, pb;

	(void)state;
	fill(a, 60, 7);
	fill(b, 60, 7);
	assert_int_equal(vmem_pin(a, IPA(60), &pa), VMEM_OK);
	scan_all();
	assert_int_equal(vmem_page_state(a, IPA(60), NULL), VMEM_PRIVATE);
	assert_int_equal(vmem_page_state(b, IPA(60), NULL), VMEM_PRIVATE);
	assert_int_equal(vmem_release(a, IPA(59), 3), 2); /* the pinned page is kept */
	assert_int_equal(vmem_page_state(a, IPA(60), NULL), VMEM_PRIVATE);
	/* Pinning a shared page unshares it; an untouched one gets a frame. */
	fill(a, 61, 8);
	fill(b, 61, 8);
	scan_all();
	assert_int_equal(vmem_pin(b, IPA(61), &pb), VMEM_OK);
	assert_int_equal(vmem_page_state(b, IPA(61), NULL), VMEM_PRIVATE);
	assert_int_equal(bad_bytes(b, 61, 8, false), 0);
	vmem_unpin(pb);
	vmem_unpin(pa);
	assert_int_equal(vmem_pin(a, VM_RAM_IPA + RAM, &pa), VMEM_BAD_ADDRESS);
}

static void test_reset_gives_every_frame_back(void **state)
{
	uint64_t free0 = frames.free;

	(void)state;
	for (unsigned n = 1; n < 20; n++)
		fill(a, n, n % 5);
	fill(b, 3, 1);
	scan_all();
	vmem_release(a, IPA(15), 3);
	vmem_reset(a);
	assert_int_equal(a->mem.resident, 0);
	assert_int_equal(a->mem.shared, 0);
	assert_int_equal(a->mem.ballooned, 0);
	for (unsigned n = 0; n < PAGES; n++)
		assert_int_equal(vmem_page_state(a, IPA(n), NULL), VMEM_UNTOUCHED);
	assert_int_equal(bad_bytes(b, 3, 1, false), 0);
	/* a's image and start-info pages are gone too, and its level-3 tables. */
	assert_true(frames.free > free0);
}

static void test_hypervisor_copies(void **state)
{
	char buf[3 * PAGE_SIZE];
	uint64_t free_before;

	(void)state;
	/* Across pages that are not adjacent frames. */
	fill(a, 21, 1);
	fill(a, 23, 9);
	fill(a, 22, 5);
	assert_int_equal(guest_copy_from(a, buf, ipa_init(IPA(21) + 10), 2 * PAGE_SIZE), 0);
	assert_int_equal(buf[0], (char)guest_ptr(a, IPA(21) + 10, false)[0]);
	assert_int_equal(buf[PAGE_SIZE], (char)guest_ptr(a, IPA(22) + 10, false)[0]);
	/* Reading untouched RAM sees zeros and takes nothing. */
	free_before = frames.free;
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(guest_copy_from(a, buf, ipa_init(IPA(33)), 2 * PAGE_SIZE), 0);
	assert_int_equal(buf[0] | buf[2 * PAGE_SIZE - 1], 0);
	assert_int_equal(frames.free, free_before);
	assert_int_equal(vmem_page_state(a, IPA(33), NULL), VMEM_UNTOUCHED);
	/* Writing a shared page copies it for the writer only. */
	fill(b, 35, 9);
	scan_all();
	assert_int_equal(guest_copy_to(a, ipa_init(IPA(23) + 1), "Q", 1), 0);
	assert_int_equal(gload(a, IPA(23) + 1), 'Q');
	assert_int_equal(bad_bytes(b, 35, 9, false), 0);
	/* Outside RAM, straddling its end, wrapping: refused, nothing written. */
	memset(buf, 'w', sizeof(buf));
	assert_int_equal(guest_copy_to(a, ipa_init(IPA(PAGES) - 4), buf, 8), SKIFF_E_FAULT);
	assert_int_equal(gload(a, IPA(PAGES - 1) + PAGE_SIZE - 4), 0);
	assert_int_equal(guest_copy_from(a, buf, ipa_init(VM_RAM_IPA - 4), 8), SKIFF_E_FAULT);
	assert_int_equal(guest_copy_from(a, buf, ipa_init(0xfffffffffffffff0), 32), SKIFF_E_FAULT);
	assert_int_equal(guest_copy_to(a, ipa_init((1ULL << 39) + VM_RAM_IPA), buf, 8),
			 SKIFF_E_FAULT);
}

/*
 * A hypercall copying into a page that cannot get a frame: nothing is written, the calling vCPU
 * waits for memory and will run the call again (same function ID, PC back on the HVC).
 */
static void test_copies_without_memory_wait_and_repeat(void **state)
{
	paddr_t grabbed[POOL_FRAMES], pa;
	struct vcpu *v = &a->vcpus[0];
	size_t n = 0;

	(void)state;
	gstore(a, IPA(2), 1); /* its level-3 table exists */
	while (frame_alloc(&frames, 1, 1, &pa))
		grabbed[n++] = pa;
	cpus[0].vcpu = v; /* the hypercall's caller */
	arch_vcpu_set_reg(&v->arch, 0, SKIFF_HVC_CONSOLE_READ);
	assert_int_equal(guest_copy_to(a, ipa_init(IPA(3)), "abc", 3), GUEST_MEM_WAIT);
	assert_int_equal(v->arch.repeats, 1);
	assert_int_equal(v->repeat_fid, SKIFF_HVC_CONSOLE_READ);
	assert_int_equal(v->state, VCPU_BLOCKED);
	assert_true(a->mem_waiting);
	assert_int_equal(vmem_fault(a, IPA(3), true), VMEM_NO_MEMORY);
	assert_int_equal(vmem_page_state(a, IPA(3), NULL), VMEM_UNTOUCHED);
	assert_int_equal(vmem_fault(a, IPA(3), false), VMEM_OK); /* reading needs no frame */
	while (n)
		frame_free(&frames, grabbed[--n], 1);
	assert_int_equal(guest_copy_to(a, ipa_init(IPA(3)), "abc", 3), 0);
}

/*
 * Random writes, scans, releases, pins and resets over two VMs, against a model: each page holds
 * the pattern of a seed, or zeros. After every step every page reads what the model says, and
 * the frames in use add up: tables + private frames + shared frames.
 */
static unsigned model[2][PAGES]; /* seed + 1; 0 = zeros */

static uint64_t frames_in_use(void)
{
	struct vmem_host h;

	vmem_host_stats(&h);
	return a->s2.tables + b->s2.tables + a->mem.resident + b->mem.resident + h.shared_frames;
}

static void test_random_sequences_keep_every_byte(void **state)
{
	struct vm *vms[2] = { a, b };
	struct vmem_host h;
	uint64_t base;

	(void)state;
	srand(12345);
	vmem_reset(a);
	vmem_reset(b);
	memset(model, 0, sizeof(model));
	base = frames.free + frames_in_use();
	for (int step = 0; step < 3000; step++) {
		unsigned v = rand() % 2, n = rand() % PAGES, op = rand() % 10;
		struct vm *vm = vms[v];
		if (op < 5) {
			unsigned seed = rand() % 4; /* few seeds: plenty of identical pages */
			fill(vm, n, seed);
			model[v][n] = seed + 1;
		} else if (op < 7) {
			vmem_scan(rand() % 64 + 1);
		} else if (op < 8) {
			unsigned k = rand() % 4 + 1;
			if (n + k <= PAGES) {
				assert_int_equal(vmem_release(vm, IPA(n), k), k);
				memset(&model[v][n], 0, k * sizeof(unsigned));
			}
		} else if (op < 9) {
			paddr_t pa;
			assert_int_equal(vmem_pin(vm, IPA(n), &pa), VMEM_OK);
			if (rand() % 2)
				scan_all();
			vmem_unpin(pa);
		} else if (rand() % 20 == 0) {
			vmem_reset(vm);
			memset(model[v], 0, sizeof(model[v]));
		}
		if (step % 100 == 99 || op >= 9)
			for (unsigned k = 0; k < 2; k++)
				for (unsigned p = 0; p < PAGES; p++)
					if (bad_bytes(vms[k], p, model[k][p] - 1, !model[k][p]))
						fail_msg("step %d: VM %u page %u holds the wrong "
							 "bytes",
							 step, k, p);
		assert_int_equal(frames.free + frames_in_use(), base);
	}
	vmem_host_stats(&h);
	assert_true(h.merges > 100); /* the sequence did exercise sharing */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_untouched_pages_read_zero_without_a_frame),
		T(test_first_write_gets_a_zeroed_private_frame),
		T(test_identical_pages_share_one_frame_until_written),
		T(test_scanner_compares_read_only_pages_one_vm_lock_at_a_time),
		T(test_scanner_returns_zero_pages_to_the_zero_frame),
		T(test_balloon_release_frees_frames_and_reads_zero_after),
		T(test_pinned_pages_stay_private),
		T(test_reset_gives_every_frame_back),
		T(test_hypervisor_copies),
		T(test_copies_without_memory_wait_and_repeat),
		T(test_random_sequences_keep_every_byte),
	};

	return cmocka_run_group_tests_name("vmem", tests, NULL, NULL);
}
