/**
 * hyp/mem.c: the frame pool built from a platform description, and the EL2 identity map with its
 * W^X image layout, over 8 MiB of host memory standing in for RAM.
 */
#include "support.h"

#include <skiff/mem.h>
#include <skiff/mm.h>

static struct platform plat;
static uint64_t base; /* the "RAM": 8 MiB, 2 MiB aligned */

/* A QEMU-virt-like platform: image at RAM + 2 MiB (text 64 KiB, rodata 32 KiB, data 160 KiB),
 * DTB at + 4 MiB, one reserved range, one boot module. */
static void setup_platform(void)
{
	base = pa_addr(test_pa(test_ram(MiB(8), MiB(2))));
	memset(&plat, 0, sizeof(plat));
	plat.ram[plat.nram++] = (struct pa_range){ pa_init(base), pa_init(base + MiB(8)) };
	plat.fdt = pa_init(base + MiB(4));
	plat.fdt_size = 0x1800; /* two frames */
	plat.reserved[plat.nreserved++] =
		(struct pa_range){ pa_init(base + MiB(5)), pa_init(base + MiB(5) + KiB(64)) };
	plat.modules[plat.nmodules++].range =
		(struct pa_range){ pa_init(base + MiB(6)), pa_init(base + MiB(6) + 0x3001) };
	plat.uart.base = pa_init(0x9000000);
	plat.uart.size = 0x1000;
	plat.gic.kind = IRQCHIP_GICV3;
	plat.gic.dist = pa_init(0x8000000);
	plat.gic.dist_size = 0x10000;
	plat.gic.redist = pa_init(0x80a0000);
	plat.gic.redist_size = 0xf60000;
	fake.image.image =
		(struct pa_range){ pa_init(base + MiB(2)), pa_init(base + MiB(2) + KiB(256)) };
	fake.image.text =
		(struct pa_range){ pa_init(base + MiB(2)), pa_init(base + MiB(2) + KiB(64)) };
	fake.image.rodata = (struct pa_range){ pa_init(base + MiB(2) + KiB(64)),
					       pa_init(base + MiB(2) + KiB(96)) };
	fake.image.data = (struct pa_range){ pa_init(base + MiB(2) + KiB(96)),
					     pa_init(base + MiB(2) + KiB(256)) };
}

static mm_mode_t mode_at(uint64_t va)
{
	paddr_t pa;
	mm_mode_t mode;

	if (!pgtable_lookup(&el2_pt, va, &pa, &mode))
		fail_msg("0x%lx is not mapped at EL2", va);
	if (pa_addr(pa) != va)
		fail_msg("0x%lx maps to 0x%lx: EL2 maps VA == PA", va, pa_addr(pa));
	return mode;
}

static void test_frames_exclude_image_dtb_reserved_modules(void **state)
{
	(void)state;
	setup_platform();
	assert_null(mem_init_frames(&plat));
	assert_int_equal(frames.total, 2048);
	/* image 64 frames, DTB 2, reserved 16, module 4 (a partial last frame counts), bitmap 1 */
	assert_int_equal(frames.free, 2048 - 64 - 2 - 16 - 4 - 1);
	assert_true(frame_is_allocated(&frames, pa_init(base + MiB(6) + 0x3000)));
	assert_false(frame_is_allocated(&frames, pa_init(base + MiB(6) + 0x4000)));
	assert_true(frame_is_allocated(&frames, pa_init(base + MiB(2) + KiB(252))));
	assert_false(frame_is_allocated(&frames, pa_init(base + MiB(2) + KiB(256))));
}

static void test_el2_map_is_identity_and_w_xor_x(void **state)
{
	(void)state;
	setup_platform();
	assert_null(mem_init_frames(&plat));
	assert_null(mem_init_mmu(&plat));
	assert_int_equal(fake_mm.enables, 1);
	assert_int_equal(pa_addr(fake_mm.enabled_root), pa_addr(el2_pt.root));
	assert_int_equal(el2_pt.stage, MM_STAGE_EL2);

	assert_int_equal(mode_at(base + MiB(2)), MM_R | MM_X); /* text */
	assert_int_equal(mode_at(base + MiB(2) + KiB(60)), MM_R | MM_X);
	assert_int_equal(mode_at(base + MiB(2) + KiB(64)), MM_R);        /* rodata */
	assert_int_equal(mode_at(base + MiB(2) + KiB(96)), MM_R | MM_W); /* data */
	assert_int_equal(mode_at(base), MM_R | MM_W);                    /* RAM */
	assert_int_equal(mode_at(base + MiB(8) - PAGE_SIZE), MM_R | MM_W);
	assert_int_equal(mode_at(0x9000000), MM_R | MM_W | MM_DEVICE);            /* UART */
	assert_int_equal(mode_at(0x800f000), MM_R | MM_W | MM_DEVICE);            /* GICD */
	assert_int_equal(mode_at(0x80a0000 + 0xf5f000), MM_R | MM_W | MM_DEVICE); /* GICR */
	assert_false(pgtable_lookup(&el2_pt, 0x9001000, &(paddr_t){ 0 }, NULL));
	assert_false(pgtable_lookup(&el2_pt, base + MiB(8), &(paddr_t){ 0 }, NULL));
	for (uint64_t va = base; va < base + MiB(8); va += PAGE_SIZE) {
		mm_mode_t m = mode_at(va);
		assert_false((m & MM_W) && (m & MM_X));
	}
	/* What was written with the MMU off is invalidated from the caches before it goes on. */
	assert_true(fake.dcache_invalidates > 0);
}

