/**
 * Swap (vmem.h, docs/memory.md "Swap"): pages written out to a block device under memory
 * pressure and read back when touched, asynchronously. The hypervisor drives the disk itself.
 *
 * A page being written keeps its frame until the device says the write is done; until then its
 * stage-2 entry says "paging, transfer N" and a guest touching it gets the frame back at once
 * (the write is cancelled: its slot is let go when it completes). Only then is the entry set to
 * "swapped, slot S" and the frame freed. A touch of a swapped page gets a frame, starts the read
 * and the vCPU waits; when the read is done the page is mapped and waiting vCPUs are woken.
 * Nothing is ever dropped: a failed write keeps the page in memory, a failed read keeps it on
 * disk (the VM is paused and the console says why).
 *
 * Victims come from a clock over every VM's private pages using the stage-2 access flag: the
 * hand makes a young page old (a later access faults and vmem makes it young again, D8.4.3),
 * and takes a page that is still old when it comes round again.
 *
 * The disk: slot 0 holds a signature ("SKIFFSWP"); a disk whose first sector is neither blank
 * nor that signature is not used. Slots are 4 KiB (8 sectors).
 *
 * SMP: faults on any CPU (each under its own VM's lock) and completions (the disk's interrupt, on
 * whichever CPU takes it) change the transfers and the slot bitmap: they are under the swap lock
 * (sw.lock). Lock order: vm.lock, then sw.lock, then the frame pool and the disk's lock (leaves).
 * A completion holds no lock when it is called; it looks at its transfer under the swap lock
 * (dropped meanwhile: freed there), finds the VM again by id and serial (vm_get: a VM found so
 * stays valid until this CPU's next scheduling point, sched_quiesce) and then takes the VM's
 * lock and the swap lock. A VM that
 * is going (destroyed: no longer listed) drops its transfers itself (vmem_swap_drop): whichever
 * of the two comes second frees the frame and the slot.
 */
#include <skiff/console.h>
#include <skiff/mm.h>
#include <skiff/panic.h>
#include <skiff/pgtable.h>
#include <skiff/sched.h>
#include <skiff/string.h>
#include <skiff/vm.h>
#include <skiff/vmem.h>
#include <skiff/vmem_table.h>

#define SLOT_SECTORS (PAGE_SIZE / 512)
#define IO_MAX 64
#define READ_TRIES 3
#define SIGNATURE "SKIFFSWP"
#define CLOCK_LOOK_MAX 8192 /* pages the hand passes per vmem_reclaim call at most */

enum io_kind { IO_FREE, IO_OUT, IO_IN, IO_LABEL };

struct swap_io {
	enum io_kind kind;
	bool dropped;   /* the page left its VM meanwhile: nothing to update, only to free */
	bool cancelled; /* a write-out whose page was touched again: the frame stays mapped */
	bool orphan;    /* done, and its VM could not be found: vmem_swap_drop frees it */
	unsigned tries;
	struct vm *vm;
	unsigned vm_id;
	uint64_t serial; /* the VM's, to find it again (ids are reused) */
	uint64_t ipa;
	paddr_t frame;
	uint64_t slot;
};

static struct {
	struct spinlock lock; /* io[], the bitmap, hint, outs_in_flight, the swap counts */
	struct swap_device dev;
	bool attached, usable, failing;
	uint64_t *bitmap; /* slot in use */
	uint64_t nslots, hint;
	struct swap_io io[IO_MAX];
	unsigned outs_in_flight;
	paddr_t label; /* the signature page while it is read and written */
	/* the clock hand */
	unsigned hand_vm;
	uint64_t hand_serial, hand_off;
} sw;

static void io_done(void *ctx, int status);

static uint64_t lock_swap(void)
{
	return spin_lock_irqsave(&sw.lock);
}

static void unlock_swap(uint64_t flags)
{
	spin_unlock_irqrestore(&sw.lock, flags);
}

static const char *why(int status)
{
	return sw.dev.strerror ? sw.dev.strerror(status) : "error";
}

