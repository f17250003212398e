/**
 * Guest RAM page states (see vmem.h): faults, hypervisor access, balloon release, pins, reset.
 * The sharing scanner is in vmem_scan.c; both keep the shared-frame table here.
 */
#include <skiff/mm.h>
#include <skiff/panic.h>
#include <skiff/pgtable.h>
#include <skiff/string.h>
#include <skiff/vm.h>
#include <skiff/vmem.h>
#include <skiff/vmem_table.h>
#include <skiff-abi/hypercall.h>

#define MODE_RW (MM_R | MM_W | MM_X)
#define MODE_RO (MM_R | MM_X)

#define SOFT_TYPE_MASK ((1UL << VMEM_SOFT_SHIFT) - 1)

struct vmem_global vmem;

static uint64_t ram_base(const struct vm *vm)
{
	return ipa_addr(vm->ram_ipa);
}

static bool in_ram(const struct vm *vm, uint64_t ipa)
{
	return ipa >= ram_base(vm) && ipa - ram_base(vm) < vm->cfg.ram_size;
}

uint64_t vmem_lock_vm(struct vm *vm)
{
	return spin_lock_irqsave(&vm->lock);
}

void vmem_unlock_vm(struct vm *vm, uint64_t flags)
{
	spin_unlock_irqrestore(&vm->lock, flags);
}

static uint64_t lock_table(void)
{
	return spin_lock_irqsave(&vmem.lock);
}

static void unlock_table(uint64_t flags)
{
	spin_unlock_irqrestore(&vmem.lock, flags);
}

struct frame_meta *vmem_meta(paddr_t pa)
{
	return &vmem.meta[frame_index(vmem.fp, pa)];
}

const char *vmem_init(struct frame_pool *fp)
{
	uint64_t meta_bytes = fp->total * sizeof(struct frame_meta), nb = 64;
	paddr_t pa;

	memset(&vmem, 0, sizeof(vmem));
	vmem_scan_init();
	vmem_swap_init();
	vmem.fp = fp;
	while (nb < fp->total / 8)
		nb <<= 1;
	vmem.nbuckets = (uint32_t)nb;
	if (!frame_alloc_zeroed(fp, &vmem.zero))
		return "no frame for the zero page";
	meta_bytes = ALIGN_UP(meta_bytes + nb * sizeof(uint32_t), PAGE_SIZE);
	if (!frame_alloc(fp, meta_bytes / PAGE_SIZE, 1, &pa))
		return "no memory for the per-frame table of guest memory";
	vmem.meta = pa_to_ptr(pa);
	for (uint64_t off = 0; off < meta_bytes; off += PAGE_SIZE)
		arch_page_zero((char *)vmem.meta + off);
	vmem.bucket = (uint32_t *)(vmem.meta + fp->total);
	return NULL;
}

/* ---- The shared-frame table: frames with refs >= 1, chained by content hash ---- */

static uint32_t *bucket_of(uint32_t hash)
{
	return &vmem.bucket[hash & (vmem.nbuckets - 1)];
}

void vmem_table_insert(paddr_t pa, uint32_t hash)
{
	uint64_t idx = frame_index(vmem.fp, pa);
	struct frame_meta *m = &vmem.meta[idx];
	uint32_t *b = bucket_of(hash);

	m->hash = hash;
	m->next = *b;
	*b = (uint32_t)idx + 1;
	vmem.st.shared_frames++;
}

static void table_remove(struct frame_meta *m)
{
	uint32_t *link = bucket_of(m->hash);

	while (&vmem.meta[*link - 1] != m)
		link = &vmem.meta[*link - 1].next;
	*link = m->next;
	m->next = 0;
	vmem.st.shared_frames--;
}

paddr_t vmem_table_frame(const struct frame_meta *m)
{
	uint64_t idx = (uint64_t)(m - vmem.meta);

	for (unsigned i = 0; i < vmem.fp->nregions; i++) {
		const struct frame_region *r = &vmem.fp->regions[i];
		if (idx < r->nframes)
			return pa_add(r->base, idx * PAGE_SIZE);
		idx -= r->nframes;
	}
	panic("vmem: frame record %lu outside the pool", (uint64_t)(m - vmem.meta));
}

struct frame_meta *vmem_table_first(uint32_t hash)
{
	uint32_t i = *bucket_of(hash);

	return i ? &vmem.meta[i - 1] : NULL;
}

struct frame_meta *vmem_table_next(const struct frame_meta *m)
{
	return m->next ? &vmem.meta[m->next - 1] : NULL;
}

