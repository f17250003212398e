/** Guest image loading: ELF64 AArch64 executables and raw arm64 Images, checked before use. */
#ifndef SKIFF_LOADER_H
#define SKIFF_LOADER_H

#include <skiff/addr.h>
#include <skiff/types.h>

/**
 * Where the image goes: write(ctx, off, src, n) stores @n bytes of @src (zeros if @src is NULL)
 * at byte @off of guest RAM, already checked to lie inside it; false if memory ran out.
 */
struct loader_sink {
	bool (*write)(void *ctx, uint64_t off, const void *src, size_t n);
	void *ctx;
};

/**
 * Copies the image in [img, img+size) into guest RAM through @ram; the guest sees RAM at IPA
 * @ram_ipa, @ram_size bytes of which the image may use. Everything is checked before anything is
 * written. On success returns NULL and the entry IPA in *@entry; else a sentence saying what is
 * wrong with the image (or that memory ran out while writing it).
 */
const char *loader_load(const void *img, size_t size, const struct loader_sink *ram,
			uint64_t ram_ipa, uint64_t ram_size, uint64_t *entry);

#endif
