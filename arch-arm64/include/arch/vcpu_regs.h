/**
 * arm64 vCPU context, embedded first in struct vcpu so the entry assembly reaches it at fixed
 * offsets (pinned by the static asserts in arch-arm64/vcpu.c). Plain data: a VM can be saved,
 * cloned or migrated by copying it. The portable core touches it only through the inline
 * accessors at the bottom (the fake arch provides the same names).
 */
#ifndef ARCH_VCPU_REGS_H
#define ARCH_VCPU_REGS_H

#define VCPU_X(n) ((n)*8)
#define VCPU_PC 248
#define VCPU_PSTATE 256
#define VCPU_HCR 264

#ifndef __ASSEMBLER__
#include <skiff/types.h>

/* EL1 system registers switched with the vCPU (ARM ARM D13.2). */
enum el1_sysreg {
	SR_SCTLR,
	SR_TTBR0,
	SR_TTBR1,
	SR_TCR,
	SR_MAIR,
	SR_AMAIR,
	SR_VBAR,
	SR_CONTEXTIDR,
	SR_TPIDR_EL1,
	SR_TPIDR_EL0,
	SR_TPIDRRO_EL0,
	SR_SP_EL0,
	SR_SP_EL1,
	SR_ELR_EL1,
	SR_SPSR_EL1,
	SR_ESR_EL1,
	SR_FAR_EL1,
	SR_AFSR0,
	SR_AFSR1,
	SR_PAR,
	SR_CPACR,
	SR_CNTKCTL,
	SR_CSSELR,
	SR_CNTV_CTL,
	SR_CNTV_CVAL,
	SR_VMPIDR,
	SR_COUNT
};

struct arch_vcpu {
	uint64_t x[31];  /* x0..x30 */
	uint64_t pc;     /* ELR_EL2 at exit: where the guest resumes */
	uint64_t pstate; /* SPSR_EL2 at exit */
	uint64_t hcr;    /* HCR_EL2 while this vCPU runs (VI = virtual IRQ pending) */
	uint64_t sys[SR_COUNT];
	__uint128_t fp_q[32] __attribute__((aligned(16)));
	uint64_t fpsr, fpcr;
	uint64_t vttbr; /* VMID << 48 | stage-2 root */
};

/* HCR_EL2.VI (ARM ARM D13.2.48): a virtual IRQ is pending for the guest. */
#define ARCH_HCR_VI (1UL << 7)

/**
 * Sets the virtual IRQ line of a vCPU for its next entry (kept inline). Atomic: another CPU may
 * set or clear it at the same time (vcpu_events_update).
 */
static inline void arch_vcpu_set_virq(struct arch_vcpu *a, bool pending)
{
	if (pending)
		__atomic_fetch_or(&a->hcr, ARCH_HCR_VI, __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_and(&a->hcr, ~ARCH_HCR_VI, __ATOMIC_SEQ_CST);
}

/** The virtual IRQ line as the next entry will set it (ordered after earlier atomics). */
static inline bool arch_vcpu_virq(const struct arch_vcpu *a)
{
	return (__atomic_load_n(&a->hcr, __ATOMIC_SEQ_CST) & ARCH_HCR_VI) != 0;
}

static inline uint64_t arch_vcpu_reg(const struct arch_vcpu *a, unsigned n)
{
	return a->x[n];
}

static inline void arch_vcpu_set_reg(struct arch_vcpu *a, unsigned n, uint64_t v)
{
	a->x[n] = v;
}

/*
 * Makes the vCPU run the HVC it trapped on again: ELR_EL2 of an HVC exit is the next instruction
 * (D1.10.x, "preferred exception return" of HVC), and HVC #imm is 4 bytes.
 */
static inline void arch_vcpu_repeat_call(struct arch_vcpu *a)
{
	a->pc -= 4;
}

#endif
#endif