/*
 * Drops one mapping's reference to the shared frame @pa; the last one frees it. The frame is
 * already out of every stage 2 that referred to it through this reference.
 */
static void share_put(paddr_t pa, paddr_t *to_free, size_t *nfree)
{
	struct frame_meta *m = vmem_meta(pa);
	uint64_t flags = lock_table();

	CHECK(m->refs > 0);
	vmem.st.shared_pages--;
	if (--m->refs == 0) {
		table_remove(m);
		to_free[(*nfree)++] = pa;
	}
	unlock_table(flags);
}

/* ---- Page states ---- */

static pte_t leaf(paddr_t pa, mm_mode_t mode)
{
	return arch_mm_pte_leaf(MM_STAGE2, MM_LEVELS - 1, pa, mode);
}

pte_t vmem_leaf(paddr_t pa, bool writable)
{
	return leaf(pa, writable ? MODE_RW : MODE_RO);
}

static uint64_t soft_type(pte_t pte)
{
	return arch_mm_pte_soft_value(pte) & SOFT_TYPE_MASK;
}

static uint64_t soft_payload(pte_t pte)
{
	return arch_mm_pte_soft_value(pte) >> VMEM_SOFT_SHIFT;
}

static inline __attribute__((always_inline)) enum vmem_state classify(pte_t pte, paddr_t *pa)
{
	static const enum vmem_state soft_states[SOFT_TYPE_MASK + 1] = {
		[0] = VMEM_UNTOUCHED,
		[VMEM_SOFT_BALLOONED] = VMEM_BALLOONED,
		[VMEM_SOFT_SWAPPED] = VMEM_SWAPPED,
		[VMEM_SOFT_PAGING] = VMEM_PAGING,
	};

	if (!arch_mm_pte_valid(pte))
		return soft_states[soft_type(pte)];
	*pa = arch_mm_pte_addr(pte);
	if (pa_addr(*pa) == pa_addr(vmem.zero))
		return VMEM_ZERO;
	return arch_mm_pte_mode(MM_STAGE2, pte) & MM_W ? VMEM_PRIVATE : VMEM_SHARED;
}

enum vmem_state vmem_page_state(struct vm *vm, uint64_t ipa, paddr_t *pa)
{
	paddr_t frame = pa_init(0);
	enum vmem_state s = VMEM_NOT_RAM;
	uint64_t flags = vmem_lock_vm(vm);
	pte_t *slot;

	if (in_ram(vm, ipa)) {
		slot = pgtable_leaf_slot(&vm->s2, ALIGN_DOWN(ipa, PAGE_SIZE), false);
		s = slot ? classify(*slot, &frame) : VMEM_UNTOUCHED;
	}
	vmem_unlock_vm(vm, flags);
	if (pa)
		*pa = frame;
	return s;
}

/* A fresh frame for the page at @ipa, a copy of @src (zeros if NULL), mapped writable. */
static enum vmem_result make_private(struct vm *vm, pte_t *slot, uint64_t ipa, const void *src,
				     paddr_t *out)
{
	paddr_t pa;

	if (!frame_alloc(vmem.fp, 1, 1, &pa))
		return VMEM_NO_MEMORY;
	if (src)
		arch_page_copy(pa_to_ptr(pa), src);
	else
		arch_page_zero(pa_to_ptr(pa));
	pgtable_set_leaf(&vm->s2, slot, ipa, leaf(pa, MODE_RW));
	vm->mem.resident++;
	vmem.private_gen++;
	*out = pa;
	return VMEM_OK;
}

/* A write to a shared page: the last mapper takes the frame over, others get a copy. */
static enum vmem_result unshare(struct vm *vm, pte_t *slot, uint64_t ipa, paddr_t pa, paddr_t *out)
{
	struct frame_meta *m = vmem_meta(pa);
	paddr_t spare[1];
	size_t nspare = 0;
	uint64_t flags = lock_table();
	enum vmem_result r;

	if (m->refs == 1) {
		m->refs = 0;
		table_remove(m);
		vmem.st.shared_pages--;
		unlock_table(flags);
		pgtable_set_leaf(&vm->s2, slot, ipa, leaf(pa, MODE_RW));
		vm->mem.shared--;
		vm->mem.resident++;
		*out = pa;
		return VMEM_OK;
	}
	unlock_table(flags);
	/* Copied before the reference goes: until then nobody may write the frame. */
	r = make_private(vm, slot, ipa, pa_to_ptr(pa), out);
	if (r != VMEM_OK)
		return r;
	vm->mem.shared--;
	share_put(pa, spare, &nspare);
	if (nspare)
		frame_free(vmem.fp, spare[0], 1);
	return VMEM_OK;
}