const char *vmem_swap_trouble(void)
{
	if (!sw.attached)
		return "there is no swap disk";
	if (sw.failing)
		return "the swap disk failed";
	if (!sw.usable)
		return "the swap disk is not in use";
	if (vmem.st.swap_used >= sw.nslots - 1)
		return "the swap disk is full";
	return NULL;
}

bool vmem_pressure(void)
{
	uint64_t low;

	if (!vmem.fp) /* no guest memory yet */
		return false;
	low = MAX(vmem.fp->total / 64, 64UL);
	return vmem.fp->free + sw.outs_in_flight < low;
}

/* SKIFF_EV_MEMORY went to root for the current stay below the low watermark. */
static bool low_told;

void vmem_watch_low(void)
{
	bool below = vmem_pressure();
	struct vm *root;

	if (__atomic_exchange_n(&low_told, below, __ATOMIC_ACQ_REL) == below || !below)
		return; /* no crossing, or an upward one: re-armed */
	root = vm_root();
	if (root && root->state == VM_RUNNING)
		vm_event_raise(root, SKIFF_EV_MEMORY);
}

/* ---- Slots and transfers ---- */

/* Under the swap lock (as everything below that touches io[] or the bitmap). */
static bool slot_alloc(uint64_t *out)
{
	for (uint64_t k = 0; k < sw.nslots; k++) {
		uint64_t s = (sw.hint + k) % sw.nslots;
		if (s == 0 || (sw.bitmap[s / 64] >> (s % 64) & 1))
			continue;
		sw.bitmap[s / 64] |= 1ULL << (s % 64);
		sw.hint = s + 1;
		vmem.st.swap_used++;
		*out = s;
		return true;
	}
	return false;
}

static void slot_free(uint64_t s)
{
	CHECK(s > 0 && s < sw.nslots && (sw.bitmap[s / 64] >> (s % 64) & 1));
	sw.bitmap[s / 64] &= ~(1ULL << (s % 64));
	vmem.st.swap_used--;
}

static struct swap_io *io_alloc(void)
{
	for (unsigned i = 0; i < IO_MAX; i++)
		if (sw.io[i].kind == IO_FREE)
			return &sw.io[i];
	return NULL;
}

static unsigned io_index(const struct swap_io *io)
{
	return (unsigned)(io - sw.io);
}

/* A transfer ends: its record is free again. */
static void io_free(struct swap_io *io)
{
	if (io->kind == IO_OUT)
		sw.outs_in_flight--;
	io->kind = IO_FREE;
}

/* A transfer whose page left its VM ends: its frame and slot are let go. */
static void io_release(struct swap_io *io)
{
	frame_free(vmem.fp, io->frame, 1);
	slot_free(io->slot);
	io_free(io);
}

/* A transfer for @vm's page at @ipa (the VM is found again by id and serial on completion). */
static void io_start(struct swap_io *io, enum io_kind kind, struct vm *vm, uint64_t ipa,
		     paddr_t frame, uint64_t slot)
{
	*io = (struct swap_io){ .kind = kind,
				.vm = vm,
				.vm_id = vm->id,
				.serial = vm->serial,
				.ipa = ipa,
				.frame = frame,
				.slot = slot };
}

static int io_submit(struct swap_io *io)
{
	return sw.dev.submit(sw.dev.dev, io->slot * SLOT_SECTORS, io->frame, PAGE_SIZE,
			     io->kind == IO_OUT || (io->kind == IO_LABEL && io->tries), io_done,
			     io);
}

/* ---- Waking the vCPUs that wait for a page ---- */

static void wake_page_waiters(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		if (v->page_wait && v->state == VCPU_BLOCKED) {
			v->page_wait = false;
			sched_wake(v);
		}
	}
}

/* ---- Reading back ---- */

enum vmem_result vmem_swap_in(struct vm *vm, pte_t *slot, uint64_t ipa, uint64_t swap_slot)
{
	uint64_t flags = lock_swap();
	struct swap_io *io = io_alloc();
	enum vmem_result r = VMEM_WAIT; /* no transfer slot free: try again when one completes */
	paddr_t frame;

