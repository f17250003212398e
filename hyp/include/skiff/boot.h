/** The boot sequence (hyp/main.c) and what the arch entry hands it. */
#ifndef SKIFF_BOOT_H
#define SKIFF_BOOT_H

#include <skiff/addr.h>
#include <skiff/types.h>

#define SKIFF_VERSION "0.1.0"

/** Portable boot, called once on the boot CPU by the arch entry with the loader's DTB pointer. */
NORETURN void boot_main(void *fdt);

/** Where the hypervisor image (text to bss end) and its parts lie in physical memory. */
struct image_layout {
	struct pa_range image, text, rodata, data;
};
struct image_layout arch_image_layout(void);

#endif