/* Under vm.lock: the page at @ipa made readable, or writable if @write; its frame in *@out. */
static enum vmem_result touch(struct vm *vm, uint64_t ipa, bool write, paddr_t *out)
{
	pte_t *slot = pgtable_leaf_slot(&vm->s2, ipa, true), pte;
	enum vmem_result r;
	paddr_t pa;

	if (!slot)
		return VMEM_NO_MEMORY;
	pte = *slot;
	switch (classify(pte, &pa)) {
	case VMEM_UNTOUCHED:
	case VMEM_BALLOONED:
		if (write) {
			r = make_private(vm, slot, ipa, NULL, out);
		} else {
			pgtable_set_leaf(&vm->s2, slot, ipa, leaf(vmem.zero, MODE_RO));
			vm->mem.shared++;
			vmem.st.zero_pages++;
			*out = vmem.zero;
			r = VMEM_OK;
		}
		if (r == VMEM_OK && classify(pte, &pa) == VMEM_BALLOONED)
			vm->mem.ballooned--;
		return r;
	case VMEM_ZERO:
		if (!write)
			break;
		r = make_private(vm, slot, ipa, NULL, out);
		if (r == VMEM_OK) {
			vm->mem.shared--;
			vmem.st.zero_pages--;
		}
		return r;
	case VMEM_SHARED:
		if (write)
			return unshare(vm, slot, ipa, pa, out);
		break;
	case VMEM_SWAPPED:
		return vmem_swap_in(vm, slot, ipa, soft_payload(pte));
	case VMEM_PAGING:
		r = vmem_swap_touch(vm, slot, ipa, soft_payload(pte));
		if (r == VMEM_OK)
			*out = arch_mm_pte_addr(*slot);
		return r;
	default:
		break;
	}
	if (!arch_mm_pte_young(pte))
		arch_mm_pte_write(slot, arch_mm_pte_set_young(pte, true));
	*out = pa;
	return VMEM_OK;
}

/*
 * A fault outside RAM is the guest's fault unless the page is mapped now, for this access: then
 * another CPU was remapping it (a channel window, break-before-make under this lock) and the
 * access runs again.
 */
static enum vmem_result outside_ram(struct vm *vm, uint64_t ipa, bool write)
{
	uint64_t flags = vmem_lock_vm(vm);
	mm_mode_t mode = 0;
	paddr_t pa;
	bool mapped = pgtable_lookup(&vm->s2, ipa, &pa, &mode);

	vmem_unlock_vm(vm, flags);
	return mapped && (mode & (write ? MM_W : MM_R)) ? VMEM_OK : VMEM_BAD_ADDRESS;
}

enum vmem_result vmem_fault(struct vm *vm, uint64_t ipa, bool write)
{
	enum vmem_result r = VMEM_BAD_ADDRESS;
	uint64_t flags;
	paddr_t pa;

	if (!in_ram(vm, ipa))
		return outside_ram(vm, ipa, write);
	flags = vmem_lock_vm(vm);
	r = touch(vm, ALIGN_DOWN(ipa, PAGE_SIZE), write, &pa);
	vmem_unlock_vm(vm, flags);
	vmem_watch_low();
	return r;
}

/* Under vm.lock: the page of @ipa ready for the hypervisor; its frame in *@pa (zeros: read). */
static enum vmem_result ready(struct vm *vm, uint64_t page, bool write, paddr_t *pa)
{
	pte_t *slot = pgtable_leaf_slot(&vm->s2, page, false);

	*pa = vmem.zero;
	/* A read of a page with no frame and nothing on disk sees zeros: nothing to change. */
	if (write ||
	    (slot && *slot != arch_mm_pte_absent() && classify(*slot, pa) != VMEM_BALLOONED))
		return touch(vm, page, write, pa);
	return VMEM_OK;
}

enum vmem_result vmem_prepare(struct vm *vm, uint64_t ipa, bool write)
{
	enum vmem_result r;
	uint64_t flags;
	paddr_t pa;

	if (!in_ram(vm, ipa))
		return VMEM_BAD_ADDRESS;
	flags = vmem_lock_vm(vm);
	r = ready(vm, ALIGN_DOWN(ipa, PAGE_SIZE), write, &pa);
	vmem_unlock_vm(vm, flags);
	return r;
}

