/**
 * VMID allocation with generations (as the TLB tags stage-1+2 entries by VMID, ARM ARM D8.13):
 * VMIDs are handed out in order; when they run out, the generation advances, every guest TLB
 * entry is flushed and VMs get a fresh VMID the next time they are switched in. So any number of
 * VMs can exist with 8-bit VMIDs. VMID 0 is never given to a guest.
 */
#ifndef SKIFF_VMID_H
#define SKIFF_VMID_H

#include <skiff/arch.h>
#include <skiff/types.h>

struct vmid_space {
	struct spinlock lock; /* a leaf: allocation and rollover (the fast path takes none) */
	uint64_t gen;         /* starts at 1; a VM with vmid_gen != gen must get a new VMID */
	unsigned next;        /* next free VMID in this generation */
	unsigned count;       /* VMIDs the hardware provides */
};

void vmid_space_init(struct vmid_space *s, unsigned count);
/**
 * Makes sure (*vmid, *gen) is valid in the current generation, assigning a new VMID if not.
 * Returns true if it had to flush the TLBs (a rollover happened).
 */
bool vmid_refresh(struct vmid_space *s, uint16_t *vmid, uint64_t *gen);

#endif
