/**
 * Stage 2 as guests get it: hyp/pgtable.c with MM_STAGE2 over a 39-bit IPA space (as arm64's
 * VTCR_EL2.T0SZ = 25 gives), the tables vm_create builds for a VM's RAM at IPA 0x40000000, and
 * hyp/guest_mem.c's checks of hypercall buffers against those tables (rights, devices, holes).
 */
#include "support.h"

#include <skiff/cpu.h>
#include <skiff/guest_mem.h>
#include <skiff/mem.h>
#include <skiff/mm.h>
#include <skiff/pgtable.h>
#include <skiff/vm.h>
#include <skiff-abi/hypercall.h>

#define RWX (MM_R | MM_W | MM_X)
#define IPA_LIMIT (1ULL << 39)

static struct frame_pool fp;
static struct vm vm; /* for guest_mem: only its stage 2 is used */

static int setup(void **state)
{
	paddr_t b;
	struct pa_range r;

	test_setup(state);
	fake_mm.input_bits[MM_STAGE2] = 39;
	b = test_pa(test_ram(64 * PAGE_SIZE, PAGE_SIZE));
	r = (struct pa_range){ b, pa_add(b, 64 * PAGE_SIZE) };
	assert_null(frame_pool_init(&fp, &r, 1, NULL, 0));
	memset(&vm, 0, sizeof(vm));
	assert_true(pgtable_init(&vm.s2, MM_STAGE2, 7, &fp));
	return 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, test_teardown)

static void assert_maps(const struct pgtable *pt, uint64_t ipa, uint64_t pa, mm_mode_t mode)
{
	paddr_t got;
	mm_mode_t got_mode;

	if (!pgtable_lookup(pt, ipa, &got, &got_mode))
		fail_msg("IPA 0x%lx is not mapped", ipa);
	if (pa_addr(got) != pa || got_mode != mode)
		fail_msg("IPA 0x%lx maps to 0x%lx mode %x, not 0x%lx mode %x", ipa, pa_addr(got),
			 got_mode, pa, mode);
}

static void assert_unmapped(const struct pgtable *pt, uint64_t ipa)
{
	paddr_t got;

	if (pgtable_lookup(pt, ipa, &got, NULL))
		fail_msg("IPA 0x%lx maps to 0x%lx, expected nothing", ipa, pa_addr(got));
}

static void test_ram_at_1_gib_in_39_bits(void **state)
{
	static const uint64_t outside[] = {
		0,
		VM_RAM_IPA - PAGE_SIZE,
		VM_RAM_IPA + MiB(4),
		IPA_LIMIT - PAGE_SIZE,
		IPA_LIMIT,              /* past the IPA space */
		IPA_LIMIT + VM_RAM_IPA, /* would alias RAM if the walker dropped high bits */
		IPA_LIMIT * 2 + VM_RAM_IPA,
		1ULL << 63 | VM_RAM_IPA,
		~0ULL,
	};
	uint64_t pa = GiB(3);

	(void)state;
	assert_int_equal(vm.s2.root_level, 1); /* 39 bits: three levels from 1 GiB entries */
	assert_int_equal(vm.s2.stage, MM_STAGE2);
	assert_true(pgtable_map(&vm.s2, VM_RAM_IPA, pa_init(pa), MiB(4), RWX));
	assert_int_equal(test_leaf_level(&vm.s2, VM_RAM_IPA), 2); /* 2 MiB blocks */
	for (uint64_t off = 0; off < MiB(4); off += 0x1f000)
		assert_maps(&vm.s2, VM_RAM_IPA + off + 0x123, pa + off + 0x123, RWX);
	assert_maps(&vm.s2, VM_RAM_IPA + MiB(4) - 1, pa + MiB(4) - 1, RWX);
	for (unsigned i = 0; i < ARRAY_SIZE(outside); i++)
		assert_unmapped(&vm.s2, outside[i]);
	/* The top of the IPA space is mappable; one page more is not. */
	assert_true(pgtable_map(&vm.s2, IPA_LIMIT - PAGE_SIZE, pa_init(pa), PAGE_SIZE, MM_R));
	assert_maps(&vm.s2, IPA_LIMIT - 1, pa + PAGE_SIZE - 1, MM_R);
	assert_unmapped(&vm.s2, IPA_LIMIT);
	EXPECT_PANIC(pgtable_map(&vm.s2, IPA_LIMIT, pa_init(pa), PAGE_SIZE, MM_R));
	EXPECT_PANIC(pgtable_map(&vm.s2, IPA_LIMIT - PAGE_SIZE, pa_init(pa), 2 * PAGE_SIZE, MM_R));
}

