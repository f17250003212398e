/**
 * Guest image loader. Formats: ELF64 little-endian AArch64 ET_EXEC (System V gABI + AArch64 ELF
 * ABI; PT_LOAD segments placed by p_paddr) and the raw arm64 Image (64-byte header, Linux
 * booting.rst). An image is input from outside: every offset and size is checked, wrap-around
 * included, before anything is copied.
 */
#include <skiff/loader.h>
#include <skiff/string.h>

#define EI_NIDENT 16
#define ET_EXEC 2
#define EM_AARCH64 183
#define PT_LOAD 1

struct elf64_ehdr {
	uint8_t ident[EI_NIDENT];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

#define IMAGE_MAGIC 0x644d5241U /* "ARM\x64" at offset 56 */

/* True if [off, off+len) lies within [0, size) without wrapping. */
static bool within(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

static const char *check_ehdr(const struct elf64_ehdr *eh, size_t size)
{
	if (eh->ident[4] != 2 || eh->ident[5] != 1)
		return "ELF is not 64-bit little-endian";
	if (eh->type != ET_EXEC || eh->machine != EM_AARCH64)
		return "ELF is not an AArch64 executable";
	if (eh->phentsize != sizeof(struct elf64_phdr) || eh->phnum == 0 || eh->phnum > 64)
		return "ELF program header table is malformed";
	if (!within(eh->phoff, (uint64_t)eh->phnum * sizeof(struct elf64_phdr), size))
		return "ELF program headers lie outside the file";
	return NULL;
}

static const char *check_segment(const struct elf64_phdr *ph, size_t size, uint64_t ram_ipa,
				 uint64_t ram_size)
{
	if (ph->filesz > ph->memsz)
		return "ELF segment has more file bytes than memory bytes";
	if (!within(ph->offset, ph->filesz, size))
		return "ELF segment data lies outside the file";
	if (ph->paddr < ram_ipa || !within(ph->paddr - ram_ipa, ph->memsz, ram_size))
		return "ELF segment does not fit in the VM's RAM";
	return NULL;
}

#define NO_MEMORY "not enough free memory for its image"

static const char *load_elf(const uint8_t *img, size_t size, const struct loader_sink *ram,
			    uint64_t ram_ipa, uint64_t ram_size, uint64_t *entry)
{
	struct elf64_ehdr eh;
	const char *err;

	if (size < sizeof(eh))
		return "ELF is shorter than its header";
	memcpy(&eh, img, sizeof(eh));
	if ((err = check_ehdr(&eh, size)))
		return err;
	if (eh.entry < ram_ipa || eh.entry - ram_ipa >= ram_size)
		return "ELF entry point is outside the VM's RAM";
	for (unsigned pass = 0; pass < 2; pass++) { /* check all, then copy all */
		for (unsigned i = 0; i < eh.phnum; i++) {
			struct elf64_phdr ph;
			memcpy(&ph, img + eh.phoff + i * sizeof(ph), sizeof(ph));
			if (ph.type != PT_LOAD)
				continue;
			if (pass == 0 && (err = check_segment(&ph, size, ram_ipa, ram_size)))
				return err;
			if (pass == 1 && (!ram->write(ram->ctx, ph.paddr - ram_ipa, img + ph.offset,
						      ph.filesz) ||
					  !ram->write(ram->ctx, ph.paddr - ram_ipa + ph.filesz,
						      NULL, ph.memsz - ph.filesz)))
				return NO_MEMORY;
		}
	}
	*entry = eh.entry;
	return NULL;
}

static const char *load_image(const uint8_t *img, size_t size, const struct loader_sink *ram,
			      uint64_t ram_ipa, uint64_t ram_size, uint64_t *entry)
{
	uint64_t text_offset, image_size;

	memcpy(&text_offset, img + 8, 8);
	memcpy(&image_size, img + 16, 8);
	if (image_size == 0)
		image_size = size;
	if (image_size < size)
		return "arm64 Image is larger than its header's image_size";
	if (!within(text_offset, image_size, ram_size))
		return "arm64 Image does not fit in the VM's RAM";
	if (!ram->write(ram->ctx, text_offset, img, size))
		return NO_MEMORY;
	*entry = ram_ipa + text_offset;
	return NULL;
}

const char *loader_load(const void *img, size_t size, const struct loader_sink *ram,
			uint64_t ram_ipa, uint64_t ram_size, uint64_t *entry)
{
	const uint8_t *b = img;
	uint32_t magic;

	if (size >= 4 && b[0] == 0x7f && b[1] == 'E' && b[2] == 'L' && b[3] == 'F')
		return load_elf(b, size, ram, ram_ipa, ram_size, entry);
	if (size >= 64) {
		memcpy(&magic, b + 56, 4);
		if (magic == IMAGE_MAGIC)
			return load_image(b, size, ram, ram_ipa, ram_size, entry);
	}
	return "not an ELF executable nor an arm64 Image (bad magic)";
}
