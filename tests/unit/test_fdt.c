/**
 * hyp/platform_fdt.c against DTBs compiled by dtc from tests/unit/dts/ at build time: the exact
 * fields parsed from good trees (QEMU virt, a Pi 4-like GICv2 tree, Pi 3-like bus translation,
 * reserved memory, boot modules), and a sentence naming the problem for each malformed one.
 * Every DTB sits in a buffer of exactly its size, so ASan catches any read past its end.
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>

#include <libfdt.h>
#include <skiff/platform.h>

static struct platform plat;

/* tests/unit/dts/@name.dts as compiled into build/unit/dts/, in a buffer of @extra more bytes. */
static void *load_dtb(const char *name, size_t extra, size_t *size)
{
	const void *bytes = test_dtb_file(name, size);
	void *buf = test_buf(*size + extra);

	memcpy(buf, bytes, *size);
	return buf;
}

static const char *parse(const char *name)
{
	size_t size;
	const void *fdt = load_dtb(name, 0, &size);

	return platform_parse_fdt(&plat, fdt, size);
}

static void assert_range(struct pa_range r, uint64_t begin, uint64_t size)
{
	assert_int_equal(pa_addr(r.begin), begin);
	assert_int_equal(pa_addr(r.end), begin + size);
}

static void test_qemu_virt_gicv3(void **state)
{
	size_t size;
	const void *fdt = load_dtb("virt-gicv3", 0, &size);

	(void)state;
	assert_null(platform_parse_fdt(&plat, fdt, size));
	assert_string_equal(plat.model, "linux,dummy-virt");
	assert_string_equal(plat.compatible, "linux,dummy-virt");
	assert_int_equal(pa_addr(plat.fdt), (uintptr_t)fdt);
	assert_int_equal(plat.fdt_size, size);
	assert_int_equal(plat.nram, 1);
	assert_range(plat.ram[0], 0x40000000, GiB(1));
	assert_int_equal(platform_ram_size(&plat), GiB(1));
	assert_int_equal(plat.nreserved, 0);
	assert_int_equal(pa_addr(plat.uart.base), 0x9000000);
	assert_int_equal(plat.uart.size, 0x1000);
	assert_string_equal(plat.uart.compatible, "arm,pl011");
	assert_int_equal(plat.gic.kind, IRQCHIP_GICV3);
	assert_int_equal(pa_addr(plat.gic.dist), 0x8000000);
	assert_int_equal(plat.gic.dist_size, 0x10000);
	assert_int_equal(pa_addr(plat.gic.redist), 0x80a0000);
	assert_int_equal(plat.gic.redist_size, 0xf60000);
	assert_int_equal(pa_addr(plat.gic.cpuif), 0);
	assert_int_equal(plat.gic.maint_intid, 25); /* PPI 9 */
	assert_int_equal(plat.timer.sec_phys, 29);
	assert_int_equal(plat.timer.phys, 30);
	assert_int_equal(plat.timer.virt, 27);
	assert_int_equal(plat.timer.hyp_phys, 26);
	assert_int_equal(plat.psci, FW_CONDUIT_SMC);
	assert_int_equal(plat.ncpus, 2);
	assert_int_equal(plat.cpu_hwid[0], 0);
	assert_int_equal(plat.cpu_hwid[1], 1);
	assert_int_equal(plat.cpu_release[1], 0); /* PSCI, not a spin table */
	assert_string_equal(plat.bootargs, "");
	assert_int_equal(plat.nmodules, 0);
}

