/**
 * System-register accessors, generated from one macro (STYLE habit 5), and the register fields the
 * hypervisor uses, as SHIFT/MASK pairs with the ARM ARM (DDI 0487) section that defines them.
 */
#ifndef ARCH_SYSREG_H
#define ARCH_SYSREG_H

#include <skiff/types.h>

/* read_NAME()/write_NAME(v) for a system register; ID registers are read without volatile. */
#define SYSREG_RW(name)                                                      \
	static inline uint64_t read_##name(void)                             \
	{                                                                    \
		uint64_t v;                                                  \
		__asm__ volatile("mrs %0, " #name : "=r"(v));                \
		return v;                                                    \
	}                                                                    \
	static inline void write_##name(uint64_t v)                          \
	{                                                                    \
		__asm__ volatile("msr " #name ", %0" : : "r"(v) : "memory"); \
	}

#define SYSREG_RO_ID(name)                           \
	static inline uint64_t read_##name(void)     \
	{                                            \
		uint64_t v;                          \
		__asm__("mrs %0, " #name : "=r"(v)); \
		return v;                            \
	}

SYSREG_RO_ID(midr_el1)
SYSREG_RO_ID(mpidr_el1)
SYSREG_RO_ID(id_aa64mmfr0_el1)
SYSREG_RO_ID(id_aa64pfr0_el1)
SYSREG_RO_ID(ctr_el0)
SYSREG_RO_ID(cntfrq_el0)

SYSREG_RW(currentel)
SYSREG_RW(daif)
SYSREG_RW(tpidr_el2)
SYSREG_RW(sctlr_el2)
SYSREG_RW(hcr_el2)
SYSREG_RW(cptr_el2)
SYSREG_RW(mair_el2)
SYSREG_RW(tcr_el2)
SYSREG_RW(ttbr0_el2)
SYSREG_RW(vbar_el2)
SYSREG_RW(esr_el2)
SYSREG_RW(far_el2)
SYSREG_RW(hpfar_el2)
SYSREG_RW(elr_el2)
SYSREG_RW(spsr_el2)
SYSREG_RW(cnthctl_el2)
SYSREG_RW(cntvoff_el2)
SYSREG_RW(cnthp_ctl_el2)
SYSREG_RW(cnthp_cval_el2)
SYSREG_RW(vtcr_el2)
SYSREG_RW(vttbr_el2)
SYSREG_RW(vmpidr_el2)
SYSREG_RW(mdcr_el2)
SYSREG_RW(pmcr_el0)
SYSREG_RW(cntv_ctl_el0)
SYSREG_RW(cntv_cval_el0)
SYSREG_RO_ID(id_aa64mmfr1_el1)

/* CurrentEL.EL, bits [3:2] (C5.2.1). */
#define CURRENTEL_EL_SHIFT 2

/* SCTLR_EL2 (D13.2.119), E2H=0 layout. RES1 bits: 4, 5, 11, 16, 18, 22, 23, 28, 29. */
#define SCTLR_EL2_M (1UL << 0)
#define SCTLR_EL2_A (1UL << 1)
#define SCTLR_EL2_C (1UL << 2)
#define SCTLR_EL2_SA (1UL << 3)
#define SCTLR_EL2_I (1UL << 12)
#define SCTLR_EL2_WXN (1UL << 19)
#define SCTLR_EL2_EE (1UL << 25)
#define SCTLR_EL2_RES1                                                                     \
	((1UL << 4) | (1UL << 5) | (1UL << 11) | (1UL << 16) | (1UL << 18) | (1UL << 22) | \
	 (1UL << 23) | (1UL << 28) | (1UL << 29))

/* HCR_EL2 (D13.2.48). */
#define HCR_EL2_VM (1UL << 0)
#define HCR_EL2_FMO (1UL << 3)
#define HCR_EL2_IMO (1UL << 4)
#define HCR_EL2_AMO (1UL << 5)
#define HCR_EL2_RW (1UL << 31)

#define HCR_EL2_SWIO (1UL << 1)
#define HCR_EL2_VI (1UL << 7)
#define HCR_EL2_FB (1UL << 9)
#define HCR_EL2_BSU_IS (1UL << 10)
#define HCR_EL2_TWI (1UL << 13)
#define HCR_EL2_TWE (1UL << 14)
#define HCR_EL2_TSC (1UL << 19)
#define HCR_EL2_TIDCP (1UL << 20)
#define HCR_EL2_TACR (1UL << 21)
#define HCR_EL2_TSW (1UL << 22)

/* CPTR_EL2 (D13.2.31), E2H=0: TFP traps FP/SIMD, bits 13:12 and 9:0 RES1 except bit 8 (TZ). */
#define CPTR_EL2_TFP (1UL << 10)
#define CPTR_EL2_RES1 (0x33ffUL & ~(1UL << 8))

/* CNTHCTL_EL2 (D13.8.4), E2H=0: EL1PCTEN/EL1PCEN let EL1 use the physical counter/timer. */
#define CNTHCTL_EL1PCTEN (1UL << 0)
#define CNTHCTL_EL1PCEN (1UL << 1)

/* CNTHP_CTL_EL2 / CNT*_CTL (D13.8.8): ENABLE, IMASK, ISTATUS. */
#define CNT_CTL_ENABLE (1UL << 0)
#define CNT_CTL_IMASK (1UL << 1)
#define CNT_CTL_ISTATUS (1UL << 2)

/* ID_AA64MMFR0_EL1.PARange, bits [3:0] (D13.2.64). */
#define MMFR0_PARANGE_MASK 0xfUL

/* ID_AA64PFR0_EL1.GIC, bits [27:24]: 1 = GICv3/4 system registers implemented (D13.2.67). */
#define PFR0_GIC_SHIFT 24
#define PFR0_GIC_MASK 0xfUL

/* MPIDR_EL1 affinity fields (D13.2.86). */
#define MPIDR_AFF_MASK 0xff00ffffffUL

/* SPSR_ELx.M[3:0] modes and DAIF bits (C5.2.19). */
#define SPSR_MODE_EL1H 0x5
#define SPSR_MODE_EL2H 0x9
#define SPSR_DAIF (0xfUL << 6)

/* ESR_ELx (D13.2.37): EC [31:26], IL [25], ISS [24:0]. */
#define ESR_EC_SHIFT 26
#define ESR_EC_MASK 0x3fUL
#define ESR_IL (1UL << 25)
#define ESR_ISS_MASK 0x1ffffffUL

static inline void isb(void)
{
	__asm__ volatile("isb" ::: "memory");
}

static inline void dsb_sy(void)
{
	__asm__ volatile("dsb sy" ::: "memory");
}

static inline void dsb_ish(void)
{
	__asm__ volatile("dsb ish" ::: "memory");
}

#endif
