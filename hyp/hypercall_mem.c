/**
 * Memory calls (include/skiff-abi/hypercall.h, docs/memory.md "Guest RAM"): the balloon's
 * release and the per-VM and host figures that `list`, `info` and `top` show.
 */
#include <skiff/guest_mem.h>
#include <skiff/hypercall.h>
#include <skiff/vm.h>
#include <skiff/vmem.h>
#include <skiff-abi/hypercall.h>

static uint64_t arg(struct vcpu *v, unsigned n)
{
	return arch_vcpu_reg(&v->arch, n);
}

static void ret(struct vcpu *v, int64_t x0)
{
	arch_vcpu_set_reg(&v->arch, 0, (uint64_t)x0);
}

void hvc_mem_release(struct vcpu *v)
{
	ret(v, vmem_release(v->vm, arg(v, 1), arg(v, 2)));
}

void hypercall_mem_counts(const struct vm *vm, struct skiff_mem_info *mi)
{
	mi->promised = vm->cfg.ram_size;
	mi->resident = vm->mem.resident * PAGE_SIZE;
	mi->shared = vm->mem.shared * PAGE_SIZE;
	mi->ballooned = vm->mem.ballooned * PAGE_SIZE;
	mi->swapped = vm->mem.swapped * PAGE_SIZE;
	mi->untouched = mi->promised - mi->resident - mi->shared - mi->ballooned - mi->swapped;
	mi->waiting = vm->mem_waiting;
}

void hvc_mem_info(struct vcpu *v)
{
	struct skiff_mem_info mi = { 0 };
	uint64_t id = arg(v, 1);
	struct vm *vm = id == SKIFF_VM_NONE ? v->vm : vm_get((unsigned)MIN(id, (uint64_t)VM_MAX));
	struct vmem_host h;

	if (vm != v->vm && !v->vm->cfg.privileged) {
		ret(v, SKIFF_E_DENIED);
		return;
	}
	if (!vm) {
		ret(v, SKIFF_E_NOENT);
		return;
	}
	hypercall_mem_counts(vm, &mi);
	if (v->vm->cfg.privileged) {
		vmem_host_stats(&h);
		mi.host_total = h.frames_total * PAGE_SIZE;
		mi.host_free = h.frames_free * PAGE_SIZE;
		mi.host_shared_frames = h.shared_frames * PAGE_SIZE;
		mi.host_shared_pages = h.shared_pages * PAGE_SIZE;
		mi.host_zero_pages = h.zero_pages * PAGE_SIZE;
		mi.host_swap_total = h.swap_slots * PAGE_SIZE;
		mi.host_swap_used = h.swap_used * PAGE_SIZE;
		mi.host_swap_ins = h.swap_ins;
		mi.host_swap_outs = h.swap_outs;
	}
	ret(v, guest_copy_to(v->vm, ipa_init(arg(v, 2)), &mi, sizeof(mi)));
}