/*
 * The copy happens under the lock: with several CPUs the sharing scanner, the swap clock or a
 * balloon release on another CPU could otherwise free or replace the frame between the look-up
 * and the copy (a write into a freed frame, or one lost with the old frame).
 */
enum vmem_result vmem_copy(struct vm *vm, uint64_t ipa, void *host, size_t n, bool to_guest)
{
	uint64_t flags, off = ipa & (PAGE_SIZE - 1);
	enum vmem_result r;
	paddr_t pa;

	CHECK(off + n <= PAGE_SIZE);
	if (!in_ram(vm, ipa))
		return VMEM_BAD_ADDRESS;
	flags = vmem_lock_vm(vm);
	r = ready(vm, ipa - off, to_guest, &pa);
	if (r == VMEM_OK && to_guest)
		memcpy((char *)pa_to_ptr(pa) + off, host, n);
	else if (r == VMEM_OK)
		memcpy(host, (char *)pa_to_ptr(pa) + off, n);
	vmem_unlock_vm(vm, flags);
	return r;
}

enum vmem_result vmem_write(struct vm *vm, uint64_t ipa, const void *src, size_t n)
{
	static const char zeros[256];

	while (n) {
		size_t off = ipa & (PAGE_SIZE - 1), chunk = MIN(n, PAGE_SIZE - off);
		enum vmem_state s = vmem_page_state(vm, ipa, NULL);
		enum vmem_result r = VMEM_OK;

		if (s == VMEM_NOT_RAM)
			return VMEM_BAD_ADDRESS;
		if (src) {
			r = vmem_copy(vm, ipa, (void *)src, chunk, true);
		} else if (s != VMEM_UNTOUCHED && s != VMEM_ZERO && s != VMEM_BALLOONED) {
			chunk = MIN(chunk, sizeof(zeros));
			r = vmem_copy(vm, ipa, (void *)zeros, chunk, true);
		}
		if (r != VMEM_OK)
			return r;
		ipa += chunk;
		n -= chunk;
		if (src)
			src = (const char *)src + chunk;
	}
	return VMEM_OK;
}

/* ---- Giving pages up: balloon release and reset ---- */

#define DROP_BATCH 128

/*
 * Pages leave a VM in batches: their entries are rewritten without a TLB invalidate each, then
 * one invalidate-all for the VMID, and only then are the frames freed (a frame must not be
 * reused while a TLB may still map it, D8.14).
 */
struct drop {
	struct vm *vm;
	pte_t soft;   /* what the entries become */
	bool release; /* balloon: keep pinned pages and count */
	uint64_t dropped;
	paddr_t frames[DROP_BATCH];
	size_t nframes;
	bool stale_tlb;
};

static void drop_flush(struct drop *d)
{
	if (d->stale_tlb)
		arch_mm_tlb_invalidate_all(MM_STAGE2, d->vm->s2.vmid);
	if (d->nframes)
		frame_free_many(vmem.fp, d->frames, d->nframes);
	d->nframes = 0;
	d->stale_tlb = false;
}

/* One page leaves (inline: the balloon releases thousands a call, counted in instructions). */
static inline __attribute__((always_inline)) void drop_one(struct drop *d, pte_t *slot)
{
	struct vm *vm = d->vm;
	paddr_t pa;

	if (d->nframes + 1 > DROP_BATCH)
		drop_flush(d);
	switch (classify(*slot, &pa)) {
	case VMEM_PRIVATE:
		if (vmem_meta(pa)->pins) {
			CHECK(d->release); /* reset comes after every channel is gone */
			return;
		}
		d->frames[d->nframes++] = pa;
		vm->mem.resident--;
		break;
	case VMEM_SHARED:
		share_put(pa, d->frames, &d->nframes);
		vm->mem.shared--;
		break;
	case VMEM_ZERO:
		vmem.st.zero_pages--;
		vm->mem.shared--;
		break;
	case VMEM_BALLOONED:
		vm->mem.ballooned--;
		break;
	case VMEM_SWAPPED:
	case VMEM_PAGING:
		vmem_swap_drop(vm, soft_type(*slot), soft_payload(*slot));
		break;
	default:
		break;
	}
	d->stale_tlb |= arch_mm_pte_valid(*slot);
	arch_mm_pte_write(slot, d->soft);
	if (d->release)
		vm->mem.ballooned++;
	d->dropped++;
}

