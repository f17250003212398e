/**
 * Hypervisor memory: which physical memory is free, and the EL2 stage-1 identity map.
 * Image text is read-only executable, rodata read-only, data/bss and the rest of RAM read-write
 * non-executable (SCTLR_EL2.WXN enforces W^X), devices Device-nGnRE.
 */
#include <skiff/arch_mm.h>
#include <skiff/boot.h>
#include <skiff/mem.h>

struct frame_pool frames;
struct pgtable el2_pt;

static void add_range(struct pa_range *list, unsigned *n, unsigned max, uint64_t b, uint64_t e)
{
	if (*n < max && e > b)
		list[(*n)++] = (struct pa_range){ pa_init(b), pa_init(e) };
}

const char *mem_init_frames(const struct platform *p)
{
	struct pa_range res[PLATFORM_MAX_RESERVED + PLATFORM_MAX_MODULES + 2];
	struct image_layout img = arch_image_layout();
	unsigned n = 0;

	add_range(res, &n, ARRAY_SIZE(res), pa_addr(img.image.begin), pa_addr(img.image.end));
	add_range(res, &n, ARRAY_SIZE(res), pa_addr(p->fdt), pa_addr(p->fdt) + p->fdt_size);
	for (unsigned i = 0; i < p->nreserved; i++)
		res[n++] = p->reserved[i];
	for (unsigned i = 0; i < p->nmodules; i++)
		res[n++] = p->modules[i].range;
	return frame_pool_init(&frames, p->ram, p->nram, res, n);
}

static bool map_range(struct pa_range r, mm_mode_t mode)
{
	uint64_t b = ALIGN_DOWN(pa_addr(r.begin), PAGE_SIZE);
	uint64_t e = ALIGN_UP(pa_addr(r.end), PAGE_SIZE);

	return e <= b || pgtable_map(&el2_pt, b, pa_init(b), e - b, mode);
}

static bool map_device(paddr_t base, uint64_t size)
{
	if (!pa_addr(base))
		return true;
	return map_range((struct pa_range){ base, pa_add(base, size ? size : PAGE_SIZE) },
			 MM_R | MM_W | MM_DEVICE);
}

/* virtio-mmio transports sit 0x200 apart, eight to a page: each page is mapped once. */
static bool map_virtio(const struct platform *p)
{
	for (unsigned i = 0; i < p->nvirtio; i++) {
		uint64_t b = ALIGN_DOWN(pa_addr(p->virtio[i].base), PAGE_SIZE);
		uint64_t e = ALIGN_UP(pa_addr(p->virtio[i].base) + p->virtio[i].size, PAGE_SIZE);

		for (; b < e; b += PAGE_SIZE) {
			paddr_t pa;
			mm_mode_t mode;
			if (!pgtable_lookup(&el2_pt, b, &pa, &mode) &&
			    !pgtable_map(&el2_pt, b, pa_init(b), PAGE_SIZE,
					 MM_R | MM_W | MM_DEVICE))
				return false;
		}
	}
	return true;
}

static bool map_devices(const struct platform *p)
{
	const struct platform_gic *g = &p->gic;

	return map_device(p->uart.base, p->uart.size) && map_device(g->dist, g->dist_size) &&
	       map_device(g->redist, g->redist_size) && map_device(g->cpuif, 0x2000) &&
	       map_device(g->hyp, 0x2000) && map_device(g->vcpu, 0x2000) && map_virtio(p);
}

static void invalidate_table(paddr_t table, void *ctx)
{
	(void)ctx;
	arch_dcache_invalidate(va_init((uintptr_t)pa_addr(table)), PAGE_SIZE);
}

/*
 * Everything written so far went to memory uncached (MMU off). Lines for those addresses that a
 * loader left in the caches are stale and would hide our writes once caching is on, so they are
 * invalidated: the image (data, bss, stack), the frame bitmaps and the page tables.
 */
static void invalidate_early_writes(const struct image_layout *img)
{
	arch_dcache_invalidate(va_init((uintptr_t)pa_addr(img->data.begin)),
			       pa_range_size(img->data));
	arch_dcache_invalidate(va_init((uintptr_t)pa_addr(frames.meta.begin)),
			       pa_range_size(frames.meta));
	pgtable_for_each_table(&el2_pt, invalidate_table, NULL);
}

const char *mem_init_mmu(const struct platform *p)
{
	struct image_layout img = arch_image_layout();
	bool ok = pgtable_init(&el2_pt, MM_STAGE_EL2, 0, &frames);

	for (unsigned i = 0; ok && i < p->nram; i++)
		ok = map_range(p->ram[i], MM_R | MM_W);
	ok = ok && map_range(img.text, MM_R | MM_X) && map_range(img.rodata, MM_R) &&
	     map_devices(p);
	if (!ok)
		return "out of memory building the EL2 page tables";
	invalidate_early_writes(&img);
	arch_mm_enable(el2_pt.root);
	return NULL;
}
