/**
 * The sharing scanner (vmem.h): walks every VM's RAM round-robin and merges private pages whose
 * content another page already has. A page full of zeros goes to the zero frame. Otherwise its
 * content hash is looked up in the table of shared frames; failing that, in a table of candidates
 * (pages seen earlier in this pass, by hash): two private pages with equal content become one
 * shared frame. Every merge compares the pages in full, so a hash collision costs time only.
 * Merged pages are read-only: the first write takes a private copy again (vmem.c, unshare).
 *
 * It runs when the CPU would otherwise idle (sched_idle_work) and stops once a whole pass over
 * every VM found nothing, until some VM takes a new private frame.
 *
 * SMP: the guests run on other CPUs meanwhile, so a page may change while it is looked at. The
 * first look (zero? hash known?) is a guess; a page worth merging is then unmapped (break-before-
 * make's break: its TLB entries invalidated, inner shareable, D8.14), so that an access faults
 * and waits for the VM's lock, and only what is compared then counts; it is mapped again, merged
 * or as it was, before the lock is let go (the one invalidation a merge costs, as on one CPU).
 * (On one CPU the scanner ran only while no guest did, which had hidden this.)
 * The scanner holds one VM lock at a time: a candidate page of another VM (or of the same one)
 * is first made a shared frame of its own under that VM's lock alone ("promoted"), and the page
 * that matched it is looked at again, when the ordinary lookup of shared frames finds it.
 */
#include <skiff/mm.h>
#include <skiff/pgtable.h>
#include <skiff/sched.h>
#include <skiff/string.h>
#include <skiff/vm.h>
#include <skiff/vmem.h>
#include <skiff/vmem_table.h>

/*
 * Candidates by hash: 1024 buckets of 4 (a newer page takes the oldest one's place). With one
 * entry a bucket, two contents whose hashes collide would evict each other for ever and neither
 * would ever be merged.
 */
#define CAND_BUCKETS 1024
#define CAND_WAYS 4
#define HASH_STRIDE 8  /* words between the sampled words of a page's hash */
#define IDLE_BUDGET 32 /* pages per call from the idle loop */
#define WORDS (PAGE_SIZE / sizeof(uint64_t))

struct candidate {
	uint64_t serial; /* the VM's (0: empty slot) */
	uint64_t ipa;
	uint32_t vm_id;
	uint32_t hash;
};

static struct {
	unsigned vm_id;
	uint64_t serial;
	uint64_t off;        /* next page of that VM's RAM */
	uint64_t pass_gen;   /* vmem.private_gen when the pass began */
	uint64_t pass_found; /* merges in this pass */
	uint64_t pass_scanned;
	uint64_t last_found, last_scanned; /* of the last full pass */
	bool resting;             /* the last pass found nothing: wait for new private pages */
	struct candidate promote; /* a candidate to make a shared frame (serial 0: none) */
	struct candidate cand[CAND_BUCKETS][CAND_WAYS];
	uint8_t cand_next[CAND_BUCKETS]; /* the way to replace next */
} scan;

static bool page_is_zero(const uint64_t *p)
{
	for (size_t i = 0; i < WORDS; i++)
		if (p[i])
			return false;
	return true;
}

static bool pages_equal(const uint64_t *a, const uint64_t *b)
{
	for (size_t i = 0; i < WORDS; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* FNV-1a over a sample of the page's words: cheap, and a full compare follows any match. */
static uint32_t page_hash(const uint64_t *p)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < WORDS; i += HASH_STRIDE)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return (uint32_t)(h ^ (h >> 32));
}

/* Under @vm's lock: the page at @ipa now maps @to read-only; its private frame @pa is freed. */
static void remap_shared(struct vm *vm, pte_t *slot, uint64_t ipa, paddr_t pa, paddr_t to)
{
	pgtable_set_leaf(&vm->s2, slot, ipa,
			 arch_mm_pte_leaf(MM_STAGE2, MM_LEVELS - 1, to, MM_R | MM_X));
	frame_free(vmem.fp, pa, 1);
	vm->mem.resident--;
	vm->mem.shared++;
	vmem.st.merges++;
	scan.pass_found++;
}

/* The private, unpinned frame of the page at @ipa, if it is one. */
static bool private_frame(struct vm *vm, uint64_t ipa, pte_t **slot, paddr_t *pa)
{
	*slot = pgtable_leaf_slot(&vm->s2, ipa, false);
	if (!*slot || !arch_mm_pte_valid(**slot))
		return false;
	*pa = arch_mm_pte_addr(**slot);
	return pa_addr(*pa) != pa_addr(vmem.zero) && (arch_mm_pte_mode(MM_STAGE2, **slot) & MM_W) &&
	       !vmem_meta(*pa)->pins;
}

