/**
 * Access to guest memory by IPA, for hypercall arguments. Every range is checked against the VM's
 * own stage-2 mappings (length, wrap-around, each page mapped with the needed right, not a device)
 * and copied once into hypervisor memory, so the guest cannot change it after the check.
 */
#ifndef SKIFF_GUEST_MEM_H
#define SKIFF_GUEST_MEM_H

#include <skiff/addr.h>
#include <skiff/types.h>

struct vm;

/** Copies [ipa, ipa+len) of @vm into @dst. 0 or SKIFF_E_FAULT. */
int guest_copy_from(struct vm *vm, void *dst, ipaddr_t ipa, size_t len);
/** Copies @len bytes from @src to [ipa, ipa+len) of @vm. 0 or SKIFF_E_FAULT. */
int guest_copy_to(struct vm *vm, ipaddr_t ipa, const void *src, size_t len);

#endif
