/**
 * Typed addresses (STYLE habit 3). A physical address, a guest intermediate-physical address and a
 * hypervisor virtual address are distinct single-field structs, so the compiler rejects code that
 * mixes them; conversions are explicit and named.
 */
#ifndef SKIFF_ADDR_H
#define SKIFF_ADDR_H

#include <skiff/types.h>

/** A host physical address. */
typedef struct {
	uint64_t pa;
} paddr_t;

/** A guest intermediate-physical address (the input of stage-2 translation). */
typedef struct {
	uint64_t ipa;
} ipaddr_t;

/** A hypervisor virtual address (the input of the EL2 stage-1 translation). */
typedef struct {
	uintptr_t va;
} vaddr_t;

static inline paddr_t pa_init(uint64_t pa)
{
	return (paddr_t){ .pa = pa };
}

static inline uint64_t pa_addr(paddr_t a)
{
	return a.pa;
}

static inline paddr_t pa_add(paddr_t a, uint64_t n)
{
	return pa_init(a.pa + n);
}

static inline ipaddr_t ipa_init(uint64_t ipa)
{
	return (ipaddr_t){ .ipa = ipa };
}

static inline uint64_t ipa_addr(ipaddr_t a)
{
	return a.ipa;
}

static inline ipaddr_t ipa_add(ipaddr_t a, uint64_t n)
{
	return ipa_init(a.ipa + n);
}

static inline vaddr_t va_init(uintptr_t va)
{
	return (vaddr_t){ .va = va };
}

static inline uintptr_t va_addr(vaddr_t a)
{
	return a.va;
}

static inline vaddr_t va_from_ptr(const void *p)
{
	return va_init((uintptr_t)p);
}

static inline void *ptr_from_va(vaddr_t a)
{
	return (void *)a.va;
}

/** A half-open range [begin, end) of physical memory. */
struct pa_range {
	paddr_t begin;
	paddr_t end;
};

static inline uint64_t pa_range_size(struct pa_range r)
{
	return r.end.pa - r.begin.pa;
}

#endif
