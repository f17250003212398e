/**
 * hyp/loader.c on images built here: ELF64 AArch64 executables (System V gABI, AArch64 ELF ABI)
 * and raw arm64 Images (Linux booting.rst). A good image lands where its headers say; a bad one
 * is rejected with its exact sentence. Each image sits in a buffer that ends at an inaccessible
 * page, so reading past the file faults; the guest RAM has guard bytes on both sides, checked
 * after every load, so writing outside it is caught.
 */
#include "support.h"

#include <skiff/loader.h>

#define RAM_IPA 0x40000000UL
#define RAM_SIZE KiB(64)
#define GUARD KiB(4)
#define FILE_MAX KiB(16)

#define ET_REL 1
#define ET_EXEC 2
#define ET_DYN 3
#define EM_X86_64 62
#define EM_AARCH64 183
#define PT_LOAD 1
#define PT_NOTE 4

/* The ELF64 layouts (gABI "ELF Header", "Program Header"). */
struct ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

_Static_assert(sizeof(struct ehdr) == 64, "ELF64 header is 64 bytes");
_Static_assert(sizeof(struct phdr) == 56, "ELF64 program header is 56 bytes");

static uint8_t file[FILE_MAX] __attribute__((aligned(8)));
static size_t file_size;
static uint8_t *guarded; /* GUARD bytes, the RAM, GUARD bytes */
static uint8_t *ram;
static uint64_t entry;

static int setup(void **state)
{
	test_setup(state);
	guarded = test_ram(GUARD + RAM_SIZE + GUARD, PAGE_SIZE);
	ram = guarded + GUARD;
	memset(guarded, 0x5c, GUARD);
	memset(ram, 0xa5, RAM_SIZE);
	memset(ram + RAM_SIZE, 0x5c, GUARD);
	memset(file, 0, sizeof(file));
	entry = 0;
	return 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, test_teardown)

static struct ehdr *eh(void)
{
	return (struct ehdr *)file;
}

static struct phdr *ph(unsigned i)
{
	return (struct phdr *)(file + sizeof(struct ehdr) + i * sizeof(struct phdr));
}

/* An AArch64 executable header with @nph program headers right after it, all PT_NULL. */
static void elf_begin(unsigned nph)
{
	static const uint8_t ident[16] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };

	memcpy(eh()->ident, ident, sizeof(ident));
	eh()->type = ET_EXEC;
	eh()->machine = EM_AARCH64;
	eh()->version = 1;
	eh()->entry = RAM_IPA + 0x1000;
	eh()->phoff = sizeof(struct ehdr);
	eh()->ehsize = sizeof(struct ehdr);
	eh()->phentsize = sizeof(struct phdr);
	eh()->phnum = (uint16_t)nph;
	file_size = sizeof(struct ehdr) + nph * sizeof(struct phdr);
}

/* The byte at offset @k of segment @i's file data. */
static uint8_t seg_byte(unsigned i, uint64_t k)
{
	return (uint8_t)(0x11 * (i + 1) + k * 7);
}

/* Program header @i: PT_LOAD of @filesz bytes appended to the file, @memsz at @paddr. */
static void elf_segment(unsigned i, uint64_t paddr, uint64_t filesz, uint64_t memsz)
{
	file_size = ALIGN_UP(file_size, 16);
	assert_true(file_size + filesz <= FILE_MAX);
	for (uint64_t k = 0; k < filesz; k++)
		file[file_size + k] = seg_byte(i, k);
	*ph(i) = (struct phdr){ .type = PT_LOAD,
				.flags = 5,
				.offset = file_size,
				.vaddr = paddr + 0x1000000, /* ignored: placed by paddr */
				.paddr = paddr,
				.filesz = filesz,
				.memsz = memsz,
				.align = 16 };
	file_size += filesz;
}

static void assert_guards_intact(void)
{
	for (size_t i = 0; i < GUARD; i++)
		if (guarded[i] != 0x5c || ram[RAM_SIZE + i] != 0x5c)
			fail_msg("the loader wrote outside the RAM: byte %zu of a guard", i);
}

/* The loader's sink: guest RAM is the test's buffer; anything outside it is a loader bug. */
static bool ram_write(void *ctx, uint64_t off, const void *src, size_t n)
{
	(void)ctx;
	if (off > RAM_SIZE || n > RAM_SIZE - off)
		fail_msg("the loader wrote outside the RAM: %zu bytes at offset 0x%lx", n, off);
	if (src)
		memcpy(ram + off, src, n);
	else
		memset(ram + off, 0, n);
	return true;
}

