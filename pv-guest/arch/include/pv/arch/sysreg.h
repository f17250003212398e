/**
 * EL1 system-register accessors for guests, generated from one macro, and the register fields
 * pv-guest uses as SHIFT/MASK pairs next to the ARM ARM (DDI 0487) section that defines them.
 * Used by pv-guest/arch/ and the arch headers next to this one; pv-guest/lib never names a
 * register.
 */
#ifndef PV_ARCH_SYSREG_H
#define PV_ARCH_SYSREG_H

/* pv_read_NAME()/pv_write_NAME(v) for a system register. */
#define PV_SYSREG_RW(name)                                                   \
	static inline unsigned long pv_read_##name(void)                     \
	{                                                                    \
		unsigned long v;                                             \
		__asm__ volatile("mrs %0, " #name : "=r"(v));                \
		return v;                                                    \
	}                                                                    \
	static inline void pv_write_##name(unsigned long v)                  \
	{                                                                    \
		__asm__ volatile("msr " #name ", %0" : : "r"(v) : "memory"); \
	}

/* ID registers never change: read without volatile so the compiler may merge reads. */
#define PV_SYSREG_RO_ID(name)                            \
	static inline unsigned long pv_read_##name(void) \
	{                                                \
		unsigned long v;                         \
		__asm__("mrs %0, " #name : "=r"(v));     \
		return v;                                \
	}

PV_SYSREG_RO_ID(id_aa64mmfr0_el1)
PV_SYSREG_RO_ID(cntfrq_el0)
PV_SYSREG_RO_ID(ctr_el0)

PV_SYSREG_RW(daif)
PV_SYSREG_RW(sctlr_el1)
PV_SYSREG_RW(tcr_el1)
PV_SYSREG_RW(mair_el1)
PV_SYSREG_RW(ttbr0_el1)
PV_SYSREG_RW(tpidr_el1)
PV_SYSREG_RW(esr_el1)
PV_SYSREG_RW(far_el1)
PV_SYSREG_RW(cntv_ctl_el0)
PV_SYSREG_RW(cntv_cval_el0)

/* PSTATE.DAIF as MRS/MSR DAIF sees it (ARM ARM C5.2): D bit 9, A bit 8, I bit 7, F bit 6. */
#define PV_DAIF_I (1UL << 7)

/* ESR_ELx.EC, bits [31:26] (ARM ARM D13.2, ESR_EL1). */
#define PV_ESR_EC_SHIFT 26
#define PV_ESR_EC_MASK 0x3fUL

/* CNTV_CTL_EL0 (ARM ARM, Generic Timer registers): ENABLE bit 0, IMASK bit 1, ISTATUS bit 2
 * (read-only). */
#define PV_CNTV_CTL_ENABLE (1UL << 0)
#define PV_CNTV_CTL_IMASK (1UL << 1)
#define PV_CNTV_CTL_ISTATUS (1UL << 2)

/* ID_AA64MMFR0_EL1.PARange, bits [3:0] (ARM ARM D13.2): same encoding as TCR_EL1.IPS. */
#define PV_MMFR0_PARANGE_MASK 0xfUL

/* TCR_EL1 (ARM ARM D13.2), TTBR0 half only; EPD1 turns off TTBR1 walks (we have no upper half). */
#define PV_TCR_T0SZ_SHIFT 0
#define PV_TCR_IRGN0_WBWA (1UL << 8)
#define PV_TCR_ORGN0_WBWA (1UL << 10)
#define PV_TCR_SH0_INNER (3UL << 12)
#define PV_TCR_TG0_4K (0UL << 14)
#define PV_TCR_EPD1 (1UL << 23)
#define PV_TCR_TG1_4K (2UL << 30)
#define PV_TCR_IPS_SHIFT 32

/* MAIR_EL1 (D13.2): attribute index 0 Normal WB RW-allocate (0xff), 1 Device-nGnRnE (0x00). */
#define PV_MAIR_IDX_NORMAL 0
#define PV_MAIR_IDX_DEVICE 1
#define PV_MAIR_VALUE (0xffUL << (8 * PV_MAIR_IDX_NORMAL) | 0x00UL << (8 * PV_MAIR_IDX_DEVICE))

/* SCTLR_EL1 (ARM ARM D13.2): M bit 0 (MMU), C bit 2 (data cache), I bit 12 (instruction cache). */
#define PV_SCTLR_M (1UL << 0)
#define PV_SCTLR_C (1UL << 2)
#define PV_SCTLR_I (1UL << 12)
#define PV_SCTLR_SA (1UL << 3) /* SP alignment check at EL1 */
/* RES1 in ARMv8.0 (later: EOS, TSCXT, EIS, SPAN, nTLSMD, LSMAOE; 1 is the safe value of each). */
#define PV_SCTLR_RES1 \
	((1UL << 11) | (1UL << 20) | (1UL << 22) | (1UL << 23) | (1UL << 28) | (1UL << 29))

/* CTR_EL0.DminLine, bits [19:16] (ARM ARM D13.2): log2 of the smallest D-cache line in words. */
#define PV_CTR_DMINLINE_SHIFT 16
#define PV_CTR_DMINLINE_MASK 0xfUL

/* CPACR_EL1.FPEN, bits [21:20] (ARM ARM D13.2): 0b11 = FP/SIMD not trapped at EL0 or EL1. */
#define PV_CPACR_FPEN_ALL (3UL << 20)

#endif
