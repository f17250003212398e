/**
 * Guest exits, decoded by ESR_EL2.EC (ARM ARM D13.2.37) through a handler table (STYLE habit 6).
 * What Skiff emulates goes to the portable handlers; everything else parks the guest with a
 * report naming what it did.
 */
#include <arch/sysreg.h>
#include <skiff/arch_vcpu.h>
#include <skiff/console.h>
#include <skiff/irqchip.h>
#include <skiff/vcpu_trap.h>
#include <skiff/vm.h>

#define EC_WFX 0x01
#define EC_HVC64 0x16
#define EC_SMC64 0x17
#define EC_SYSREG 0x18
#define EC_IABT_LOW 0x20
#define EC_DABT_LOW 0x24

typedef struct vcpu *(*exit_handler)(struct vcpu *v, uint64_t esr);

struct vcpu *arch_guest_sync(struct vcpu *v, uint64_t esr);
struct vcpu *arch_guest_irq(struct vcpu *v);
struct vcpu *arch_guest_serror(struct vcpu *v, uint64_t esr);

static struct vcpu *park(struct vcpu *v, const char *fmt, uint64_t a, uint64_t esr)
{
	char why[128];

	snprintf(why, sizeof(why), fmt, a, (unsigned)esr, v->arch.pc);
	return vcpu_fault(v, why);
}

/* WFI blocks until an event or the guest's own timer deadline; WFE yields (D1.16). */
static struct vcpu *exit_wfx(struct vcpu *v, uint64_t esr)
{
	uint64_t ctl = read_cntv_ctl_el0(), deadline = 0;

	v->arch.pc += 4;
	if ((ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK)) == CNT_CTL_ENABLE)
		deadline = MAX(read_cntv_cval_el0(), 1UL);
	return vcpu_wait(v, esr & 1, deadline);
}

static struct vcpu *exit_hvc(struct vcpu *v, uint64_t esr)
{
	(void)esr;
	return vcpu_hypercall(v);
}

static struct vcpu *exit_smc(struct vcpu *v, uint64_t esr)
{
	return park(v, "SMC #%lu (guests have no firmware), ESR 0x%08x, PC 0x%lx", esr & 0xffff,
		    esr);
}

static struct vcpu *exit_sysreg(struct vcpu *v, uint64_t esr)
{
	/* ISS (D13.2.37.x): Op0 [21:20], Op2 [19:17], Op1 [16:14], CRn [13:10], CRm [4:1]. */
	uint64_t enc = ((esr >> 20) & 3) << 16 | ((esr >> 14) & 7) << 12 |
		       ((esr >> 10) & 0xf) << 8 | ((esr >> 1) & 0xf) << 4 | ((esr >> 17) & 7);

	return park(v,
		    "forbidden system register access (op0/op1/CRn/CRm/op2 0x%05lx), "
		    "ESR 0x%08x, PC 0x%lx",
		    enc, esr);
}

/* Stage-2 fault address: HPFAR_EL2.FIPA holds IPA[47:12] at [43:4] (D13.2.50). */
static uint64_t fault_ipa(void)
{
	return (read_hpfar_el2() >> 4) << 12 | (read_far_el2() & 0xfff);
}

/*
 * Abort ISS (D13.2.37): DFSC/IFSC [5:0] names the fault; translation (0b0001LL), access flag
 * (0b0010LL) and permission (0b0011LL) faults at any level are guest memory for vmem to resolve.
 * WnR [6] says write, except when S1PTW [7] is set: a stage-1 table walk only reads.
 */
#define ISS_WNR (1U << 6)
#define ISS_S1PTW (1U << 7)
#define FSC_MASK 0x3c
#define FSC_TRANSLATION 0x04
#define FSC_ACCESS_FLAG 0x08
#define FSC_PERMISSION 0x0c

static struct vcpu *exit_abort(struct vcpu *v, uint64_t esr)
{
	bool data = ((esr >> ESR_EC_SHIFT) & ESR_EC_MASK) == EC_DABT_LOW;
	bool write = data && (esr & (ISS_WNR | ISS_S1PTW)) == ISS_WNR;
	uint32_t fsc = esr & FSC_MASK;
	const char *fmt = !data ? "instruction fetch at IPA 0x%lx, ESR 0x%08x, PC 0x%lx" :
			  write ? "data abort (write) at IPA 0x%lx, ESR 0x%08x, PC 0x%lx" :
				  "data abort (read) at IPA 0x%lx, ESR 0x%08x, PC 0x%lx";
	struct vcpu *next = NULL;

	if (fsc == FSC_TRANSLATION || fsc == FSC_ACCESS_FLAG || fsc == FSC_PERMISSION)
		next = vcpu_stage2_fault(v, fault_ipa(), write);
	return next ? next : park(v, fmt, fault_ipa(), esr);
}

static struct vcpu *exit_unknown(struct vcpu *v, uint64_t esr)
{
	return park(v, "unhandled exception class 0x%02lx, ESR 0x%08x, PC 0x%lx",
		    (esr >> ESR_EC_SHIFT) & ESR_EC_MASK, esr);
}

static const exit_handler handlers[64] = {
	[EC_WFX] = exit_wfx,       [EC_HVC64] = exit_hvc,      [EC_SMC64] = exit_smc,
	[EC_SYSREG] = exit_sysreg, [EC_IABT_LOW] = exit_abort, [EC_DABT_LOW] = exit_abort,
};

struct vcpu *arch_guest_sync(struct vcpu *v, uint64_t esr)
{
	exit_handler h = handlers[(esr >> ESR_EC_SHIFT) & ESR_EC_MASK];

	return (h ? h : exit_unknown)(v, esr);
}

struct vcpu *arch_guest_irq(struct vcpu *v)
{
	irq_handle();
	return vcpu_interrupted(v);
}

struct vcpu *arch_guest_serror(struct vcpu *v, uint64_t esr)
{
	return park(v, "SError 0x%lx, ESR 0x%08x, PC 0x%lx", esr & ESR_ISS_MASK, esr);
}
