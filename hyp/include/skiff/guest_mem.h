/**
 * Access to guest memory by IPA, for hypercall arguments. Every range must lie in the VM's RAM
 * (no wrap-around); its pages are resolved as the guest's own accesses would be (vmem_page: an
 * untouched page reads zeros, a page written gets a private frame) before anything is copied,
 * and the data is copied once into hypervisor memory, so the guest cannot change it after the
 * check. Errors: SKIFF_E_FAULT (not the VM's RAM), GUEST_MEM_WAIT (below).
 */
#ifndef SKIFF_GUEST_MEM_H
#define SKIFF_GUEST_MEM_H

#include <skiff/addr.h>
#include <skiff/types.h>

struct vm;

/** Copies [ipa, ipa+len) of @vm into @dst. 0 or an error. */
int guest_copy_from(struct vm *vm, void *dst, ipaddr_t ipa, size_t len);
/** Copies @len bytes from @src to [ipa, ipa+len) of @vm. 0 or an error. */
int guest_copy_to(struct vm *vm, ipaddr_t ipa, const void *src, size_t len);
/** Makes [ipa, ipa+len) ready for guest_copy_to without copying: for handlers that consume. */
int guest_prepare_to(struct vm *vm, ipaddr_t ipa, size_t len);

/*
 * Not an ABI code: a page of the range must wait (being read back from swap, or no frame is
 * free). The calling vCPU has been set to wait and run its hypercall again
 * (vcpu_repeat_hypercall), so whatever the handler returns is replaced; a handler must not have
 * consumed anything before it copies (guest_prepare_to).
 */
#define GUEST_MEM_WAIT (-1000)

#endif
