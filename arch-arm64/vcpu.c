/**
 * arm64 vCPU state: reset values, the EL1 system-register and FP/SIMD half of the world switch,
 * the guest's virtual timer, stage-2 control (VTCR_EL2/VTTBR_EL2) and guest traps configuration.
 */
#include <arch/sysreg.h>
#include <skiff/arch_vcpu.h>
#include <skiff/cpu.h>
#include <skiff/vcpu_trap.h>
#include <skiff/vm.h>

_Static_assert(__builtin_offsetof(struct vcpu, arch) == 0, "arch context first");
_Static_assert(__builtin_offsetof(struct arch_vcpu, pc) == VCPU_PC, "VCPU_PC");
_Static_assert(__builtin_offsetof(struct arch_vcpu, pstate) == VCPU_PSTATE, "VCPU_PSTATE");
_Static_assert(__builtin_offsetof(struct arch_vcpu, hcr) == VCPU_HCR, "VCPU_HCR");
_Static_assert(__builtin_offsetof(struct cpu, vcpu) == 0, "cpu.vcpu first");

void arch_fp_save(void *area);
void arch_fp_restore(const void *area);
NORETURN void arch_enter_first_asm(struct vcpu *v, uintptr_t stack_top);

/*
 * HCR_EL2 while a guest runs (D13.2.48): stage 2 on; physical interrupts to EL2; broadcast
 * maintenance inner-shareable; trap WFI/WFE (scheduling), SMC (no firmware for guests),
 * implementation-defined and auxiliary control registers, and set/way cache maintenance.
 */
#define HCR_GUEST                                                                                  \
	(HCR_EL2_VM | HCR_EL2_SWIO | HCR_EL2_FMO | HCR_EL2_IMO | HCR_EL2_AMO | HCR_EL2_FB |        \
	 HCR_EL2_BSU_IS | HCR_EL2_TWI | HCR_EL2_TWE | HCR_EL2_TSC | HCR_EL2_TIDCP | HCR_EL2_TACR | \
	 HCR_EL2_TSW | HCR_EL2_RW)

/* SCTLR_EL1 RES1 bits at reset for ARMv8.0 (D13.2.118): 11, 20, 22, 23, 28, 29. */
#define SCTLR_EL1_RESET 0x30d00800UL

/* MDCR_EL2 (D13.3.7): trap PMU (TPM, TPMCR) and debug register (TDA, TDOSA, TDRA) accesses. */
#define MDCR_TRAPS ((1UL << 5) | (1UL << 6) | (1UL << 9) | (1UL << 10) | (1UL << 11))

void arch_virt_cpu_init(void)
{
	uint64_t ps = read_id_aa64mmfr0_el1() & MMFR0_PARANGE_MASK;
	uint64_t hpmn = (read_pmcr_el0() >> 11) & 0x1f;

	/* VTCR_EL2 (D13.2.151): 39-bit IPA, walk from level 1, WB walks, inner shareable, 4 KiB. */
	write_vtcr_el2((1UL << 31) | (MIN(ps, 2UL) << 16) | (3UL << 12) | (1UL << 10) | (1UL << 8) |
		       (1UL << 6) | 25);
	write_mdcr_el2(MDCR_TRAPS | hpmn);
	isb();
}

unsigned arch_vmid_count(void)
{
	/* ID_AA64MMFR1_EL1.VMIDBits [7:4] = 2: 16-bit VMIDs, but VTCR_EL2.VS stays 0 (8 bits). */
	return 256;
}

void arch_tlb_flush_guests(void)
{
	__asm__ volatile("dsb ishst\n\ttlbi alle1is\n\tdsb ish\n\tisb" ::: "memory");
}

/* Where guest_entry.S saves x19-x29 of an exiting vCPU whose live registers are void. */
static struct arch_vcpu discard[PLATFORM_MAX_CPUS];

/*
 * A vCPU reset while its state is live on this CPU (a guest rebooting itself, root restarting
 * after its own fault) must not get that state back: its EL1 registers are not loaded again
 * from memory unless `loaded` changes, and guest_entry.S swaps x19-x29 only when the vCPU
 * changes. So forget it is loaded, and point the exit's saved-vCPU slot (at the top of this
 * CPU's stack, see guest_save) at a discard area.
 */
