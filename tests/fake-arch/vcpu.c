/** Fake-arch vCPU seam (skiff/arch_vcpu.h): records what the portable core asks for. */
#include <stdlib.h>
#include <string.h>
#include <skiff/arch_vcpu.h>
#include <skiff/cpu.h>
#include <skiff/vm.h>
#include "fake_arch.h"

struct fake_vcpu_state fake_vcpu = { .vmid_count = 256 };

void fake_vcpu_reset(void)
{
	memset(&fake_vcpu, 0, sizeof(fake_vcpu));
	fake_vcpu.vmid_count = 256;
}

void arch_virt_cpu_init(void)
{
	fake_vcpu.virt_inits++;
}

unsigned arch_vmid_count(void)
{
	return fake_vcpu.vmid_count;
}

void arch_tlb_flush_guests(void)
{
	fake_vcpu.guest_flushes++;
}

/* As arm64's: this CPU no longer holds @v's state (its registers are not saved into it). */
static void forget_live_state(struct vcpu *v)
{
	struct cpu *c = this_cpu();

	if (fake_vcpu.loaded == v)
		fake_vcpu.loaded = NULL;
	if (c && c->loaded == v)
		c->loaded = NULL;
}

void arch_vcpu_reset(struct vcpu *v, uint64_t entry, uint64_t arg)
{
	forget_live_state(v);
	memset(&v->arch, 0, sizeof(v->arch));
	v->arch.entry = entry;
	v->arch.arg = arg;
	arch_vcpu_set_reg(&v->arch, 0, arg);
	v->vtimer_deadline = 0;
}

void arch_vcpu_forget(struct vcpu *v)
{
	forget_live_state(v);
	fake_vcpu.forgets++;
}

void arch_vcpu_set_stage2(struct vcpu *v, paddr_t root, uint16_t vmid)
{
	v->arch.vttbr_root = pa_addr(root);
	v->arch.vmid = vmid;
}

void arch_vcpu_switch(struct vcpu *prev, struct vcpu *next)
{
	fake_vcpu.switches++;
	fake_vcpu.last_prev = prev;
	fake_vcpu.loaded = next;
	next->arch.switches_in++;
}

void arch_vcpu_unload(struct vcpu *prev)
{
	fake_vcpu.unloads++;
	fake_vcpu.last_prev = prev;
	fake_vcpu.loaded = NULL;
}

static struct vcpu idle_stub; /* vm NULL: the exit path tells it apart so */

struct vcpu *arch_vcpu_idle_stub(void)
{
	fake_vcpu.stubs++;
	return &idle_stub;
}

void arch_vcpu_vtimer_mask(struct vcpu *v)
{
	v->arch.vtimer_masked = true;
	v->vtimer_deadline = 0;
}

void arch_vcpu_vtimer_mask_loaded(void)
{
	if (fake_vcpu.loaded)
		fake_vcpu.loaded->arch.vtimer_masked = true;
}

void arch_vcpu_enter_first(struct vcpu *v)
{
	fake_vcpu.entered = v;
	if (!fake_vcpu.enter_jmp)
		abort(); /* a test that enters a guest catches it (vcpu_enter_first never returns)
			  */
	longjmp(*fake_vcpu.enter_jmp, 1);
}