/* Breaks of valid entries while building the EL2 map of @plat (image over RAM has some). */
static unsigned map_breaks(void)
{
	unsigned before = fake_mm.breaks;

	assert_null(mem_init_frames(&plat));
	assert_null(mem_init_mmu(&plat));
	return fake_mm.breaks - before;
}

/* virtio-mmio transports: 0x200 apart, eight to a page, each page mapped once as a device. */
static void test_el2_map_has_virtio_transports(void **state)
{
	unsigned without;

	(void)state;
	setup_platform();
	without = map_breaks();
	setup_platform();
	for (unsigned i = 0; i < 9; i++)
		plat.virtio[plat.nvirtio++] =
			(struct platform_virtio){ pa_init(0xa000000 + 0x200 * i), 0x200, 48 + i };
	plat.virtio[plat.nvirtio++] = (struct platform_virtio){ pa_init(0xa003e00), 0x200, 79 };
	assert_int_equal(map_breaks(), without); /* no transport page was mapped twice */
	assert_int_equal(mode_at(0xa000000), MM_R | MM_W | MM_DEVICE);
	assert_int_equal(mode_at(0xa001000), MM_R | MM_W | MM_DEVICE); /* the ninth */
	assert_int_equal(mode_at(0xa003000), MM_R | MM_W | MM_DEVICE);
	assert_false(pgtable_lookup(&el2_pt, 0xa002000, &(paddr_t){ 0 }, NULL));
}

static void test_el2_map_uses_blocks_for_ram(void **state)
{
	(void)state;
	setup_platform();
	assert_null(mem_init_frames(&plat));
	assert_null(mem_init_mmu(&plat));
	/* RAM in 2 MiB blocks, except the 2 MiB holding the image: pages, for W^X. */
	assert_int_equal(test_leaf_level(&el2_pt, base), 2);
	assert_int_equal(test_leaf_level(&el2_pt, base + MiB(2)), 3);
	assert_int_equal(test_leaf_level(&el2_pt, base + MiB(4)), 2);
	assert_int_equal(test_leaf_level(&el2_pt, base + MiB(6)), 2);
	/* The GIC redistributor's 2 MiB-aligned middle is blocks too. */
	assert_int_equal(test_leaf_level(&el2_pt, 0x8200000), 2);
	assert_int_equal(frames.free + el2_pt.tables, 2048 - 64 - 2 - 16 - 4 - 1);
}

static void test_out_of_frames_for_tables(void **state)
{
	(void)state;
	setup_platform();
	/* Reserve all of RAM but its first 16 KiB: the bitmap and three frames remain. */
	plat.reserved[plat.nreserved++] =
		(struct pa_range){ pa_init(base + KiB(16)), pa_init(base + MiB(8)) };
	assert_null(mem_init_frames(&plat));
	assert_int_equal(frames.free, 3);
	assert_non_null(strstr(mem_init_mmu(&plat), "out of memory"));
	assert_int_equal(fake_mm.enables, 0);
}

static void test_no_ram_left(void **state)
{
	const char *err;

	(void)state;
	setup_platform();
	plat.reserved[plat.nreserved++] = plat.ram[0];
	err = mem_init_frames(&plat);
	assert_non_null(err);
	assert_non_null(strstr(err, "bitmap"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_frames_exclude_image_dtb_reserved_modules),
		TEST(test_el2_map_is_identity_and_w_xor_x),
		TEST(test_el2_map_has_virtio_transports),
		TEST(test_el2_map_uses_blocks_for_ram),
		TEST(test_out_of_frames_for_tables),
		TEST(test_no_ram_left),
	};

	return cmocka_run_group_tests_name("mem", tests, NULL, NULL);
}
