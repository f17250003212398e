/**
 * Bitmap frame allocator (see frame.h). First fit from a rotating hint per region; contiguous runs
 * with alignment for stage-2 blocks and stacks.
 */
#include <skiff/frame.h>
#include <skiff/mm.h>
#include <skiff/panic.h>
#include <skiff/string.h>

static bool bit_test(const uint64_t *bm, uint64_t i)
{
	return bm[i / 64] & (1ULL << (i % 64));
}

static void bits_set(uint64_t *bm, uint64_t from, uint64_t n, bool used)
{
	for (uint64_t i = from; i < from + n; i++) {
		if (used)
			bm[i / 64] |= 1ULL << (i % 64);
		else
			bm[i / 64] &= ~(1ULL << (i % 64));
	}
}

static uint64_t bitmap_bytes(uint64_t nframes)
{
	return ALIGN_UP(nframes, 64) / 8;
}

/* Marks the frames of @r that overlap [b, e) as used; returns how many were newly marked. */
static uint64_t region_reserve(struct frame_region *r, uint64_t b, uint64_t e)
{
	uint64_t rb = pa_addr(r->base), re = rb + r->nframes * PAGE_SIZE, n = 0;

	b = MAX(ALIGN_DOWN(b, PAGE_SIZE), rb);
	e = MIN(ALIGN_UP(e, PAGE_SIZE), re);
	for (uint64_t a = b; a < e; a += PAGE_SIZE) {
		uint64_t i = (a - rb) / PAGE_SIZE;
		if (!bit_test(r->bitmap, i)) {
			bits_set(r->bitmap, i, 1, true);
			n++;
		}
	}
	return n;
}

static bool overlaps(uint64_t b1, uint64_t e1, uint64_t b2, uint64_t e2)
{
	return b1 < e2 && b2 < e1;
}

/* Finds room for @bytes of bitmaps in RAM outside every reserved range. */
static bool place_meta(struct frame_pool *fp, const struct pa_range *ram, unsigned nram,
		       const struct pa_range *res, unsigned nres, uint64_t bytes)
{
	bytes = ALIGN_UP(bytes, PAGE_SIZE);
	for (unsigned i = 0; i < nram; i++) {
		uint64_t a = ALIGN_UP(pa_addr(ram[i].begin), PAGE_SIZE);
		uint64_t end = ALIGN_DOWN(pa_addr(ram[i].end), PAGE_SIZE);
		for (unsigned j = 0; a + bytes <= end && j < nres; j++) {
			uint64_t rb = pa_addr(res[j].begin), re = pa_addr(res[j].end);
			if (overlaps(a, a + bytes, rb, re)) {
				a = ALIGN_UP(re, PAGE_SIZE);
				j = (unsigned)-1; /* recheck every range from the start */
			}
		}
		if (a + bytes <= end) {
			fp->meta = (struct pa_range){ pa_init(a), pa_init(a + bytes) };
			return true;
		}
	}
	return false;
}

static void setup_regions(struct frame_pool *fp, const struct pa_range *ram, unsigned nram)
{
	uint64_t *bm = pa_to_ptr(fp->meta.begin);

	for (unsigned i = 0; i < nram; i++) {
		struct frame_region *r = &fp->regions[fp->nregions++];
		uint64_t b = ALIGN_UP(pa_addr(ram[i].begin), PAGE_SIZE);
		uint64_t e = ALIGN_DOWN(pa_addr(ram[i].end), PAGE_SIZE);
		r->base = pa_init(b);
		r->nframes = e > b ? (e - b) / PAGE_SIZE : 0;
		r->bitmap = bm;
		memset(bm, 0, bitmap_bytes(r->nframes));
		bm += bitmap_bytes(r->nframes) / 8;
		fp->total += r->nframes;
	}
}

const char *frame_pool_init(struct frame_pool *fp, const struct pa_range *ram, unsigned nram,
			    const struct pa_range *reserved, unsigned nreserved)
{
	uint64_t meta = 0, used = 0;

	memset(fp, 0, sizeof(*fp));
	if (nram == 0)
		return "no RAM ranges to manage";
	if (nram > FRAME_MAX_REGIONS)
		return "more RAM ranges than the frame allocator handles";
	for (unsigned i = 0; i < nram; i++)
		meta += bitmap_bytes(pa_range_size(ram[i]) / PAGE_SIZE + 1);
	if (!place_meta(fp, ram, nram, reserved, nreserved, meta))
		return "no free RAM left for the frame allocator's bitmaps";
	setup_regions(fp, ram, nram);
	for (unsigned i = 0; i < fp->nregions; i++) {
		struct frame_region *r = &fp->regions[i];
		for (unsigned j = 0; j < nreserved; j++)
			used += region_reserve(r, pa_addr(reserved[j].begin),
					       pa_addr(reserved[j].end));
		used += region_reserve(r, pa_addr(fp->meta.begin), pa_addr(fp->meta.end));
	}
	fp->free = fp->total - used;
	return NULL;
}

