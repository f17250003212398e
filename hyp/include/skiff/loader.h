/** Guest image loading: ELF64 AArch64 executables and raw arm64 Images, checked before use. */
#ifndef SKIFF_LOADER_H
#define SKIFF_LOADER_H

#include <skiff/addr.h>
#include <skiff/types.h>

/**
 * Copies the image in [img, img+size) into guest RAM, which the hypervisor sees at @ram and the
 * guest at IPA @ram_ipa, @ram_size bytes of which the image may use. On success returns NULL and
 * the entry IPA in *@entry; else a sentence saying what is wrong with the image.
 */
const char *loader_load(const void *img, size_t size, void *ram, uint64_t ram_ipa,
			uint64_t ram_size, uint64_t *entry);

#endif
