/**
 * Skiff hypercalls (include/skiff-abi/hypercall.h) from a guest: pv_hvc() returns x0..x3, pv_call()
 * only x0, which is the result or, when negative, a SKIFF_E_* error code.
 */
#ifndef PV_HVC_H
#define PV_HVC_H

#include <pv/arch/hvc.h>
#include <skiff-abi/hypercall.h>

/** Issues call `fn` with arguments a1..a3 and returns x0..x3. */
static inline struct pv_hvc_res pv_hvc(unsigned long fn, unsigned long a1, unsigned long a2,
				       unsigned long a3)
{
	return pv_arch_hvc(fn, a1, a2, a3);
}

/** Issues call `fn` with arguments a1, a2 and returns x0. */
static inline long pv_call(unsigned long fn, unsigned long a1, unsigned long a2)
{
	return pv_arch_hvc(fn, a1, a2, 0).x0;
}

/** Issues call `fn` with arguments a1..a4 and returns x0. */
static inline long pv_call4(unsigned long fn, unsigned long a1, unsigned long a2, unsigned long a3,
			    unsigned long a4)
{
	return pv_arch_hvc4(fn, a1, a2, a3, a4);
}

/**
 * Issues `fn` with x4..x30 set to known values and returns a bit mask of the registers that
 * changed across the HVC (bit n = xn); 0 when the hypervisor keeps the ABI's promise.
 */
unsigned long pv_hvc_clobbers(unsigned long fn);

#endif