/*
 * A shared frame with the content of @page: in *@to, its reference taken if @take; false if
 * none.
 */
static bool find_shared(const uint64_t *page, uint32_t hash, paddr_t *to, bool take)
{
	uint64_t flags = spin_lock_irqsave(&vmem.lock);
	bool found = false;

	for (struct frame_meta *m = vmem_table_first(hash); m && !found; m = vmem_table_next(m)) {
		if (m->hash != hash || !pages_equal(pa_to_ptr(vmem_table_frame(m)), page))
			continue;
		if (take) {
			m->refs++;
			vmem.st.shared_pages++;
		}
		*to = vmem_table_frame(m);
		found = true;
	}
	spin_unlock_irqrestore(&vmem.lock, flags);
	return found;
}

/*
 * Under @vm's lock: its page at @ipa unmapped (break-before-make's break: its TLB entries are
 * invalidated, inner shareable), so that its guest, running on another CPU, cannot change it
 * while it is compared: an access faults and waits for the lock. The entry is made again before
 * the lock is let go (no second invalidation: it is not valid meanwhile).
 */
static void hold_page(struct vm *vm, pte_t *slot, uint64_t ipa)
{
	pgtable_set_leaf(&vm->s2, slot, ipa, arch_mm_pte_absent());
}

/*
 * Under @vm's lock: the private page at @ipa (frame @pa) looked like a zero page (@zero) or like
 * a shared frame. Held (hold_page), it is compared again and merged, or mapped as it was.
 */
static void merge(struct vm *vm, pte_t *slot, uint64_t ipa, paddr_t pa, bool zero, uint32_t hash)
{
	const uint64_t *page = pa_to_ptr(pa);
	pte_t was = *slot;
	paddr_t to = vmem.zero;

	hold_page(vm, slot, ipa);
	if (zero ? !page_is_zero(page) : !find_shared(page, hash, &to, true)) {
		arch_mm_pte_write(slot, was);
		return;
	}
	remap_shared(vm, slot, ipa, pa, to);
	if (zero)
		vmem.st.zero_pages++;
}

/*
 * Candidate @c (a private page seen earlier) matched another page by hash: it becomes a shared
 * frame of its own (one mapper, in the table) under its VM's lock alone, if its content still
 * has that hash once it is read-only. The page that matched finds it then (find_shared).
 */
static void promote(const struct candidate *c)
{
	struct vm *vm = vm_get(c->vm_id);
	uint64_t flags, tf;
	pte_t *slot;
	paddr_t pa;

	if (!vm || vm->serial != c->serial)
		return;
	flags = vmem_lock_vm(vm);
	if (private_frame(vm, c->ipa, &slot, &pa)) {
		pte_t was = *slot;
		hold_page(vm, slot, c->ipa); /* a shared frame if its content is still... */
		if (page_hash(pa_to_ptr(pa)) == c->hash) {
			tf = spin_lock_irqsave(&vmem.lock);
			vmem_meta(pa)->refs = 1;
			vmem_table_insert(pa, c->hash);
			vmem.st.shared_pages++;
			spin_unlock_irqrestore(&vmem.lock, tf);
			vm->mem.resident--;
			vm->mem.shared++;
			arch_mm_pte_write(slot, vmem_leaf(pa, false));
		} else { /* ...what was seen */
			arch_mm_pte_write(slot, was);
		}
	}
	vmem_unlock_vm(vm, flags);
}

/*
 * Under @vm's lock: one page looked at. False if it must be looked at again once @vm's lock is
 * let go: a candidate it matches is to be promoted first (scan.promote).
 */
static bool scan_page(struct vm *vm, uint64_t ipa)
{
	pte_t *slot;
	paddr_t pa, to;
	const uint64_t *page;
	uint32_t hash;
	struct candidate *c;

	vmem.st.scanned++;
	if (!private_frame(vm, ipa, &slot, &pa))
		return true;
	scan.pass_scanned++;
	page = pa_to_ptr(pa);
	if (page_is_zero(page)) {
		merge(vm, slot, ipa, pa, true, 0);
		return true;
	}
	hash = page_hash(page);
	if (find_shared(page, hash, &to, false)) {
		merge(vm, slot, ipa, pa, false, hash);
		return true;
	}
	for (unsigned w = 0; w < CAND_WAYS; w++) {
		c = &scan.cand[hash % CAND_BUCKETS][w];
		if (!c->serial || c->hash != hash || (c->serial == vm->serial && c->ipa == ipa))
			continue;
		scan.promote = *c;
		c->serial = 0;
		scan.pass_scanned--; /* counted when it is looked at again */
		return false;
	}
	c = &scan.cand[hash % CAND_BUCKETS][scan.cand_next[hash % CAND_BUCKETS]++ % CAND_WAYS];
	*c = (struct candidate){ vm->serial, ipa, vm->id, hash };
	return true;
}