static void test_pi4_like_gicv2_four_regions_behind_ranges(void **state)
{
	(void)state;
	assert_null(parse("rpi4-gicv2"));
	assert_string_equal(plat.model, "Raspberry Pi 4 Model B");
	assert_string_equal(plat.compatible, "raspberrypi,4-model-b");
	assert_int_equal(plat.nram, 2);
	assert_range(plat.ram[0], 0, 0x3b400000);
	assert_range(plat.ram[1], 0x40000000, 0xbc000000);
	/* 0x7e201000 through the first "ranges" entry; the GIC through the third. */
	assert_int_equal(pa_addr(plat.uart.base), 0xfe201000);
	assert_int_equal(plat.uart.size, 0x200);
	assert_int_equal(plat.gic.kind, IRQCHIP_GICV2);
	assert_int_equal(pa_addr(plat.gic.dist), 0xff841000);
	assert_int_equal(plat.gic.dist_size, 0x1000);
	assert_int_equal(pa_addr(plat.gic.cpuif), 0xff842000);
	assert_int_equal(pa_addr(plat.gic.hyp), 0xff844000);
	assert_int_equal(pa_addr(plat.gic.vcpu), 0xff846000);
	assert_int_equal(pa_addr(plat.gic.redist), 0);
	assert_int_equal(plat.gic.maint_intid, 25);
	assert_int_equal(plat.timer.hyp_phys, 26);
	assert_int_equal(plat.timer.virt, 27);
	assert_int_equal(plat.psci, FW_CONDUIT_SMC);
	assert_int_equal(plat.ncpus, 4);
	assert_int_equal(plat.cpu_hwid[3], 3);
}

static void test_pi3_like_soc_ranges(void **state)
{
	(void)state;
	assert_null(parse("rpi3-soc-ranges"));
	assert_string_equal(plat.model, "Raspberry Pi 3 Model B Rev 1.2");
	assert_int_equal(plat.nram, 1);
	assert_range(plat.ram[0], 0, 0x3b400000);
	/* stdout-path "serial0:115200n8" -> alias -> bus address 0x7e201000 -> CPU 0x3f201000 */
	assert_int_equal(pa_addr(plat.uart.base), 0x3f201000);
	assert_int_equal(plat.uart.size, 0x200);
	/* No GIC: the BCM2836 local controller, through /soc's second range, numbers the timers. */
	assert_int_equal(plat.gic.kind, IRQCHIP_BCM2836);
	assert_int_equal(pa_addr(plat.gic.dist), 0x40000000);
	assert_int_equal(plat.gic.dist_size, 0x100);
	assert_int_equal(plat.timer.sec_phys, 0);
	assert_int_equal(plat.timer.phys, 1);
	assert_int_equal(plat.timer.virt, 3);
	assert_int_equal(plat.timer.hyp_phys, 2);
	assert_int_equal(plat.psci, FW_CONDUIT_NONE);
	assert_int_equal(plat.ncpus, 2);
}

/* The rpi3 board's own DT (dts/boards/rpi3.dts): the mini UART is the console. */
static void test_rpi3_board_dt(void **state)
{
	(void)state;
	assert_null(parse("rpi3-board"));
	assert_string_equal(plat.compatible, "raspberrypi,3-model-b");
	assert_int_equal(plat.nram, 1);
	assert_range(plat.ram[0], 0, 0x3c000000);
	assert_string_equal(plat.uart.compatible, "brcm,bcm2835-aux-uart");
	assert_int_equal(pa_addr(plat.uart.base), 0x3f215040);
	assert_int_equal(plat.gic.kind, IRQCHIP_BCM2836);
	assert_int_equal(pa_addr(plat.gic.dist), 0x40000000);
	/* The BCM2835 controller behind it; the mini UART is its bank 1 line 29. */
	assert_int_equal(pa_addr(plat.gic.cpuif), 0x3f00b200);
	assert_int_equal(plat.uart.intid, 32 + 32 + 29);
	assert_int_equal(plat.timer.hyp_phys, 2);
	assert_int_equal(plat.timer.virt, 3);
	assert_int_equal(plat.psci, FW_CONDUIT_NONE);
	assert_int_equal(plat.ncpus, 4);
	assert_int_equal(plat.cpu_hwid[3], 3);
	/* enable-method "spin-table": where each core waits for its start address. */
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(plat.cpu_release[i], 0xd8 + 8 * i);
	assert_int_equal(plat.nmodules, 0);
	/* The spin tables' page, as the Pi firmware reserves it. */
	assert_int_equal(plat.nreserved, 1);
	assert_range(plat.reserved[0], 0, 0x1000);
}