static void forget_live_state(struct vcpu *v)
{
	struct cpu *c = this_cpu();
	struct vcpu **exiting;

	if (!c || !c->stack_top)
		return;     /* still booting: nothing is live */
	if (c->loaded == v) /* released: sched_balance.c reads it with acquire */
		__atomic_store_n(&c->loaded, NULL, __ATOMIC_RELEASE);
	exiting = (struct vcpu **)(c->stack_top - 16);
	if (*exiting == v)
		*exiting = (struct vcpu *)&discard[c->index];
}

void arch_vcpu_forget(struct vcpu *v)
{
	forget_live_state(v);
}

void arch_vcpu_reset(struct vcpu *v, uint64_t entry, uint64_t arg)
{
	struct arch_vcpu *a = &v->arch;

	forget_live_state(v);

	for (unsigned i = 0; i < ARRAY_SIZE(a->x); i++)
		a->x[i] = 0;
	for (unsigned i = 0; i < SR_COUNT; i++)
		a->sys[i] = 0;
	a->x[0] = arg;
	a->pc = entry;
	a->pstate = SPSR_DAIF | SPSR_MODE_EL1H;
	a->hcr = HCR_GUEST;
	a->sys[SR_SCTLR] = SCTLR_EL1_RESET;
	a->sys[SR_VMPIDR] = (1UL << 31) | v->id;
	a->fpsr = a->fpcr = 0;
	v->vtimer_deadline = 0;
}

void arch_vcpu_set_stage2(struct vcpu *v, paddr_t root, uint16_t vmid)
{
	v->arch.vttbr = (uint64_t)vmid << 48 | pa_addr(root);
}

/*
 * The EL1 registers move two at a time: two MRS into a pair of general registers and one STP
 * (or one LDP and two MSR), three instructions per pair where one register each took four. The
 * pairs follow enum el1_sysreg, so each pair's slots are adjacent.
 */
#define SAVE2(idx, r1, r2)                                                                \
	do {                                                                              \
		uint64_t _a, _b;                                                          \
		__asm__ volatile("mrs %0, " #r1 "\n\tmrs %1, " #r2 : "=r"(_a), "=r"(_b)); \
		a->sys[idx] = _a;                                                         \
		a->sys[idx + 1] = _b;                                                     \
	} while (0)
#define LOAD2(idx, r1, r2)                                    \
	__asm__ volatile("msr " #r1 ", %0\n\tmsr " #r2 ", %1" \
			 :                                    \
			 : "r"(a->sys[idx]), "r"(a->sys[idx + 1]))
#define SAVE(idx, reg)                                        \
	a->sys[idx] = ({                                      \
		uint64_t _v;                                  \
		__asm__ volatile("mrs %0, " #reg : "=r"(_v)); \
		_v;                                           \
	})
#define LOAD(idx, reg) __asm__ volatile("msr " #reg ", %0" : : "r"(a->sys[idx]))

_Static_assert(SR_TTBR0 == SR_SCTLR + 1 && SR_TCR == SR_TTBR1 + 1 && SR_AMAIR == SR_MAIR + 1 &&
		       SR_CONTEXTIDR == SR_VBAR + 1 && SR_TPIDR_EL0 == SR_TPIDR_EL1 + 1 &&
		       SR_SP_EL0 == SR_TPIDRRO_EL0 + 1 && SR_ELR_EL1 == SR_SP_EL1 + 1 &&
		       SR_ESR_EL1 == SR_SPSR_EL1 + 1 && SR_AFSR0 == SR_FAR_EL1 + 1 &&
		       SR_PAR == SR_AFSR1 + 1 && SR_CNTKCTL == SR_CPACR + 1,
	       "the pairs below are adjacent slots");

static void save_el1(struct arch_vcpu *a)
{
	SAVE2(SR_SCTLR, sctlr_el1, ttbr0_el1);
	SAVE2(SR_TTBR1, ttbr1_el1, tcr_el1);
	SAVE2(SR_MAIR, mair_el1, amair_el1);
	SAVE2(SR_VBAR, vbar_el1, contextidr_el1);
	SAVE2(SR_TPIDR_EL1, tpidr_el1, tpidr_el0);
	SAVE2(SR_TPIDRRO_EL0, tpidrro_el0, sp_el0);
	SAVE2(SR_SP_EL1, sp_el1, elr_el1);
	SAVE2(SR_SPSR_EL1, spsr_el1, esr_el1);
	SAVE2(SR_FAR_EL1, far_el1, afsr0_el1);
	SAVE2(SR_AFSR1, afsr1_el1, par_el1);
	SAVE2(SR_CPACR, cpacr_el1, cntkctl_el1);
	SAVE(SR_CSSELR, csselr_el1);
}

static void load_el1(const struct arch_vcpu *a)
{
	LOAD2(SR_SCTLR, sctlr_el1, ttbr0_el1);
	LOAD2(SR_TTBR1, ttbr1_el1, tcr_el1);
	LOAD2(SR_MAIR, mair_el1, amair_el1);
	LOAD2(SR_VBAR, vbar_el1, contextidr_el1);
	LOAD2(SR_TPIDR_EL1, tpidr_el1, tpidr_el0);
	LOAD2(SR_TPIDRRO_EL0, tpidrro_el0, sp_el0);
	LOAD2(SR_SP_EL1, sp_el1, elr_el1);
	LOAD2(SR_SPSR_EL1, spsr_el1, esr_el1);
	LOAD2(SR_FAR_EL1, far_el1, afsr0_el1);
	LOAD2(SR_AFSR1, afsr1_el1, par_el1);
	LOAD2(SR_CPACR, cpacr_el1, cntkctl_el1);
	LOAD(SR_CSSELR, csselr_el1);
	LOAD(SR_VMPIDR, vmpidr_el2);
}

/* The guest timer leaves the CPU with its vCPU; an armed one becomes a scheduler deadline. */
static void save_vtimer(struct vcpu *v)
{
	struct arch_vcpu *a = &v->arch;
	uint64_t ctl = read_cntv_ctl_el0();

	a->sys[SR_CNTV_CTL] = ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK);
	a->sys[SR_CNTV_CVAL] = read_cntv_cval_el0();
	write_cntv_ctl_el0(0);
	v->vtimer_deadline = (ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK)) == CNT_CTL_ENABLE ?
				     MAX(a->sys[SR_CNTV_CVAL], 1UL) :
				     0;
}

