/** Generation-based VMID allocation (see vmid.h). Caller serialises (one CPU for now). */
#include <skiff/arch_vcpu.h>
#include <skiff/vmid.h>

void vmid_space_init(struct vmid_space *s, unsigned count)
{
	s->gen = 1;
	s->next = 1;
	s->count = count;
}

bool vmid_refresh(struct vmid_space *s, uint16_t *vmid, uint64_t *gen)
{
	bool rolled = false;

	if (*gen == s->gen)
		return false;
	if (s->next >= s->count) {
		s->gen++;
		s->next = 1;
		arch_tlb_flush_guests();
		rolled = true;
	}
	*vmid = (uint16_t)s->next++;
	*gen = s->gen;
	return rolled;
}
