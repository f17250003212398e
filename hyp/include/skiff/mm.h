/**
 * The hypervisor's memory model (docs/memory.md): EL2 maps all RAM and every device it drives at
 * VA == PA, so converting a physical address to a pointer is the identity — but it is still a named
 * conversion, so the few places that do it are easy to find.
 */
#ifndef SKIFF_MM_H
#define SKIFF_MM_H

#include <skiff/addr.h>

static inline void *pa_to_ptr(paddr_t pa)
{
	return (void *)(uintptr_t)pa_addr(pa);
}

static inline paddr_t pa_from_ptr(const void *p)
{
	return pa_init((uintptr_t)p);
}

#endif