static const char *parse_edited(const char *name, void (*fn)(void *fdt));

/*
 * Boot modules as tools/boot-modules.py and the Pi boot script write them: /chosen carries its
 * own two address and two size cells, whatever the root's (one each on the Pi 3).
 */
static void add_module_with_chosen_cells(void *fdt)
{
	int chosen = fdt_path_offset(fdt, "/chosen"), node;
	const fdt32_t reg[] = { cpu_to_fdt32(0), cpu_to_fdt32(0x10100000), cpu_to_fdt32(0),
				cpu_to_fdt32(0x161c0) };

	assert_true(chosen >= 0);
	assert_int_equal(fdt_setprop_u32(fdt, chosen, "#address-cells", 2), 0);
	assert_int_equal(fdt_setprop_u32(fdt, chosen, "#size-cells", 2), 0);
	node = fdt_add_subnode(fdt, chosen, "module@10100000");
	assert_true(node >= 0);
	assert_int_equal(fdt_setprop(fdt, node, "compatible", "multiboot,module\0multiboot,kernel",
				     sizeof("multiboot,module\0multiboot,kernel")),
			 0);
	assert_int_equal(fdt_setprop_string(fdt, node, "bootargs", "hello"), 0);
	assert_int_equal(fdt_setprop(fdt, node, "reg", reg, sizeof(reg)), 0);
}

static void test_modules_with_chosen_cells(void **state)
{
	(void)state;
	assert_null(parse_edited("rpi3-board", add_module_with_chosen_cells));
	assert_int_equal(plat.nmodules, 1);
	assert_range(plat.modules[0].range, 0x10100000, 0x161c0);
	assert_string_equal(plat.modules[0].args, "hello");
}

static void test_two_levels_of_ranges(void **state)
{
	(void)state;
	assert_null(parse("nested-bus"));
	assert_int_equal(pa_addr(plat.uart.base), 0x3f201000);
}

/* Every enabled virtio,mmio node in tree order, translated, with its SPI as an INTID. */
static void test_virtio_mmio_transports(void **state)
{
	(void)state;
	assert_null(parse("virt-virtio"));
	assert_int_equal(plat.nvirtio, 3);
	assert_int_equal(pa_addr(plat.virtio[0].base), 0xa000000);
	assert_int_equal(plat.virtio[0].size, 0x200);
	assert_int_equal(plat.virtio[0].intid, 48); /* SPI 16 */
	assert_int_equal(pa_addr(plat.virtio[1].base), 0xa003e00);
	assert_int_equal(plat.virtio[1].intid, 79);                /* SPI 47 */
	assert_int_equal(pa_addr(plat.virtio[2].base), 0xc001200); /* through the bus's ranges */
	assert_int_equal(plat.virtio[2].intid, 0);                 /* no interrupts property */
	assert_null(parse("virt-gicv3"));
	assert_int_equal(plat.nvirtio, 0);
}

static void test_reserved_memory_and_memreserve(void **state)
{
	(void)state;
	assert_null(parse("virt-reserved"));
	assert_int_equal(plat.nram, 2);
	assert_range(plat.ram[1], GiB(4), MiB(512));
	assert_int_equal(platform_ram_size(&plat), GiB(1) + MiB(512));
	/* /memreserve/ first (the empty one is dropped), then the children with "reg". */
	assert_int_equal(plat.nreserved, 4);
	assert_range(plat.reserved[0], 0x48000000, 0x10000);
	assert_range(plat.reserved[1], 0x7e000000, 0x200000);
	assert_range(plat.reserved[2], 0x50000000, 0x1000);
	assert_range(plat.reserved[3], 0x50010000, 0x2000);
	assert_int_equal(pa_addr(plat.uart.base), 0x9000000); /* via the serial0 alias */
	assert_int_equal(plat.psci, FW_CONDUIT_HVC);
	assert_string_equal(plat.bootargs, "console=hvc0 skiff.selftest=none");
}

