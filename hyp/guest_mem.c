/** Checked copies to and from guest memory (see guest_mem.h). */
#include <skiff/guest_mem.h>
#include <skiff/mm.h>
#include <skiff/string.h>
#include <skiff/vm.h>
#include <skiff-abi/hypercall.h>

/* Host pointer of the page holding @ipa, if mapped in @vm's stage 2 with all of @need. */
static void *page_ptr(struct vm *vm, uint64_t ipa, mm_mode_t need)
{
	paddr_t pa;
	mm_mode_t mode;

	if (!pgtable_lookup(&vm->s2, ipa, &pa, &mode))
		return NULL;
	if ((mode & need) != need || (mode & MM_DEVICE))
		return NULL;
	return pa_to_ptr(pa);
}

/* Every page of [ipa, ipa+len) mapped with @need: checked before anything is copied. */
static bool range_ok(struct vm *vm, uint64_t ipa, size_t len, mm_mode_t need)
{
	if (ipa + len < ipa)
		return false;
	for (uint64_t a = ALIGN_DOWN(ipa, PAGE_SIZE); a < ipa + len; a += PAGE_SIZE)
		if (!page_ptr(vm, a, need))
			return false;
	return true;
}

static int copy(struct vm *vm, uint64_t ipa, char *host, size_t len, bool to_guest)
{
	/* A copy to the guest is all or nothing: no partial write before a fault. */
	if (!range_ok(vm, ipa, len, to_guest ? MM_W : MM_R))
		return SKIFF_E_FAULT;
	while (len) {
		size_t chunk = MIN(len, PAGE_SIZE - (ipa & (PAGE_SIZE - 1)));
		char *g = page_ptr(vm, ipa, to_guest ? MM_W : MM_R);
		if (!g)
			return SKIFF_E_FAULT;
		if (to_guest)
			memcpy(g, host, chunk);
		else
			memcpy(host, g, chunk);
		ipa += chunk;
		host += chunk;
		len -= chunk;
	}
	return 0;
}

int guest_copy_from(struct vm *vm, void *dst, ipaddr_t ipa, size_t len)
{
	return copy(vm, ipa_addr(ipa), dst, len, false);
}

int guest_copy_to(struct vm *vm, ipaddr_t ipa, const void *src, size_t len)
{
	return copy(vm, ipa_addr(ipa), (char *)src, len, true);
}