/*
 * Balloon release of the @n entries from @slot (one level-3 table). Private pages, nearly all of
 * what a balloon gives back, take the short way with counts kept in registers; the rest go
 * through drop_one. About 60 instructions a page (make bench: balloon_inflate).
 */
static void release_run(struct drop *d, pte_t *slot, uint64_t n)
{
	uint64_t fast = 0;
	pte_t soft = d->soft;

	for (; n; n--, slot++) {
		pte_t pte = *slot;
		paddr_t pa;
		if (!arch_mm_pte_valid(pte) || !(arch_mm_pte_mode(MM_STAGE2, pte) & MM_W)) {
			drop_one(d, slot);
			continue;
		}
		pa = arch_mm_pte_addr(pte); /* private: the zero and shared frames are read-only */
		if (vmem_meta(pa)->pins)
			continue; /* granted to a channel: kept */
		if (d->nframes == DROP_BATCH)
			drop_flush(d);
		d->frames[d->nframes++] = pa;
		d->stale_tlb = true;
		arch_mm_pte_write(slot, soft);
		fast++;
	}
	d->vm->mem.resident -= fast;
	d->vm->mem.ballooned += fast;
	d->dropped += fast;
}

static void drop_page(pte_t *slot, uint64_t ipa, void *ctx)
{
	(void)ipa;
	drop_one(ctx, slot);
}

int64_t vmem_release(struct vm *vm, uint64_t ipa, uint64_t npages)
{
	struct drop d = { .vm = vm, .soft = vmem_soft(VMEM_SOFT_BALLOONED, 0), .release = true };
	uint64_t flags, base = ram_base(vm);

	if (!npages || !IS_ALIGNED(ipa, PAGE_SIZE) || ipa < base ||
	    npages > (vm->cfg.ram_size - MIN(ipa - base, vm->cfg.ram_size)) / PAGE_SIZE)
		return SKIFF_E_INVAL;
	flags = vmem_lock_vm(vm);
	/*
	 * Every entry must exist to say "ballooned": tables are made for untouched ranges. The
	 * entries of one 2 MiB range are one level-3 table, walked directly.
	 */
	for (uint64_t a = ipa, end = ipa + npages * PAGE_SIZE; a < end;) {
		uint64_t next = MIN(ALIGN_DOWN(a, MiB(2)) + MiB(2), end);
		pte_t *slot = pgtable_leaf_slot(&vm->s2, a, true);
		if (!slot)
			break;
		release_run(&d, slot, (next - a) / PAGE_SIZE);
		a = next;
	}
	drop_flush(&d);
	vmem_unlock_vm(vm, flags);
	vmem_watch_low();
	return (int64_t)d.dropped;
}

void vmem_vm_init(struct vm *vm)
{
	memset(&vm->mem, 0, sizeof(vm->mem));
}

void vmem_reset(struct vm *vm)
{
	struct drop d = { .vm = vm, .soft = arch_mm_pte_absent() };
	uint64_t flags = vmem_lock_vm(vm);

	pgtable_for_each_leaf(&vm->s2, ram_base(vm), vm->cfg.ram_size, drop_page, &d);
	drop_flush(&d);
	/* Every entry is absent now: this frees the level-3 tables. */
	CHECK(pgtable_unmap(&vm->s2, ram_base(vm), vm->cfg.ram_size));
	CHECK(vm->mem.resident == 0 && vm->mem.shared == 0 && vm->mem.ballooned == 0 &&
	      vm->mem.swapped == 0);
	vmem_unlock_vm(vm, flags);
}

/* ---- Pins ---- */

enum vmem_result vmem_pin(struct vm *vm, uint64_t ipa, paddr_t *pa)
{
	enum vmem_result r = VMEM_BAD_ADDRESS;
	uint64_t flags;

	if (!in_ram(vm, ipa))
		return r;
	flags = vmem_lock_vm(vm);
	r = touch(vm, ALIGN_DOWN(ipa, PAGE_SIZE), true, pa);
	if (r == VMEM_OK)
		vmem_meta(*pa)->pins++;
	vmem_unlock_vm(vm, flags);
	return r;
}

void vmem_unpin(paddr_t pa)
{
	struct frame_meta *m = vmem_meta(pa);

	CHECK(__atomic_fetch_sub(&m->pins, 1, __ATOMIC_RELAXED) > 0);
}

void vmem_host_stats(struct vmem_host *h)
{
	uint64_t flags = lock_table();

	*h = vmem.st;
	h->frames_total = vmem.fp->total;
	h->frames_free = vmem.fp->free;
	unlock_table(flags);
}