static const struct loader_sink sink = { .write = ram_write };

/* Loads the first @size bytes of the file, from a buffer ending at an inaccessible page. */
static const char *load_n(size_t size)
{
	void *img = test_buf(size);
	const char *err;

	memcpy(img, file, size);
	err = loader_load(img, size, &sink, RAM_IPA, RAM_SIZE, &entry);
	assert_guards_intact();
	return err;
}

static const char *load(void)
{
	return load_n(file_size);
}

static void assert_ram_untouched(size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (ram[i] != 0xa5)
			fail_msg("RAM byte 0x%zx changed to 0x%x", i, ram[i]);
}

#define assert_rejected(want)                                        \
	do {                                                         \
		const char *err_ = load();                           \
		if (!err_)                                           \
			fail_msg("accepted, expected \"%s\"", want); \
		assert_string_equal(err_, want);                     \
	} while (0)

#define BAD_MAGIC "not an ELF executable nor an arm64 Image (bad magic)"
#define NOT_64LE "ELF is not 64-bit little-endian"
#define NOT_EXEC "ELF is not an AArch64 executable"
#define BAD_PHTAB "ELF program header table is malformed"
#define PH_OUTSIDE "ELF program headers lie outside the file"
#define SEG_OUTSIDE "ELF segment data lies outside the file"
#define SEG_FILESZ "ELF segment has more file bytes than memory bytes"
#define SEG_NOFIT "ELF segment does not fit in the VM's RAM"
#define BAD_ENTRY "ELF entry point is outside the VM's RAM"

static void test_elf_segments_land_where_paddr_says(void **state)
{
	(void)state;
	elf_begin(3);
	elf_segment(0, RAM_IPA + 0x1000, 0x300, 0x300);
	*ph(1) = (struct phdr){ .type = PT_NOTE, .offset = ~0ULL - 0xff, .filesz = 0x1000 };
	elf_segment(2, RAM_IPA + 0x4000, 0x100, 0x2100); /* 8 KiB of bss */
	eh()->entry = RAM_IPA + 0x1040;
	assert_null(load());
	assert_int_equal(entry, RAM_IPA + 0x1040);
	for (uint64_t k = 0; k < 0x300; k++)
		assert_int_equal(ram[0x1000 + k], seg_byte(0, k));
	for (uint64_t k = 0; k < 0x100; k++)
		assert_int_equal(ram[0x4000 + k], seg_byte(2, k));
	for (uint64_t k = 0x100; k < 0x2100; k++)
		assert_int_equal(ram[0x4000 + k], 0); /* memsz > filesz: zero-filled */
	assert_ram_untouched(0, 0x1000);
	assert_ram_untouched(0x1300, 0x4000);
	assert_ram_untouched(0x6100, RAM_SIZE);
}

static void test_elf_fills_ram_to_the_last_byte(void **state)
{
	(void)state;
	elf_begin(2);
	elf_segment(0, RAM_IPA, 0x10, 0x10);
	elf_segment(1, RAM_IPA + RAM_SIZE - 0x100, 0x80, 0x100);
	eh()->entry = RAM_IPA + RAM_SIZE - 4;
	assert_null(load());
	assert_int_equal(entry, RAM_IPA + RAM_SIZE - 4);
	assert_int_equal(ram[0], seg_byte(0, 0));
	assert_int_equal(ram[RAM_SIZE - 0x100], seg_byte(1, 0));
	assert_int_equal(ram[RAM_SIZE - 1], 0);
}

static void test_bad_magic(void **state)
{
	(void)state;
	elf_begin(1);
	elf_segment(0, RAM_IPA, 0x10, 0x10);
	file[0] = 0x7e;
	assert_rejected(BAD_MAGIC);
	file[0] = 0x7f;
	file[3] = 'f';
	assert_rejected(BAD_MAGIC);
	for (size_t n = 0; n < 4; n++) /* too short to hold any magic */
		assert_string_equal(load_n(n), BAD_MAGIC);
	memset(file, 0, 64);
	assert_string_equal(load_n(64), BAD_MAGIC);
	assert_ram_untouched(0, RAM_SIZE);
}

static void test_elf_shorter_than_header(void **state)
{
	(void)state;
	elf_begin(0);
	assert_string_equal(load_n(4), "ELF is shorter than its header");
	assert_string_equal(load_n(63), "ELF is shorter than its header");
}

