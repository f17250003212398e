/**
 * VMID allocation with generations (as the TLB tags stage-1+2 entries by VMID, ARM ARM D8.13):
 * VMIDs are handed out in order; when they run out, the generation advances, every guest TLB
 * entry is flushed (inner shareable: every CPU's) and VMs get a fresh VMID the next time they are
 * switched in. So any number of VMs can exist with 8-bit VMIDs. VMID 0 is never given to a guest.
 *
 * With several CPUs a VM may still run, or be loaded, on another CPU when the generation rolls
 * over: the VMIDs live on each CPU then are reserved, kept by their VMs in the new generation and
 * given to no other VM (as Linux's arm64 ASID allocator does), so two VMs never share a VMID at
 * once.
 */
#ifndef SKIFF_VMID_H
#define SKIFF_VMID_H

#include <skiff/arch.h>
#include <skiff/platform.h>
#include <skiff/types.h>

#define VMID_TAG(gen, vmid) ((gen) << 16 | (vmid))

struct vmid_space {
	struct spinlock lock; /* a leaf: allocation and rollover (the fast path takes none) */
	uint64_t gen;         /* starts at 1; a VM with vmid_gen != gen must get a new VMID */
	unsigned next;        /* next VMID to try in this generation */
	unsigned count;       /* VMIDs the hardware provides */
	uint64_t rollovers;
	/* Per CPU: VMID_TAG of the VM it runs or holds loaded (0: none yet). Written by its CPU on
	 * every switch, read by a rollover; see vmid.c for the ordering. */
	uint64_t active[PLATFORM_MAX_CPUS];
	/* Per CPU: what was active there at the last rollover (under the lock) */
	uint64_t reserved[PLATFORM_MAX_CPUS];
};

/** Called with the new VMID of a VM before any other CPU may use it (under the space's lock). */
typedef void (*vmid_assign_fn)(void *ctx, uint16_t vmid);

void vmid_space_init(struct vmid_space *s, unsigned count);
/**
 * CPU @cpu is about to run the VM whose VMID is (*vmid, *gen): makes sure it is valid in the
 * current generation, assigning one if not (@assign, if not NULL, is told first), and records
 * it as live on @cpu. Returns true if the VM's VMID or generation changed.
 */
static inline bool vmid_refresh(struct vmid_space *s, unsigned cpu, uint16_t *vmid, uint64_t *gen,
				vmid_assign_fn assign, void *ctx);
/** vmid_refresh's slow part: a new generation or VMID, under the lock (vmid.c). */
bool vmid_refresh_slow(struct vmid_space *s, unsigned cpu, uint16_t *vmid, uint64_t *gen,
		       vmid_assign_fn assign, void *ctx);

/*
 * Inline: every world switch comes here. The VM's VMID is current: publish it as live on @cpu,
 * then check the generation again (a full barrier between: see vmid.c for the pairing).
 */
static inline bool vmid_refresh(struct vmid_space *s, unsigned cpu, uint16_t *vmid, uint64_t *gen,
				vmid_assign_fn assign, void *ctx)
{
	uint64_t g = __atomic_load_n(gen, __ATOMIC_ACQUIRE); /* then *vmid: set before it */

	if (__builtin_expect(g == __atomic_load_n(&s->gen, __ATOMIC_RELAXED), 1)) {
		__atomic_store_n(&s->active[cpu], VMID_TAG(g, *vmid), __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (__builtin_expect(g == __atomic_load_n(&s->gen, __ATOMIC_RELAXED), 1))
			return false;
	}
	return vmid_refresh_slow(s, cpu, vmid, gen, assign, ctx);
}

#endif
