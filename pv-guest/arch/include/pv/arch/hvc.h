/**
 * The one HVC instruction pv-guest issues (SMCCC v1.1, Arm DEN0028 section 2): function ID in x0,
 * arguments in x1..x4, results in x0..x3. The Skiff ABI (include/skiff-abi/hypercall.h) preserves
 * x4..x17, so only x0..x3 are clobbered here; "memory" because the hypervisor reads and writes
 * guest buffers named by the arguments.
 */
#ifndef PV_ARCH_HVC_H
#define PV_ARCH_HVC_H

/** x0..x3 after an HVC. */
struct pv_hvc_res {
	long x0, x1, x2, x3;
};

static inline struct pv_hvc_res pv_arch_hvc(unsigned long fn, unsigned long a1, unsigned long a2,
					    unsigned long a3)
{
	register unsigned long x0 __asm__("x0") = fn;
	register unsigned long x1 __asm__("x1") = a1;
	register unsigned long x2 __asm__("x2") = a2;
	register unsigned long x3 __asm__("x3") = a3;

	__asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	return (struct pv_hvc_res){ (long)x0, (long)x1, (long)x2, (long)x3 };
}

/** The same with a fourth argument in x4 (SKIFF_VMCTL_PIN). */
static inline long pv_arch_hvc4(unsigned long fn, unsigned long a1, unsigned long a2,
				unsigned long a3, unsigned long a4)
{
	register unsigned long x0 __asm__("x0") = fn;
	register unsigned long x1 __asm__("x1") = a1;
	register unsigned long x2 __asm__("x2") = a2;
	register unsigned long x3 __asm__("x3") = a3;
	register unsigned long x4 __asm__("x4") = a4;

	__asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : "r"(x4) : "memory");
	return (long)x0;
}

#endif