static void test_boot_modules(void **state)
{
	(void)state;
	assert_null(parse("virt-modules"));
	assert_string_equal(plat.bootargs, "skiff.log=debug");
	assert_int_equal(plat.nmodules, 2); /* not-a-module is not "multiboot,module" */
	assert_range(plat.modules[0].range, 0x48000000, 0x1a3000);
	assert_string_equal(plat.modules[0].compatible, "multiboot,kernel");
	assert_string_equal(plat.modules[0].args, "console=ttyAMA0 root=/dev/vda");
	assert_range(plat.modules[1].range, 0x4a000000, 0x800000);
	assert_string_equal(plat.modules[1].compatible, "multiboot,ramdisk");
	assert_string_equal(plat.modules[1].args, "");
	assert_int_equal(plat.psci, FW_CONDUIT_HVC);
}

static void test_qemu_guest_loader_modules(void **state)
{
	(void)state;
	assert_null(parse("virt-guest-loader"));
	assert_int_equal(plat.nmodules, 2);
	assert_range(plat.modules[0].range, 0x49000000, 0x1388);
	assert_string_equal(plat.modules[0].args, "");
	assert_range(plat.modules[1].range, 0x48000000, 0x1388);
	assert_string_equal(plat.modules[1].args, "console=hvc0");
}

/* Each malformed tree, and words its error sentence must contain. */
static const struct {
	const char *dtb;
	const char *words[2];
} malformed[] = {
	{ "bad-no-memory", { "memory", "reg" } },
	{ "bad-reg-length", { "memory", "reg" } },
	{ "bad-too-much-memory", { "more than 8 memory ranges" } },
	{ "bad-memory-wraps", { "memory range", "wraps" } },
	{ "bad-no-cpus", { "/cpus" } },
	{ "bad-cpus-empty", { "no CPU" } },
	{ "bad-no-timer", { "timer" } },
	{ "bad-timer-irqs", { "timer", "fewer than 4" } },
	{ "bad-timer-irqs-l1", { "timer", "fewer than 4" } },
	{ "bad-l1-intc-no-reg", { "BCM2836", "reg" } },
	{ "bad-gicv3-one-reg", { "GICv3", "redistributor" } },
	{ "bad-no-uart", { "console UART" } },
	{ "bad-uart-unmapped", { "console UART", "reg" } },
	{ "bad-module-reg", { "module", "reg" } },
	{ "bad-virtio-reg", { "virtio,mmio", "reg" } },
};

static void assert_error(const char *err, const char *const *words, unsigned nwords)
{
	if (!err)
		fail_msg("parsed, but should have failed");
	for (unsigned i = 0; i < nwords && words[i]; i++)
		if (!strstr(err, words[i]))
			fail_msg("error \"%s\" does not mention \"%s\"", err, words[i]);
}

static void test_malformed_trees(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(malformed); i++) {
		const char *err = parse(malformed[i].dtb);
		print_message("    %-20s -> %s\n", malformed[i].dtb, err ? err : "(parsed)");
		assert_error(err, malformed[i].words, ARRAY_SIZE(malformed[i].words));
	}
}

static void test_null_and_bad_magic(void **state)
{
	size_t size;
	uint8_t *fdt = load_dtb("virt-gicv3", 0, &size);
	const char *const words[] = { "header", "FDT_ERR_BADMAGIC" };

	(void)state;
	assert_error(platform_parse_fdt(&plat, NULL, 0), (const char *const[]){ "no DTB" }, 1);
	fdt[0] ^= 0xff;
	assert_error(platform_parse_fdt(&plat, fdt, size), words, 2);
}

static void test_unsupported_version(void **state)
{
	size_t size;
	void *fdt = load_dtb("virt-gicv3", 0, &size);

	(void)state;
	fdt_set_last_comp_version(fdt, 0x20); /* a version from the future, incompatible */
	assert_error(platform_parse_fdt(&plat, fdt, size),
		     (const char *const[]){ "header", "FDT_ERR_BADVERSION" }, 2);
}

