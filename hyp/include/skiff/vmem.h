/**
 * Guest RAM with overcommit (docs/memory.md, "Guest RAM"). A VM's RAM is promised, not reserved:
 * each 4 KiB page is in one of the states below, recorded in its own stage-2 level-3 entry (a
 * valid leaf, or a software descriptor, arch_mm.h), and moves between them on guest faults, the
 * sharing scanner, ballooning and reclaim:
 *
 *   untouched --read--> zero (the shared zero frame, read-only) --write--> private
 *   untouched --write--> private (a fresh zeroed frame)
 *   private --scanner finds identical content--> shared (read-only, refcounted) --write--> private
 *   private/shared/zero/untouched --balloon release--> ballooned --touch--> zero / private
 *   private (old, under pressure) --reclaim--> paging out --written--> swapped
 *   paging out --touch--> private (the write is cancelled)
 *   swapped --touch--> paging in (the vCPU waits) --read--> private
 *
 * Frames in use by guests carry a small record each (refcount for shared frames, pin count for
 * pages granted to channels) in a side table indexed by frame_index().
 *
 * Lock order: chan_lock, then vm.lock, then vmem's lock (shared-frame table), then frame_pool.lock.
 * The stage-2 entries of a VM's RAM change only under its vm.lock.
 */
#ifndef SKIFF_VMEM_H
#define SKIFF_VMEM_H

#include <skiff/addr.h>
#include <skiff/frame.h>
#include <skiff/types.h>

struct vm;

/** What a page of guest RAM is (vmem_page_state; the unit tests and `info` read it). */
enum vmem_state {
	VMEM_UNTOUCHED, /* never touched since boot or reboot: reads as zeros, no frame */
	VMEM_ZERO,      /* mapped read-only to the one zero frame */
	VMEM_PRIVATE,   /* the VM's own frame, writable */
	VMEM_SHARED,    /* a refcounted read-only frame with identical content elsewhere */
	VMEM_BALLOONED, /* given back by the guest's balloon driver: no frame, reads as zeros */
	VMEM_SWAPPED,   /* its content is in a slot of the swap disk */
	VMEM_PAGING,    /* being written to or read from the swap disk */
	VMEM_NOT_RAM,   /* outside the VM's RAM */
};

/** Per-VM page counts (in struct vm, kept under vm.lock). Untouched = promised - the rest. */
struct vmem_counts {
	uint64_t resident;  /* private frames */
	uint64_t shared;    /* pages mapped to a shared frame or the zero frame */
	uint64_t ballooned; /* pages the guest gave back */
	uint64_t swapped;   /* pages on the swap disk (being read back included) */
};

/** Host-wide figures (vmem_host_stats). */
struct vmem_host {
	uint64_t frames_total, frames_free;
	uint64_t shared_frames; /* frames in the shared table, each backing one or more pages */
	uint64_t shared_pages;  /* guest pages mapped to them */
	uint64_t zero_pages;    /* guest pages mapped to the zero frame */
	uint64_t merges;        /* pages the scanner has merged since boot */
	uint64_t scanned;       /* pages the scanner has looked at since boot */
	uint64_t swap_slots;    /* 4 KiB slots of the swap disk (0: none) */
	uint64_t swap_used;
	uint64_t swap_outs, swap_ins; /* pages written, read back since boot */
};

/** What a fault or a hypervisor access needs from the caller. */
enum vmem_result {
	VMEM_OK,          /* resolved: re-run the access */
	VMEM_BAD_ADDRESS, /* not the VM's RAM: a guest error */
	VMEM_NO_MEMORY,   /* no frame free: the access must wait for memory */
	VMEM_WAIT,        /* the page is being read back from swap: the access waits */
};

/** Boot: the zero frame and the per-frame side table over @fp's frames. NULL or why not. */
const char *vmem_init(struct frame_pool *fp);

/** A new VM's RAM: every page untouched (its stage 2 exists already). */
void vmem_vm_init(struct vm *vm);
/** Every page of @vm's RAM back to untouched, frames freed (reboot, destroy). No page pinned. */
void vmem_reset(struct vm *vm);

/** A stage-2 fault by @vm at @ipa (a write if @write): makes the page accessible. */
enum vmem_result vmem_fault(struct vm *vm, uint64_t ipa, bool write);

/**
 * Takes @vm's lock (its stage 2 and page states; IRQs masked): what changes a VM's stage 2 from
 * another CPU than its own vCPUs' holds it (lock order: docs/smp.md).
 */