/* First fit of @count frames aligned to @align (frames, relative to physical address 0). */
static bool region_find(struct frame_region *r, uint64_t count, uint64_t align, uint64_t *out)
{
	uint64_t base_frame = pa_addr(r->base) / PAGE_SIZE;

	for (unsigned pass = 0; pass < 2; pass++) {
		uint64_t i = pass ? 0 : r->hint;
		uint64_t stop = pass ? r->hint + count : r->nframes;
		while (i + count <= MIN(stop, r->nframes)) {
			uint64_t mis = (base_frame + i) & (align - 1), run = 0;
			if (mis) {
				i += align - mis;
				continue;
			}
			while (run < count && !bit_test(r->bitmap, i + run))
				run++;
			if (run == count) {
				*out = i;
				return true;
			}
			i += run + 1;
		}
	}
	return false;
}

bool frame_alloc(struct frame_pool *fp, uint64_t count, uint64_t align_frames, paddr_t *out)
{
	uint64_t flags, idx;
	bool ok = false;

	CHECK(count > 0 && align_frames > 0 && (align_frames & (align_frames - 1)) == 0);
	flags = spin_lock_irqsave(&fp->lock);
	for (unsigned i = 0; i < fp->nregions && !ok && fp->free >= count; i++) {
		struct frame_region *r = &fp->regions[i];
		if (region_find(r, count, align_frames, &idx)) {
			bits_set(r->bitmap, idx, count, true);
			r->hint = idx + count < r->nframes ? idx + count : 0;
			fp->free -= count;
			*out = pa_add(r->base, idx * PAGE_SIZE);
			ok = true;
		}
	}
	spin_unlock_irqrestore(&fp->lock, flags);
	return ok;
}

bool frame_alloc_zeroed(struct frame_pool *fp, paddr_t *out)
{
	if (!frame_alloc(fp, 1, 1, out))
		return false;
	memset(pa_to_ptr(*out), 0, PAGE_SIZE);
	return true;
}

static struct frame_region *region_of(struct frame_pool *fp, paddr_t pa)
{
	for (unsigned i = 0; i < fp->nregions; i++) {
		struct frame_region *r = &fp->regions[i];
		if (pa_addr(pa) >= pa_addr(r->base) &&
		    (pa_addr(pa) - pa_addr(r->base)) / PAGE_SIZE < r->nframes)
			return r;
	}
	return NULL;
}

void frame_free(struct frame_pool *fp, paddr_t pa, uint64_t count)
{
	struct frame_region *r = region_of(fp, pa);
	uint64_t flags, idx;

	CHECK(r && IS_ALIGNED(pa_addr(pa), PAGE_SIZE));
	idx = (pa_addr(pa) - pa_addr(r->base)) / PAGE_SIZE;
	CHECK(idx + count <= r->nframes);
	flags = spin_lock_irqsave(&fp->lock);
	for (uint64_t i = idx; i < idx + count; i++)
		CHECK(bit_test(r->bitmap, i));
	bits_set(r->bitmap, idx, count, false);
	fp->free += count;
	spin_unlock_irqrestore(&fp->lock, flags);
}

/* Clears @n allocated bits from @from a word at a time; a bit already clear is a bug. */
static void bits_free(uint64_t *bm, uint64_t from, uint64_t n)
{
	while (n) {
		uint64_t bit = from % 64, k = MIN(n, 64 - bit);
		uint64_t mask = (k == 64 ? ~0ULL : ((1ULL << k) - 1)) << bit;
		CHECK((bm[from / 64] & mask) == mask);
		bm[from / 64] &= ~mask;
		from += k;
		n -= k;
	}
}

void frame_free_many(struct frame_pool *fp, const paddr_t *pas, size_t n)
{
	uint64_t flags = spin_lock_irqsave(&fp->lock);

	for (size_t i = 0, j; i < n; i = j) {
		struct frame_region *r = region_of(fp, pas[i]);
		uint64_t idx;
		/* Runs of consecutive frames (pages allocated in order usually are) go together. */
		for (j = i + 1; j < n && pa_addr(pas[j]) == pa_addr(pas[j - 1]) + PAGE_SIZE; j++)
			;
		CHECK(r && IS_ALIGNED(pa_addr(pas[i]), PAGE_SIZE));
		idx = (pa_addr(pas[i]) - pa_addr(r->base)) / PAGE_SIZE;
		CHECK(idx + (j - i) <= r->nframes);
		bits_free(r->bitmap, idx, j - i);
	}
	fp->free += n;
	spin_unlock_irqrestore(&fp->lock, flags);
}

uint64_t frame_index_slow(const struct frame_pool *fp, paddr_t pa)
{
	uint64_t before = 0;

	for (unsigned i = 0; i < fp->nregions; i++) {
		const struct frame_region *r = &fp->regions[i];
		uint64_t off = pa_addr(pa) - pa_addr(r->base);
		if (pa_addr(pa) >= pa_addr(r->base) && off / PAGE_SIZE < r->nframes)
			return before + off / PAGE_SIZE;
		before += r->nframes;
	}
	panic("frame_index: 0x%lx is not in the frame pool", pa_addr(pa));
}

bool frame_is_allocated(struct frame_pool *fp, paddr_t pa)
{
	struct frame_region *r = region_of(fp, pa);

	return r && bit_test(r->bitmap, (pa_addr(pa) - pa_addr(r->base)) / PAGE_SIZE);
}