static void test_truncated(void **state)
{
	size_t size;
	const void *whole = load_dtb("virt-gicv3", 0, &size);
	void *cut = test_buf(size - 64);

	(void)state;
	/* The header says more bytes than the loader's memory holds. */
	memcpy(cut, whole, size - 64);
	assert_error(platform_parse_fdt(&plat, cut, size - 64),
		     (const char *const[]){ "bytes, over the", "limit" }, 2);
	/* Exactly the right size is fine. */
	assert_null(platform_parse_fdt(&plat, whole, size));
}

static void test_smaller_than_header(void **state)
{
	size_t size;
	const void *whole = load_dtb("virt-gicv3", 0, &size);
	void *cut = test_buf(16);

	(void)state;
	/* A valid magic in the first bytes; the header's other fields lie past the end. */
	memcpy(cut, whole, 16);
	assert_error(platform_parse_fdt(&plat, cut, 16), (const char *const[]){ "cut short" }, 1);
}

static void test_totalsize_smaller_than_blocks(void **state)
{
	size_t size;
	void *fdt = load_dtb("virt-gicv3", 0, &size);

	(void)state;
	fdt_set_totalsize(fdt, fdt_off_dt_strings(fdt)); /* the strings block now lies outside */
	assert_non_null(platform_parse_fdt(&plat, fdt, size));
}

static void test_corrupt_struct_block(void **state)
{
	size_t size;
	uint8_t *fdt = load_dtb("virt-gicv3", 0, &size);
	fdt32_t *first_tag = (fdt32_t *)(fdt + fdt_off_dt_struct(fdt));

	(void)state;
	*first_tag = cpu_to_fdt32(0x0badf00d); /* not FDT_BEGIN_NODE */
	assert_error(platform_parse_fdt(&plat, fdt, size), (const char *const[]){ "corrupt" }, 1);
}

static void test_property_name_outside_strings(void **state)
{
	size_t size;
	uint8_t *fdt = load_dtb("virt-gicv3", 0, &size);
	int off = fdt_first_property_offset(fdt, 0);
	struct fdt_property *prop;

	(void)state;
	assert_true(off >= 0);
	prop = (struct fdt_property *)(fdt + fdt_off_dt_struct(fdt) + off);
	prop->nameoff = cpu_to_fdt32(fdt_size_dt_strings(fdt) + 100);
	assert_error(platform_parse_fdt(&plat, fdt, size), (const char *const[]){ "corrupt" }, 1);
}

/* A DTB edited with libfdt: @fn changes it in a buffer with room to grow. */
static const char *parse_edited(const char *name, void (*fn)(void *fdt))
{
	size_t size;
	void *fdt = load_dtb(name, 4096, &size);

	assert_int_equal(fdt_open_into(fdt, fdt, (int)size + 4096), 0);
	fn(fdt);
	assert_int_equal(fdt_pack(fdt), 0);
	return platform_parse_fdt(&plat, fdt, fdt_totalsize(fdt));
}

static void huge_bus_cells(void *fdt)
{
	assert_int_equal(
		fdt_setprop_u32(fdt, fdt_path_offset(fdt, "/soc"), "#address-cells", 0x40000000),
		0);
}

static void three_bus_cells(void *fdt)
{
	assert_int_equal(fdt_setprop_u32(fdt, fdt_path_offset(fdt, "/soc"), "#address-cells", 3),
			 0);
}

static void stdout_nowhere(void *fdt)
{
	assert_int_equal(fdt_setprop_string(fdt, fdt_path_offset(fdt, "/chosen"), "stdout-path",
					    "/no-such-node:115200"),
			 0);
}

static void test_absurd_cells_on_an_outer_bus(void **state)
{
	(void)state;
	/* /soc's cells are read only while translating through it, for the UART one bus down. */
	assert_error(parse_edited("nested-bus", huge_bus_cells),
		     (const char *const[]){ "console UART", "reg" }, 2);
	assert_error(parse_edited("nested-bus", three_bus_cells),
		     (const char *const[]){ "console UART", "reg" }, 2);
}

static void test_stdout_path_to_nowhere_falls_back_to_pl011(void **state)
{
	(void)state;
	assert_null(parse_edited("virt-gicv3", stdout_nowhere));
	assert_int_equal(pa_addr(plat.uart.base), 0x9000000);
}