static void test_unmapping_a_page_invalidates_by_vmid(void **state)
{
	(void)state;
	assert_true(pgtable_map(&vm.s2, VM_RAM_IPA, pa_init(GiB(3)), MiB(2), RWX));
	assert_true(pgtable_unmap(&vm.s2, VM_RAM_IPA + 5 * PAGE_SIZE, PAGE_SIZE));
	assert_unmapped(&vm.s2, VM_RAM_IPA + 5 * PAGE_SIZE);
	assert_maps(&vm.s2, VM_RAM_IPA + 6 * PAGE_SIZE, GiB(3) + 6 * PAGE_SIZE, RWX);
	assert_int_equal(fake_mm.last_tlbi_stage, MM_STAGE2);
	assert_int_equal(fake_mm.last_tlbi_vmid, 7);
	assert_int_equal(fake_mm.last_tlbi_addr, VM_RAM_IPA + 5 * PAGE_SIZE);
}

/* vm_create's stage 2 maps the VM's RAM, all of it and nothing else. */
static void check_vm_stage2(uint64_t ram_size, int leaf_level)
{
	struct vm_config cfg = { .name = "s2", .ram_size = ram_size, .vcpus = 1, .weight = 256 };
	const char *err = NULL;
	struct vm *v;

	cfg.image = test_arm64_image(0x100, 0);
	v = vm_create(&cfg, &err);
	if (!v)
		fail_msg("vm_create: %s", err);
	assert_int_equal(v->s2.stage, MM_STAGE2);
	assert_int_equal(v->s2.root_level, 1);
	assert_int_equal(ipa_addr(v->ram_ipa), VM_RAM_IPA);
	assert_int_equal(test_leaf_level(&v->s2, VM_RAM_IPA), leaf_level);
	for (uint64_t off = 0; off < ram_size; off += PAGE_SIZE)
		assert_maps(&v->s2, VM_RAM_IPA + off, pa_addr(v->ram_pa) + off, RWX);
	assert_unmapped(&v->s2, VM_RAM_IPA - PAGE_SIZE);
	assert_unmapped(&v->s2, VM_RAM_IPA + ram_size);
	assert_unmapped(&v->s2, 0);
	/* The hypervisor's own memory (the VM record, the tables) is not in it. */
	for (uint64_t ipa = 0; ipa < IPA_LIMIT; ipa += GiB(1))
		if (ipa != VM_RAM_IPA)
			assert_unmapped(&v->s2, ipa);
}

static void test_vm_create_maps_exactly_its_ram(void **state)
{
	(void)state;
	test_guest_machine(2048);
	check_vm_stage2(KiB(64), 3); /* pages */
	check_vm_stage2(MiB(2), 2);  /* 2 MiB aligned and sized: one block */
}