static void test_elf_class_and_byte_order(void **state)
{
	(void)state;
	elf_begin(1);
	elf_segment(0, RAM_IPA, 0x10, 0x10);
	eh()->ident[4] = 1; /* ELFCLASS32 */
	assert_rejected(NOT_64LE);
	eh()->ident[4] = 0;
	assert_rejected(NOT_64LE);
	eh()->ident[4] = 2;
	eh()->ident[5] = 2; /* ELFDATA2MSB */
	assert_rejected(NOT_64LE);
	eh()->ident[5] = 1;
	assert_null(load());
}

static void test_elf_type_and_machine(void **state)
{
	(void)state;
	elf_begin(1);
	elf_segment(0, RAM_IPA, 0x10, 0x10);
	eh()->machine = EM_X86_64;
	assert_rejected(NOT_EXEC);
	eh()->machine = EM_AARCH64;
	eh()->type = ET_DYN;
	assert_rejected(NOT_EXEC);
	eh()->type = ET_REL;
	assert_rejected(NOT_EXEC);
	assert_ram_untouched(0, RAM_SIZE);
}

static void test_elf_program_header_table(void **state)
{
	(void)state;
	elf_begin(1);
	elf_segment(0, RAM_IPA, 0x10, 0x10);
	eh()->phentsize = 32;
	assert_rejected(BAD_PHTAB);
	eh()->phentsize = 64; /* bigger entries are legal ELF, but not ours */
	assert_rejected(BAD_PHTAB);
	eh()->phentsize = sizeof(struct phdr);
	eh()->phnum = 0;
	assert_rejected(BAD_PHTAB);
	eh()->phnum = 65;
	assert_rejected(BAD_PHTAB);
	eh()->phnum = 1;
	assert_null(load());
}

static void test_elf_program_headers_outside_file(void **state)
{
	(void)state;
	elf_begin(1);
	elf_segment(0, RAM_IPA, 0x10, 0x10);
	eh()->phoff = file_size;
	assert_rejected(PH_OUTSIDE);
	eh()->phoff = file_size - sizeof(struct phdr) + 1; /* one byte short */
	assert_rejected(PH_OUTSIDE);
	eh()->phoff = ~0ULL - sizeof(struct phdr) + 1; /* + 56 wraps to 0 */
	assert_rejected(PH_OUTSIDE);
	eh()->phnum = 60; /* the table would run far past the end */
	eh()->phoff = sizeof(struct ehdr);
	assert_rejected(PH_OUTSIDE);
	assert_ram_untouched(0, RAM_SIZE);
}

static void test_elf_segment_data_outside_file(void **state)
{
	(void)state;
	elf_begin(1);
	elf_segment(0, RAM_IPA, 0x20, 0x20);
	ph(0)->offset = file_size - 0x10;
	assert_rejected(SEG_OUTSIDE);
	ph(0)->offset = 0xffffffffffffff00; /* + 0x200 wraps to 0x100, inside the file */
	ph(0)->filesz = 0x200;
	ph(0)->memsz = 0x200;
	assert_rejected(SEG_OUTSIDE);
	ph(0)->offset = 0x40;
	ph(0)->filesz = ~0ULL;
	ph(0)->memsz = ~0ULL;
	assert_rejected(SEG_OUTSIDE);
	assert_ram_untouched(0, RAM_SIZE);
}

static void test_elf_filesz_over_memsz(void **state)
{
	(void)state;
	elf_begin(1);
	elf_segment(0, RAM_IPA, 0x200, 0x100);
	assert_rejected(SEG_FILESZ);
	assert_ram_untouched(0, RAM_SIZE);
}

static void test_elf_segment_outside_ram(void **state)
{
	static const struct {
		uint64_t paddr, memsz;
	} bad[] = {
		{ RAM_IPA - 0x1000, 0x100 },                   /* below the base */
		{ RAM_IPA - 0x10, 0x100 },                     /* straddles the base */
		{ RAM_IPA + RAM_SIZE - 0x100, 0x101 },         /* crosses the end */
		{ RAM_IPA + RAM_SIZE, 0x10 },                  /* just above */
		{ RAM_IPA + 0x1000, 0ULL - 0x1000 },           /* paddr + memsz wraps to the base */
		{ 0xfffffffffffff000, 0x2000 },                /* wraps to low addresses */
		{ 0, 0x10 },                                   /* IPA 0 */
		{ RAM_IPA + 0x1000, RAM_SIZE },                /* fits the base, too long */
		{ RAM_IPA - RAM_SIZE, 2 * RAM_SIZE + 0x1000 }, /* covers all of RAM and more */
	};

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		/* A good segment first: nothing may be copied when a later one is bad. */
		elf_begin(2);
		elf_segment(0, RAM_IPA + 0x2000, 0x40, 0x40);
		elf_segment(1, bad[i].paddr, 0x10, bad[i].memsz);
		if (strcmp(load() ?: "(accepted)", SEG_NOFIT))
			fail_msg("segment %u at 0x%lx + 0x%lx: not rejected as outside RAM", i,
				 bad[i].paddr, bad[i].memsz);
		assert_ram_untouched(0, RAM_SIZE);
	}
}

