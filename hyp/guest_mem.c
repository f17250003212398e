/** Checked copies to and from guest memory (see guest_mem.h). */
#include <skiff/cpu.h>
#include <skiff/guest_mem.h>
#include <skiff/mm.h>
#include <skiff/panic.h>
#include <skiff/string.h>
#include <skiff/vcpu_trap.h>
#include <skiff/vm.h>
#include <skiff/vmem.h>
#include <skiff-abi/hypercall.h>

/*
 * A page that must wait (read back from swap, or no frame free) makes the calling vCPU wait and
 * run its hypercall again; the copy reports GUEST_MEM_WAIT meanwhile.
 */
static int error_of(struct vm *vm, uint64_t ipa, enum vmem_result r)
{
	struct vcpu *v = this_cpu()->vcpu;

	if (r == VMEM_BAD_ADDRESS)
		return SKIFF_E_FAULT;
	CHECK(v && v->vm == vm); /* copies serve the calling VM's hypercalls */
	vcpu_repeat_hypercall(v, ipa, r);
	return GUEST_MEM_WAIT;
}

/*
 * Every page of [ipa, ipa+len) is the VM's RAM and, for @write, made its own (a private frame):
 * checked before anything is copied, so a copy is all or nothing.
 */
static int range_ok(struct vm *vm, uint64_t ipa, size_t len, bool write)
{
	enum vmem_result r;

	if (ipa + len < ipa)
		return SKIFF_E_FAULT;
	for (uint64_t a = ALIGN_DOWN(ipa, PAGE_SIZE); a < ipa + len; a += PAGE_SIZE)
		if ((r = vmem_prepare(vm, a, write)) != VMEM_OK)
			return error_of(vm, a, r);
	return 0;
}

static int copy(struct vm *vm, uint64_t ipa, char *host, size_t len, bool to_guest)
{
	int err = range_ok(vm, ipa, len, to_guest);
	enum vmem_result r;

	if (err)
		return err;
	while (len) {
		size_t chunk = MIN(len, PAGE_SIZE - (ipa & (PAGE_SIZE - 1)));
		r = vmem_copy(vm, ipa, host, chunk, to_guest);
		if (r != VMEM_OK)
			return error_of(vm, ipa, r);
		ipa += chunk;
		host += chunk;
		len -= chunk;
	}
	return 0;
}

int guest_prepare_to(struct vm *vm, ipaddr_t ipa, size_t len)
{
	return range_ok(vm, ipa_addr(ipa), len, true);
}

int guest_copy_from(struct vm *vm, void *dst, ipaddr_t ipa, size_t len)
{
	return copy(vm, ipa_addr(ipa), dst, len, false);
}

int guest_copy_to(struct vm *vm, ipaddr_t ipa, const void *src, size_t len)
{
	return copy(vm, ipa_addr(ipa), (char *)src, len, true);
}