/*
 * A real Pi 4 DTB, named by SKIFF_PI4_DTB (Debian's bcm2711-rpi-4-b.dtb, which the rpi4 SD card
 * gives the firmware; tests/qemu/test_rpi_images.py sets it), else skipped. It ships with
 * memory reg = <0 0 0>: the firmware fills that in, as done here for a 4 GiB board.
 */
static void fill_pi4_memory(void *fdt)
{
	const fdt32_t reg[] = {
		cpu_to_fdt32(0), cpu_to_fdt32(0),          cpu_to_fdt32(0x3b400000),
		cpu_to_fdt32(0), cpu_to_fdt32(0x40000000), cpu_to_fdt32(0xbc000000)
	};

	assert_int_equal(
		fdt_setprop(fdt, fdt_path_offset(fdt, "/memory@0"), "reg", reg, sizeof(reg)), 0);
}

static void test_debian_pi4_dtb(void **state)
{
	const char *path = getenv("SKIFF_PI4_DTB");
	FILE *f = path ? fopen(path, "rb") : NULL;
	static char blob[256 * 1024];
	size_t n;

	(void)state;
	if (!path)
		skip();
	assert_non_null(f);
	n = fread(blob, 1, sizeof(blob) - 8192, f);
	fclose(f);
	assert_int_equal(fdt_open_into(blob, blob, (int)n + 8192), 0);
	fill_pi4_memory(blob);
	assert_null(platform_parse_fdt(&plat, blob, sizeof(blob)));
	assert_string_equal(plat.compatible, "raspberrypi,4-model-b");
	assert_int_equal(plat.nram, 2);
	assert_range(plat.ram[1], 0x40000000, 0xbc000000);
	/* The firmware's stub keeps its spin tables in the first page. */
	assert_int_equal(plat.nreserved, 1);
	assert_range(plat.reserved[0], 0, 0x1000);
	/* stdout-path "serial1:115200n8" -> the mini UART through /soc's ranges. */
	assert_string_equal(plat.uart.compatible, "brcm,bcm2835-aux-uart");
	assert_int_equal(pa_addr(plat.uart.base), 0xfe215040);
	/* A GIC-400 wins over the BCM2836-style local controller the tree lists too. */
	assert_int_equal(plat.gic.kind, IRQCHIP_GICV2);
	assert_int_equal(pa_addr(plat.gic.dist), 0xff841000);
	assert_int_equal(pa_addr(plat.gic.cpuif), 0xff842000);
	assert_int_equal(pa_addr(plat.gic.hyp), 0xff844000);
	assert_int_equal(pa_addr(plat.gic.vcpu), 0xff846000);
	assert_int_equal(plat.gic.maint_intid, 25);
	assert_int_equal(plat.timer.hyp_phys, 26);
	assert_int_equal(plat.timer.virt, 27);
	assert_int_equal(plat.psci, FW_CONDUIT_NONE); /* spin tables */
	assert_int_equal(plat.ncpus, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_qemu_virt_gicv3),
		TEST(test_pi4_like_gicv2_four_regions_behind_ranges),
		TEST(test_pi3_like_soc_ranges),
		TEST(test_rpi3_board_dt),
		TEST(test_modules_with_chosen_cells),
		TEST(test_two_levels_of_ranges),
		TEST(test_virtio_mmio_transports),
		TEST(test_reserved_memory_and_memreserve),
		TEST(test_boot_modules),
		TEST(test_qemu_guest_loader_modules),
		TEST(test_malformed_trees),
		TEST(test_null_and_bad_magic),
		TEST(test_unsupported_version),
		TEST(test_truncated),
		TEST(test_smaller_than_header),
		TEST(test_totalsize_smaller_than_blocks),
		TEST(test_corrupt_struct_block),
		TEST(test_property_name_outside_strings),
		TEST(test_absurd_cells_on_an_outer_bus),
		TEST(test_stdout_path_to_nowhere_falls_back_to_pl011),
		TEST(test_debian_pi4_dtb),
	};

	return cmocka_run_group_tests_name("fdt", tests, NULL, NULL);
}