	if (io && !frame_alloc(vmem.fp, 1, 1, &frame)) {
		r = VMEM_NO_MEMORY;
	} else if (io) {
		io_start(io, IO_IN, vm, ipa, frame, swap_slot);
		if (io_submit(io)) {
			io->kind = IO_FREE;
			frame_free(vmem.fp, frame, 1);
		} else {
			arch_mm_pte_write(slot, vmem_soft(VMEM_SOFT_PAGING, io_index(io)));
		}
	}
	unlock_swap(flags);
	return r;
}

/* Under @vm's lock and the swap lock: a read-back ended (@status). */
static void in_done(struct vm *vm, struct swap_io *io, int status)
{
	pte_t *slot = pgtable_leaf_slot(&vm->s2, io->ipa, false);

	CHECK(slot);
	if (!status) {
		pgtable_set_leaf(&vm->s2, slot, io->ipa, vmem_leaf(io->frame, true));
		slot_free(io->slot);
		vm->mem.swapped--;
		vm->mem.resident++;
		vmem.st.swap_ins++;
	} else {
		arch_mm_pte_write(slot, vmem_soft(VMEM_SOFT_SWAPPED, io->slot));
		frame_free(vmem.fp, io->frame, 1);
		sw.failing = true;
	}
	io_free(io);
}

/* After in_done, no lock held: the VM hears of it. */
static void in_told(struct vm *vm, uint64_t ipa, int status)
{
	if (status) {
		vm_pause(vm, true);
		kprintf("vm %u '%s' paused: the swap disk could not read back its page at IPA "
			"0x%lx (%s, %d); the page stays on disk, unpause to try again\n",
			vm->id, vm->cfg.name, ipa, why(status), status);
		return;
	}
	wake_page_waiters(vm);
}

/* ---- Writing out ---- */

enum vmem_result vmem_swap_touch(struct vm *vm, pte_t *slot, uint64_t ipa, uint64_t idx)
{
	struct swap_io *io = &sw.io[idx];
	uint64_t flags = lock_swap();
	enum vmem_result r = VMEM_WAIT; /* being read back: woken when it is mapped */

	CHECK(idx < IO_MAX && io->vm == vm && io->ipa == ipa && !io->dropped);
	if (io->kind == IO_OUT) {
		/* A write-out in flight (or done, its completion waiting for the VM's lock): the
		 * frame still holds the page; the guest gets it back. */
		io->cancelled = true;
		arch_mm_pte_write(slot, vmem_leaf(io->frame, true));
		r = VMEM_OK;
	}
	unlock_swap(flags);
	return r;
}

/*
 * Under @vm's lock and the swap lock: a write-out ended (@status). The first failure is told
 * here, before sw.failing is set: a vCPU on another CPU that then finds no memory says "the
 * swap disk failed", and the cause must come first on the console (kprintf is a leaf lock).
 */
static void out_done(struct vm *vm, struct swap_io *io, int status)
{
	pte_t *slot = pgtable_leaf_slot(&vm->s2, io->ipa, false);

	if (io->cancelled || status)
		slot_free(io->slot);
	if (status && !io->cancelled) { /* the page stays in memory, writable again */
		arch_mm_pte_write(slot, vmem_leaf(io->frame, true));
		if (!sw.failing)
			kprintf("swap: writing to %s failed (%s, %d): swap is off; pages already "
				"there are still read back\n",
				sw.dev.name, why(status), status);
		sw.failing = true;
	} else if (!io->cancelled) {
		arch_mm_pte_write(slot, vmem_soft(VMEM_SOFT_SWAPPED, io->slot));
		vm->mem.resident--;
		vm->mem.swapped++;
		vmem.st.swap_outs++;
		frame_free(vmem.fp, io->frame, 1);
	}
	io_free(io);
}

/* Under @vm's lock: starts writing out the private page in @slot; false if it cannot. */
static bool page_out(struct vm *vm, pte_t *slot, uint64_t ipa)
{
	uint64_t flags = lock_swap(), s;
	struct swap_io *io = io_alloc();
	bool ok = io && slot_alloc(&s);

	if (ok) {
		io_start(io, IO_OUT, vm, ipa, arch_mm_pte_addr(*slot), s);
		/* Unmapped first, so the guest cannot change the page while the device reads it. */
		pgtable_set_leaf(&vm->s2, slot, ipa, vmem_soft(VMEM_SOFT_PAGING, io_index(io)));
		ok = !io_submit(io);
		if (ok) {
			sw.outs_in_flight++;
		} else {
			arch_mm_pte_write(slot, vmem_leaf(io->frame, true));
			slot_free(s);
			io->kind = IO_FREE;
		}
	}
	unlock_swap(flags);
	return ok;
}