static char page[4][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

/* IPA 0x40000000: page[0] RW, page[1] read-only, page[2] a device, then a hole, page[3] RW. */
static void map_pages(void)
{
	assert_true(pgtable_map(&vm.s2, VM_RAM_IPA, test_pa(page[0]), PAGE_SIZE, MM_R | MM_W));
	assert_true(pgtable_map(&vm.s2, VM_RAM_IPA + PAGE_SIZE, test_pa(page[1]), PAGE_SIZE, MM_R));
	assert_true(pgtable_map(&vm.s2, VM_RAM_IPA + 2 * PAGE_SIZE, test_pa(page[2]), PAGE_SIZE,
				MM_R | MM_W | MM_DEVICE));
	assert_true(pgtable_map(&vm.s2, VM_RAM_IPA + 4 * PAGE_SIZE, test_pa(page[3]), PAGE_SIZE,
				MM_R | MM_W));
	memset(page, 0, sizeof(page));
}

static int copy_from(uint64_t ipa, void *dst, size_t len)
{
	return guest_copy_from(&vm, dst, ipa_init(ipa), len);
}

static int copy_to(uint64_t ipa, const void *src, size_t len)
{
	return guest_copy_to(&vm, ipa_init(ipa), src, len);
}

static void test_guest_copies_follow_stage2(void **state)
{
	char buf[2 * PAGE_SIZE];

	(void)state;
	map_pages();
	memcpy(page[0] + PAGE_SIZE - 3, "abc", 3);
	memcpy(page[1], "def", 3);
	assert_int_equal(copy_from(VM_RAM_IPA + PAGE_SIZE - 3, buf, 6), 0); /* across pages */
	assert_memory_equal(buf, "abcdef", 6);
	assert_int_equal(copy_to(VM_RAM_IPA + 8, "xyz", 3), 0);
	assert_memory_equal(page[0] + 8, "xyz", 3);
	assert_int_equal(copy_to(VM_RAM_IPA + 4 * PAGE_SIZE + 16, "q", 1), 0);
	assert_int_equal(page[3][16], 'q');
	assert_int_equal(copy_from(0x1000, buf, 0), 0); /* nothing to copy: nothing checked */
}

static void test_guest_copies_refuse_what_is_not_allowed(void **state)
{
	char buf[2 * PAGE_SIZE];

	(void)state;
	map_pages();
	memset(buf, 'w', sizeof(buf));
	/* Read-only: may be read, not written. */
	assert_int_equal(copy_from(VM_RAM_IPA + PAGE_SIZE, buf, 8), 0);
	assert_int_equal(copy_to(VM_RAM_IPA + PAGE_SIZE, buf, 8), SKIFF_E_FAULT);
	assert_int_equal(page[1][0], 0);
	assert_int_equal(copy_to(VM_RAM_IPA + PAGE_SIZE - 4, buf, 8), SKIFF_E_FAULT);
	/* A device page, even read-write: neither. */
	assert_int_equal(copy_from(VM_RAM_IPA + 2 * PAGE_SIZE, buf, 8), SKIFF_E_FAULT);
	assert_int_equal(copy_to(VM_RAM_IPA + 2 * PAGE_SIZE, buf, 8), SKIFF_E_FAULT);
	assert_int_equal(page[2][0], 0);
	/* A hole in the middle of a range, and ranges outside the guest or wrapping. */
	assert_int_equal(copy_from(VM_RAM_IPA + 3 * PAGE_SIZE, buf, 8), SKIFF_E_FAULT);
	assert_int_equal(copy_from(VM_RAM_IPA + 4 * PAGE_SIZE - 4, buf, 8), SKIFF_E_FAULT);
	assert_int_equal(copy_from(VM_RAM_IPA + 5 * PAGE_SIZE - 4, buf, 8), SKIFF_E_FAULT);
	assert_int_equal(copy_from(VM_RAM_IPA - 4, buf, 8), SKIFF_E_FAULT);
	assert_int_equal(copy_from(0xfffffffffffffff0, buf, 32), SKIFF_E_FAULT);
	assert_int_equal(copy_from(IPA_LIMIT + VM_RAM_IPA, buf, 8), SKIFF_E_FAULT);
	assert_int_equal(copy_to(IPA_LIMIT + VM_RAM_IPA, buf, 8), SKIFF_E_FAULT);
	assert_int_equal(page[0][0], 0); /* the alias of page 0 was not written */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_ram_at_1_gib_in_39_bits),
		T(test_unmapping_a_page_invalidates_by_vmid),
		T(test_vm_create_maps_exactly_its_ram),
		T(test_guest_copies_follow_stage2),
		T(test_guest_copies_refuse_what_is_not_allowed),
	};

	return cmocka_run_group_tests_name("stage2", tests, NULL, NULL);
}