static void test_elf_entry_outside_ram(void **state)
{
	static const uint64_t bad[] = { RAM_IPA - 4, RAM_IPA + RAM_SIZE, 0, ~0ULL - 3 };

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		elf_begin(1);
		elf_segment(0, RAM_IPA, 0x40, 0x40);
		eh()->entry = bad[i];
		assert_rejected(BAD_ENTRY);
		assert_ram_untouched(0, RAM_SIZE); /* checked before anything is copied */
	}
}

/* A raw arm64 Image of @size bytes with the given header fields. */
static void image(size_t size, uint64_t text_offset, uint64_t image_size)
{
	uint32_t magic = 0x644d5241; /* "ARM\x64", booting.rst */

	assert_true(size >= 64 && size <= FILE_MAX);
	for (size_t k = 64; k < size; k++)
		file[k] = (uint8_t)(k * 3);
	file[0] = 0x4d; /* "MZ": the EFI stub's code0 */
	file[1] = 0x5a;
	memcpy(file + 8, &text_offset, 8);
	memcpy(file + 16, &image_size, 8);
	memcpy(file + 56, &magic, 4);
	file_size = size;
}

static void test_image_loads_at_text_offset(void **state)
{
	(void)state;
	image(0x1800, 0x2000, 0x3000);
	assert_null(load());
	assert_int_equal(entry, RAM_IPA + 0x2000);
	assert_memory_equal(ram + 0x2000, file, 0x1800);
	assert_ram_untouched(0, 0x2000);
	assert_ram_untouched(0x3800, RAM_SIZE);
}

static void test_image_size_zero_means_file_size(void **state)
{
	(void)state;
	image(0x1000, RAM_SIZE - 0x1000, 0); /* fits exactly at the end */
	assert_null(load());
	assert_int_equal(entry, RAM_IPA + RAM_SIZE - 0x1000);
	assert_memory_equal(ram + RAM_SIZE - 0x1000, file, 0x1000);
}

static void test_image_rejections(void **state)
{
	(void)state;
	image(0x1000, 0, 0xfff);
	assert_rejected("arm64 Image is larger than its header's image_size");
	image(0x1000, RAM_SIZE - 0x800, 0x1000);
	assert_rejected("arm64 Image does not fit in the VM's RAM");
	image(0x1000, 0, RAM_SIZE + PAGE_SIZE); /* the file fits; what it will use does not */
	assert_rejected("arm64 Image does not fit in the VM's RAM");
	image(0x1000, 0xfffffffffffff000, 0x2000); /* text_offset + image_size wraps */
	assert_rejected("arm64 Image does not fit in the VM's RAM");
	image(0x1000, 0x1000, 0xffffffffffffff00);
	assert_rejected("arm64 Image does not fit in the VM's RAM");
	assert_ram_untouched(0, RAM_SIZE);
	/* Shorter than its header: the magic cannot be there. */
	image(0x1000, 0, 0);
	assert_string_equal(load_n(60), BAD_MAGIC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_elf_segments_land_where_paddr_says),
		T(test_elf_fills_ram_to_the_last_byte),
		T(test_bad_magic),
		T(test_elf_shorter_than_header),
		T(test_elf_class_and_byte_order),
		T(test_elf_type_and_machine),
		T(test_elf_program_header_table),
		T(test_elf_program_headers_outside_file),
		T(test_elf_segment_data_outside_file),
		T(test_elf_filesz_over_memsz),
		T(test_elf_segment_outside_ram),
		T(test_elf_entry_outside_ram),
		T(test_image_loads_at_text_offset),
		T(test_image_size_zero_means_file_size),
		T(test_image_rejections),
	};

	return cmocka_run_group_tests_name("loader", tests, NULL, NULL);
}