/* ---- The clock ---- */

static bool hand_next_vm(void)
{
	for (unsigned i = 1; i <= VM_MAX; i++) {
		unsigned id = (sw.hand_vm + i) % VM_MAX;
		struct vm *vm = vm_get(id);
		if (!vm || !vm->have_s2)
			continue;
		sw.hand_vm = id;
		sw.hand_serial = vm->serial;
		sw.hand_off = 0;
		return true;
	}
	return false;
}

/* Under @vm's lock: one page under the hand. Returns true if a write-out started. */
static bool clock_page(struct vm *vm, uint64_t ipa, bool *aged)
{
	pte_t *slot = pgtable_leaf_slot(&vm->s2, ipa, false), pte;
	paddr_t pa;

	if (!slot || !arch_mm_pte_valid(*slot))
		return false;
	pte = *slot;
	pa = arch_mm_pte_addr(pte);
	if (!(arch_mm_pte_mode(MM_STAGE2, pte) & MM_W) || vmem_meta(pa)->pins)
		return false; /* shared, zero or pinned: not swapped */
	if (arch_mm_pte_young(pte)) {
		arch_mm_pte_write(slot, arch_mm_pte_set_young(pte, false));
		*aged = true;
		return false;
	}
	return page_out(vm, slot, ipa);
}

bool vmem_reclaim(unsigned want)
{
	unsigned started = 0;

	if (vmem_swap_trouble())
		return false;
	for (unsigned looked = 0; looked < CLOCK_LOOK_MAX && started < want;) {
		struct vm *vm = vm_get(sw.hand_vm);
		bool aged = false;
		uint64_t flags;

		if (!vm || vm->serial != sw.hand_serial || sw.hand_off >= vm->cfg.ram_size) {
			if (!hand_next_vm())
				break;
			continue;
		}
		flags = vmem_lock_vm(vm);
		for (; looked < CLOCK_LOOK_MAX && started < want && sw.hand_off < vm->cfg.ram_size;
		     looked++, sw.hand_off += PAGE_SIZE) {
			if (clock_page(vm, ipa_addr(vm->ram_ipa) + sw.hand_off, &aged))
				started++;
			else if (vmem_swap_trouble())
				break;
		}
		if (aged) /* TLBs may still hold the young entries */
			arch_mm_tlb_invalidate_all(MM_STAGE2, vm->s2.vmid);
		vmem_unlock_vm(vm, flags);
		if (vmem_swap_trouble())
			break;
	}
	return started > 0;
}

/* ---- Pages leaving their VM while on disk or in flight ---- */

void vmem_swap_drop(struct vm *vm, uint64_t type, uint64_t payload)
{
	uint64_t flags = lock_swap();
	struct swap_io *io = &sw.io[payload];

	if (type == VMEM_SOFT_SWAPPED) {
		slot_free(payload);
		vm->mem.swapped--;
	} else {
		CHECK(payload < IO_MAX && io->vm == vm && !io->dropped);
		if (io->kind == IO_OUT)
			vm->mem.resident--;
		else
			vm->mem.swapped--;
		if (io->orphan) /* done, and its completion gave up on the VM */
			io_release(io);
		else /* the frame and slot go when the device is done with them */
			io->dropped = true;
	}
	unlock_swap(flags);
}

/* ---- Attaching the disk ---- */

