/**
 * Generation-based VMID allocation (see vmid.h). A VM whose VMID is of the current generation
 * is checked without a lock (the hot part of a world switch); a new VMID is handed out under
 * the space's lock, so two CPUs switching in two new VMs never get the same one.
 *
 * SMP caveat (issue 6, not yet handled): a rollover flushes every CPU's TLBs (TLBI ALLE1IS is
 * broadcast), but a CPU still running a VM of the old generation keeps its VMID until its next
 * switch, and that VMID may meanwhile be handed to another VM of the new generation. Rollovers
 * need 255 VM loads with 8-bit VMIDs; the fix is to keep the VMIDs live on each CPU reserved
 * across a rollover (a per-CPU active VMID, exchanged atomically), which this file does not do.
 */
#include <skiff/arch_vcpu.h>
#include <skiff/vmid.h>

void vmid_space_init(struct vmid_space *s, unsigned count)
{
	s->lock = (struct spinlock){ 0, 0 };
	s->gen = 1;
	s->next = 1;
	s->count = count;
}

bool vmid_refresh(struct vmid_space *s, uint16_t *vmid, uint64_t *gen)
{
	bool rolled = false;
	uint64_t flags;

	if (*gen == __atomic_load_n(&s->gen, __ATOMIC_ACQUIRE))
		return false;
	flags = arch_irq_save();
	arch_spin_lock(&s->lock);
	if (*gen == s->gen) { /* another CPU gave this VM one meanwhile */
		arch_spin_unlock(&s->lock);
		arch_irq_restore(flags);
		return false;
	}
	if (s->next >= s->count) {
		s->gen++;
		s->next = 1;
		arch_tlb_flush_guests();
		rolled = true;
	}
	*vmid = (uint16_t)s->next++;
	__atomic_store_n(gen, s->gen, __ATOMIC_RELEASE);
	arch_spin_unlock(&s->lock);
	arch_irq_restore(flags);
	return rolled;
}
