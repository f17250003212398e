/**
 * Generation-based VMID allocation (see vmid.h). A VM whose VMID is of the current generation
 * is checked without a lock (the hot part of a world switch); a new VMID is handed out under
 * the space's lock, so two CPUs switching in two new VMs never get the same one.
 *
 * A rollover flushes every CPU's TLBs (TLBI ALLE1IS is broadcast), but a CPU still running a VM
 * of the old generation keeps using its VMID until its next switch. So each CPU publishes the
 * VMID it is about to use (active[cpu]) and a rollover reserves what every other CPU published:
 * those VMIDs are skipped when VMIDs are handed out in the new generation, and the VMs that own
 * them keep them. The rollover's CPU itself is switching to another VM: its old VMID is not
 * live any more.
 *
 * Ordering (a Dekker pair, both sides with a full barrier): the fast path stores active[cpu],
 * then reads the generation again; a rollover stores the new generation, then reads active[].
 * Either the switching CPU sees the new generation (and takes the slow path, under the lock,
 * after the rollover) or the rollover sees its VMID (and reserves it).
 */
#include <skiff/arch_vcpu.h>
#include <skiff/panic.h>
#include <skiff/vmid.h>

void vmid_space_init(struct vmid_space *s, unsigned count)
{
	*s = (struct vmid_space){ .lock = { 0, 0 }, .gen = 1, .next = 1, .count = count };
}

/* Under the lock: VMID @v is live on some CPU since the last rollover. */
static bool vmid_reserved(const struct vmid_space *s, unsigned v)
{
	for (unsigned c = 0; c < PLATFORM_MAX_CPUS; c++)
		if (s->reserved[c] && (s->reserved[c] & 0xffff) == v)
			return true;
	return false;
}

/* Under the lock: the VM whose VMID was @tag was live on some CPU at the last rollover. */
static bool tag_reserved(const struct vmid_space *s, uint64_t tag)
{
	for (unsigned c = 0; c < PLATFORM_MAX_CPUS; c++)
		if (s->reserved[c] == tag)
			return true;
	return false;
}

/* Under the lock: a new generation; what the other CPUs have live is reserved in it. */
static void rollover(struct vmid_space *s, unsigned self)
{
	__atomic_store_n(&s->gen, s->gen + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (unsigned c = 0; c < PLATFORM_MAX_CPUS; c++)
		s->reserved[c] = c == self ? 0 : __atomic_load_n(&s->active[c], __ATOMIC_RELAXED);
	s->next = 1;
	s->rollovers++;
	arch_tlb_flush_guests();
}

/* Under the lock: the next VMID of this generation that no CPU has reserved. */
static bool vmid_alloc(struct vmid_space *s, uint16_t *out)
{
	while (s->next < s->count) {
		unsigned v = s->next++;
		if (!vmid_reserved(s, v)) {
			*out = (uint16_t)v;
			return true;
		}
	}
	return false;
}

bool vmid_refresh_slow(struct vmid_space *s, unsigned cpu, uint16_t *vmid, uint64_t *gen,
		       vmid_assign_fn assign, void *ctx)
{
	uint64_t flags = spin_lock_irqsave(&s->lock);
	bool changed = false;

	if (*gen != s->gen) { /* (else another CPU gave this VM one meanwhile) */
		if (!*gen || !tag_reserved(s, VMID_TAG(*gen, *vmid))) {
			if (!vmid_alloc(s, vmid)) {
				rollover(s, cpu);
				CHECK(vmid_alloc(
					s, vmid)); /* count > PLATFORM_MAX_CPUS: one is free */
			}
		}
		if (assign)
			assign(ctx, *vmid);
		__atomic_store_n(gen, s->gen, __ATOMIC_RELEASE);
		changed = true;
	}
	__atomic_store_n(&s->active[cpu], VMID_TAG(s->gen, *vmid), __ATOMIC_RELAXED);
	spin_unlock_irqrestore(&s->lock, flags);
	return changed;
}