static void label_done(struct swap_io *io, int status)
{
	char *page = pa_to_ptr(io->frame);
	static const char zeros[512];
	uint64_t flags;

	if (!status && !io->tries) { /* the first sector was read: whose disk is it? */
		if (memcmp(page, SIGNATURE, sizeof(SIGNATURE) - 1) &&
		    memcmp(page, zeros, sizeof(zeros))) {
			kprintf("swap: %s holds data (first sector neither blank nor %s): not "
				"used\n",
				sw.dev.name, SIGNATURE);
			status = 1;
		} else {
			memset(page, 0, PAGE_SIZE);
			memcpy(page, SIGNATURE, sizeof(SIGNATURE) - 1);
			io->tries = 1;
			if (!io_submit(io))
				return;
			status = -1;
		}
	}
	if (!status) {
		sw.usable = true;
		kprintf("swap: %s, %lu MiB, %lu slots of 4 KiB\n", sw.dev.name,
			sw.nslots * PAGE_SIZE >> 20, sw.nslots - 1);
	} else if (status < 0) {
		kprintf("swap: %s could not be %s (%s, %d): not used\n", sw.dev.name,
			io->tries ? "labelled" : "read", why(status), status);
	}
	flags = lock_swap();
	frame_free(vmem.fp, io->frame, 1);
	io->kind = IO_FREE;
	unlock_swap(flags);
}

/*
 * Under the swap lock: the first half of a completion. True if the VM's side is still to do;
 * false if it ended here (dropped, or a read tried again).
 */
static bool io_finish(struct swap_io *io, int status)
{
	if (io->dropped) {
		io_release(io);
		return false;
	}
	if (io->kind == IO_IN && status && ++io->tries < READ_TRIES && !io_submit(io))
		return false;
	return true;
}

/* The VM of completed transfer @io, or NULL if it is going (then @io is its to drop). */
static struct vm *io_owner(struct swap_io *io)
{
	struct vm *vm = vm_get(io->vm_id);
	uint64_t flags;

	if (vm && vm == io->vm && vm->serial == io->serial)
		return vm;
	flags = lock_swap();
	if (io->dropped)
		io_release(io);
	else
		io->orphan = true;
	unlock_swap(flags);
	return NULL;
}

/* A transfer completed (the disk's interrupt; no lock held). */
static void io_done(void *ctx, int status)
{
	struct swap_io *io = ctx;
	uint64_t flags, vflags;
	bool out = io->kind == IO_OUT, live;
	uint64_t ipa = io->ipa;
	struct vm *vm;

	if (io->kind == IO_LABEL) {
		label_done(io, status);
		return;
	}
	flags = lock_swap();
	live = io_finish(io, status);
	unlock_swap(flags);
	if (!live || !(vm = io_owner(io)))
		return;
	vflags = vmem_lock_vm(vm);
	flags = lock_swap();
	live = !io->dropped; /* (a reboot may have dropped it meanwhile) */
	if (!live)
		io_release(io);
	else if (out)
		out_done(vm, io, status);
	else
		in_done(vm, io, status);
	unlock_swap(flags);
	vmem_unlock_vm(vm, vflags);
	if (live && !out)
		in_told(vm, ipa, status);
	else if (live) /* a transfer slot is free: a vCPU that found none may go */
		wake_page_waiters(vm);
}

void vmem_swap_init(void)
{
	memset(&sw, 0, sizeof(sw));
}

void vmem_swap_attach(const struct swap_device *d)
{
	uint64_t slots = d->sectors / SLOT_SECTORS,
		 bytes = ALIGN_UP((slots + 63) / 64 * 8, PAGE_SIZE);
	struct swap_io *io = &sw.io[0];
	paddr_t pa;

	if (slots < 2 || !frame_alloc(vmem.fp, bytes / PAGE_SIZE, 1, &pa) ||
	    !frame_alloc(vmem.fp, 1, 1, &sw.label)) {
		kprintf("swap: %s too small or no memory for its slot map: not used\n", d->name);
		return;
	}
	sw.dev = *d;
	sw.bitmap = pa_to_ptr(pa);
	memset(sw.bitmap, 0, bytes);
	sw.nslots = slots;
	sw.hint = 1;
	sw.attached = true;
	vmem.st.swap_slots = slots - 1;
	*io = (struct swap_io){ .kind = IO_LABEL, .frame = sw.label, .slot = 0 };
	if (io_submit(io)) {
		kprintf("swap: %s refused the first read: not used\n", d->name);
		io->kind = IO_FREE;
	}
}
