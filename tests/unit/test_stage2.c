/**
 * Stage 2 as guests get it: hyp/pgtable.c with MM_STAGE2 over a 39-bit IPA space (as arm64's
 * VTCR_EL2.T0SZ = 25 gives) and the tables vm_create builds for a VM's RAM at IPA 0x40000000.
 * Guest RAM's page states and hypercall buffer copies are tested in test_vmem.c.
 */
#include "support.h"

#include <skiff/cpu.h>
#include <skiff/mem.h>
#include <skiff/mm.h>
#include <skiff/pgtable.h>
#include <skiff/vm.h>
#include <skiff-abi/hypercall.h>

#define RWX (MM_R | MM_W | MM_X)
#define IPA_LIMIT (1ULL << 39)

static struct frame_pool fp;
static struct vm vm; /* only its stage 2 is used */

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

/*
 * vm_create's stage 2 maps only the VM's RAM, page by page and on demand: the image's pages and
 * the start-info page have frames (copies of the image), every other page is untouched.
 */
static void check_vm_stage2(uint64_t ram_size)
{
	struct vm_config cfg = { .name = "s2", .ram_size = ram_size, .vcpus = 1, .weight = 256 };
	const char *err = NULL;
	struct vm *v;
	paddr_t pa;

	cfg.image = test_arm64_image(0x100, 0);
	v = vm_create(&cfg, &err);
	if (!v)
		fail_msg("vm_create: %s", err);
	assert_int_equal(v->s2.stage, MM_STAGE2);
	assert_int_equal(v->s2.root_level, 1);
	assert_int_equal(ipa_addr(v->ram_ipa), VM_RAM_IPA);
	assert_int_equal(test_leaf_level(&v->s2, VM_RAM_IPA), 3);
	assert_int_equal(vmem_page_state(v, VM_RAM_IPA, &pa), VMEM_PRIVATE);
	assert_memory_equal(pa_to_ptr(pa), pa_to_ptr(cfg.image.begin), 0x100);
	assert_maps(&v->s2, VM_RAM_IPA, pa_addr(pa), RWX);
	assert_int_equal(vmem_page_state(v, VM_RAM_IPA + ram_size - PAGE_SIZE, NULL), VMEM_PRIVATE);
	for (uint64_t off = PAGE_SIZE; off < ram_size - PAGE_SIZE; off += PAGE_SIZE) {
		assert_int_equal(vmem_page_state(v, VM_RAM_IPA + off, NULL), VMEM_UNTOUCHED);
		assert_unmapped(&v->s2, VM_RAM_IPA + off);
	}
	assert_int_equal(v->mem.resident, 2);
	assert_int_equal(vmem_page_state(v, VM_RAM_IPA + ram_size, NULL), VMEM_NOT_RAM);
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
	check_vm_stage2(KiB(64));
	check_vm_stage2(MiB(2)); /* 2 MiB aligned and sized: still pages, each its own state */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_ram_at_1_gib_in_39_bits),
		T(test_unmapping_a_page_invalidates_by_vmid),
		T(test_vm_create_maps_exactly_its_ram),
	};

	return cmocka_run_group_tests_name("stage2", tests, NULL, NULL);
}
