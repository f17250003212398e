/** Forbidden operations for adversarial guests (pv/forbidden.h). */
#include <pv/forbidden.h>
#include <skiff-abi/hypercall.h>

void pv_forbidden_smc(void)
{
	register unsigned long x0 __asm__("x0") = SKIFF_PSCI_SYSTEM_OFF;

	__asm__ volatile("smc #0" : "+r"(x0) : : "x1", "x2", "x3", "memory");
}

/* CNTP_CTL_EL0.ENABLE is bit 0 (ARM ARM, Generic Timer registers). */
void pv_forbidden_ptimer(void)
{
	__asm__ volatile("msr cntp_cval_el0, xzr\n\t"
			 "msr cntp_ctl_el0, %0\n\t"
			 "isb"
			 :
			 : "r"(1UL)
			 : "memory");
}

void pv_forbidden_udf(void)
{
	__asm__ volatile("udf #0" : : : "memory");
}

/* ICC_SGI1R_EL1 (GICv3 specification IHI 0069, ICC_SGI1R_EL1): IRM bit 40 = every PE but self. */
void pv_forbidden_sgi(void)
{
	__asm__ volatile("msr icc_sgi1r_el1, %0\n\tisb" : : "r"(1UL << 40) : "memory");
}