static void load_vtimer(struct vcpu *v)
{
	v->vtimer_deadline = 0;
	write_cntv_cval_el0(v->arch.sys[SR_CNTV_CVAL]);
	write_cntv_ctl_el0(v->arch.sys[SR_CNTV_CTL]);
}

void arch_vcpu_vtimer_mask(struct vcpu *v)
{
	v->arch.sys[SR_CNTV_CTL] |= CNT_CTL_IMASK;
	v->vtimer_deadline = 0;
}

void arch_vcpu_vtimer_mask_loaded(void)
{
	write_cntv_ctl_el0(read_cntv_ctl_el0() | CNT_CTL_IMASK);
	isb();
}

void arch_vcpu_unload(struct vcpu *prev)
{
	save_el1(&prev->arch);
	arch_fp_save(prev->arch.fp_q);
	save_vtimer(prev);
	isb();
}

void arch_vcpu_switch(struct vcpu *prev, struct vcpu *next)
{
	if (prev) {
		save_el1(&prev->arch);
		arch_fp_save(prev->arch.fp_q);
		save_vtimer(prev);
	}
	load_el1(&next->arch);
	arch_fp_restore(next->arch.fp_q);
	write_vttbr_el2(next->arch.vttbr);
	load_vtimer(next);
	isb();
}

void arch_vcpu_enter_first(struct vcpu *v)
{
	struct cpu *c = this_cpu();

	extern char boot_stack_top[];

	if (!c->stack_top)
		c->stack_top = (uintptr_t)boot_stack_top;
	arch_enter_first_asm(v, c->stack_top);
}

/*
 * One stand-in vCPU per CPU. "Entering" it is an ERET to EL2h (DAIF masked) at vcpu_enter_first:
 * guest_resume has saved the exiting vCPU's x19-x29 by then, and SP_EL2 is back at this CPU's
 * stack top (the exit's frame popped), so the idle loop starts afresh there.
 */
static struct vcpu idle_stubs[PLATFORM_MAX_CPUS];

struct vcpu *arch_vcpu_idle_stub(void)
{
	struct vcpu *s = &idle_stubs[this_cpu()->index];

	s->arch.pc = (uintptr_t)vcpu_enter_first;
	s->arch.pstate = SPSR_DAIF | SPSR_MODE_EL2H;
	s->arch.hcr = HCR_GUEST;
	return s;
}