/* Moves the cursor to the next VM with RAM; true when that wrapped around (a pass ended). */
static bool next_vm(void)
{
	for (unsigned i = 1; i <= VM_MAX; i++) {
		unsigned id = (scan.vm_id + i) % VM_MAX;
		struct vm *vm = vm_get(id);
		if (!vm || !vm->have_s2)
			continue;
		bool wrapped = id <= scan.vm_id;
		scan.vm_id = id;
		scan.serial = vm->serial;
		scan.off = 0;
		return wrapped;
	}
	scan.serial = 0;
	return true;
}

static void end_pass(void)
{
	scan.last_found = scan.pass_found;
	scan.last_scanned = scan.pass_scanned;
	scan.pass_scanned = 0;
	scan.resting = !scan.pass_found && vmem.private_gen == scan.pass_gen;
	scan.pass_gen = vmem.private_gen;
	scan.pass_found = 0;
	for (unsigned i = 0; i < CAND_BUCKETS; i++)
		for (unsigned w = 0; w < CAND_WAYS; w++)
			scan.cand[i][w].serial = 0;
}

void vmem_scan_init(void)
{
	memset(&scan, 0, sizeof(scan));
}

bool vmem_scan(unsigned budget)
{
	if (scan.resting && vmem.private_gen == scan.pass_gen)
		return false;
	scan.resting = false;
	while (budget) {
		struct vm *vm = vm_get(scan.vm_id);
		uint64_t flags;

		if (!vm || vm->serial != scan.serial || scan.off >= vm->cfg.ram_size) {
			if (next_vm()) {
				end_pass();
				if (scan.resting || !scan.serial)
					return false;
			}
			continue;
		}
		flags = vmem_lock_vm(vm);
		for (; budget && scan.off < vm->cfg.ram_size; budget--, scan.off += PAGE_SIZE) {
			uint64_t ipa = ipa_addr(vm->ram_ipa) + scan.off;
			if (!pgtable_leaf_slot(&vm->s2, ipa,
					       false)) { /* no table: 2 MiB untouched */
				scan.off = ALIGN_DOWN(scan.off, MiB(2)) + MiB(2) - PAGE_SIZE;
				continue;
			}
			if (!scan_page(vm, ipa)) {
				vmem.st.scanned--; /* (looked at again next, with the same budget)
						    */
				break;
			}
		}
		vmem_unlock_vm(vm, flags);
		if (scan.promote.serial) { /* one VM lock at a time: @vm's is let go */
			promote(&scan.promote);
			scan.promote.serial = 0;
		}
	}
	return true;
}

/*
 * Reclaim in order: sharing first. Under pressure, pages go to swap once the scanner's last full
 * pass merged less than 1 page in SCAN_USEFUL (it cannot free enough by itself), and the scanner
 * keeps going alongside.
 */
#define SCAN_USEFUL 64

static bool reclaim_busy;

bool vmem_reclaim_enter(void)
{
	return !__atomic_exchange_n(&reclaim_busy, true, __ATOMIC_ACQUIRE);
}

void vmem_reclaim_leave(void)
{
	__atomic_store_n(&reclaim_busy, false, __ATOMIC_RELEASE);
}

static bool idle_work(void)
{
	bool sharing_helps =
		!scan.last_scanned || scan.last_found * SCAN_USEFUL >= scan.last_scanned;

	vmem_watch_low(); /* swap write-outs and merges free frames: re-arm SKIFF_EV_MEMORY */
	if (vmem_pressure() && !sharing_helps && vmem_reclaim(IDLE_BUDGET)) {
		vmem_scan(IDLE_BUDGET / 4);
		return true;
	}
	return vmem_scan(IDLE_BUDGET) || (vmem_pressure() && vmem_reclaim(IDLE_BUDGET));
}

/* Another CPU reclaiming: this one sleeps (the one at work says whether more is left). */
bool sched_idle_work(void)
{
	bool more;

	if (!vmem_reclaim_enter())
		return false;
	more = idle_work();
	vmem_reclaim_leave();
	return more;
}