uint64_t vmem_lock_vm(struct vm *vm);
void vmem_unlock_vm(struct vm *vm, uint64_t flags);

/**
 * Readies the page holding @ipa for the hypervisor to read (or write, with @write: then the page
 * is made private). VMEM_OK, or why not. A read of an untouched or ballooned page changes
 * nothing (it reads zeros).
 */
enum vmem_result vmem_prepare(struct vm *vm, uint64_t ipa, bool write);

/**
 * Copies @n bytes (within one page) between @host and @vm's RAM at @ipa (@to_guest: into it),
 * under the VM's lock: no other CPU can free, merge, swap or release the frame meanwhile. The
 * page is made ready as vmem_prepare does. VMEM_OK, or why not (nothing copied).
 */
enum vmem_result vmem_copy(struct vm *vm, uint64_t ipa, void *host, size_t n, bool to_guest);

/**
 * Writes @n bytes of @src (zeros when @src is NULL) at @ipa in @vm's RAM, touching only pages
 * that need it (zeros into an untouched page change nothing). For the image loader.
 */
enum vmem_result vmem_write(struct vm *vm, uint64_t ipa, const void *src, size_t n);

/**
 * Balloon: the guest gives back @npages from @ipa. Their frames are freed at once and the pages
 * read as zeros if touched again. Returns pages released, or SKIFF_E_* (bad range; a page of
 * the range is granted to a channel).
 */
int64_t vmem_release(struct vm *vm, uint64_t ipa, uint64_t npages);

/**
 * Makes the page at @ipa private and keeps it so (no sharing or reclaim) until vmem_unpin:
 * pages granted to another VM (channel rings). Its frame in *@pa.
 */
enum vmem_result vmem_pin(struct vm *vm, uint64_t ipa, paddr_t *pa);
void vmem_unpin(paddr_t pa);

/** The state of the page at @ipa (and its frame in *@pa when it has one). */
enum vmem_state vmem_page_state(struct vm *vm, uint64_t ipa, paddr_t *pa);

/**
 * The sharing scanner: looks at up to @budget pages (round-robin over every VM's RAM), merging
 * zero pages into the zero frame and identical pages into one shared frame. Returns true while a
 * full pass has not yet found nothing to do (more work may be worth it).
 */
bool vmem_scan(unsigned budget);

void vmem_host_stats(struct vmem_host *h);

/* ---- Swap (hyp/vmem_swap.c) ---- */

/**
 * A block device to swap to (virtio-blk, hyp/drivers/). submit() starts one transfer of @bytes
 * between sector @sector and the frame @buf and returns 0, or a negative code if it could not be
 * started (queue full, out of range); done(ctx, status) follows once, status 0 or negative, from
 * interrupt context or a poll.
 */
struct swap_device {
	const char *name;
	uint64_t sectors; /* of 512 bytes */
	void *dev;
	int (*submit)(void *dev, uint64_t sector, paddr_t buf, uint32_t bytes, bool write,
		      void (*done)(void *ctx, int status), void *ctx);
	const char *(*strerror)(int status); /* words for a failed status (NULL: just the number) */
};

/**
 * Uses @d for swap once its first sector proves it is blank or already a Skiff swap disk (read
 * asynchronously; the answer is printed). A disk holding anything else is left alone.
 */
void vmem_swap_attach(const struct swap_device *d);

/**
 * Starts writing out up to @want old private pages (a clock over every VM's RAM: a page used
 * since the hand last passed is made old and spared). True if it started any.
 */
bool vmem_reclaim(unsigned want);

/**
 * Reclaim (the sharing scanner and the swap clock) keeps global state and runs on one CPU at a
 * time: true if this CPU may run it now, until vmem_reclaim_leave(); false if another one is.
 * That also makes the scanner the only holder of two VM locks at once (vmem_scan.c).
 */
bool vmem_reclaim_enter(void);
void vmem_reclaim_leave(void);

/** Below the low watermark of free frames: reclaim should run. */
bool vmem_pressure(void);

/**
 * Raises SKIFF_EV_MEMORY in the root partition when free frames have fallen below the low
 * watermark since the last call, once per crossing (re-armed by a call that finds them back at
 * or above it). Called with no lock held, after frames were taken or freed.
 */
void vmem_watch_low(void);

/** Why reclaim cannot help now ("no swap disk", "the swap disk is full", ...), or NULL. */
const char *vmem_swap_trouble(void);

#endif
