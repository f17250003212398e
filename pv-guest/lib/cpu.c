/**
 * Several vCPUs (pv/cpu.h): starting and stopping siblings through guest PSCI, IPIs, and each
 * vCPU's record (struct pv_cpu, in TPIDR_EL1). A sibling starts at pv_secondary_entry
 * (arch/start.S) with its MMU off: it loads the boot vCPU's stage-1 registers from its record,
 * which is therefore cleaned to memory first, turns the MMU on, and only then touches its stack.
 */
#include <pv/alloc.h>
#include <pv/arch/boot.h>
#include <pv/cpu.h>
#include <pv/event.h>
#include <pv/hvc.h>
#include <pv/internal.h>
#include <pv/irq.h>
#include <pv/spinlock.h>
#include <pv/vm.h>
#include <stddef.h>

_Static_assert(offsetof(struct pv_cpu, boot) == 0, "boot registers first");
_Static_assert(offsetof(struct pv_cpu_boot, mair) == PV_BOOT_MAIR, "boot layout");
_Static_assert(offsetof(struct pv_cpu_boot, tcr) == PV_BOOT_TCR, "boot layout");
_Static_assert(offsetof(struct pv_cpu_boot, ttbr0) == PV_BOOT_TTBR0, "boot layout");
_Static_assert(offsetof(struct pv_cpu_boot, sctlr) == PV_BOOT_SCTLR, "boot layout");
_Static_assert(offsetof(struct pv_cpu_boot, sp) == PV_BOOT_SP, "boot layout");
_Static_assert(sizeof(struct pv_cpu_boot) == PV_BOOT_SIZE, "boot layout");

static struct pv_cpu cpus[PV_MAX_VCPUS];
static struct pv_spinlock starting[PV_MAX_VCPUS]; /* one starter at a time per vCPU */
static unsigned int ncpus = 1;

/* The default SKIFF_EV_IPI handler: the upcall itself wakes pv_wait_event; count it. */
static void ipi_taken(unsigned int port)
{
	(void)port;
	pv_this_cpu()->ipis++;
}

void pv_cpu_init_boot(void)
{
	struct pv_vm_info info;

	cpus[0].id = 0;
	pv_arch_set_this_cpu(&cpus[0]);
	if (pv_vm_info(&info) == 0 && info.vcpus)
		ncpus = info.vcpus < PV_MAX_VCPUS ? info.vcpus : PV_MAX_VCPUS;
}

/* After pv_event_init: IPIs wake a vCPU waiting in pv_wait_event unless the guest says else. */
void pv_cpu_init_events(void)
{
	pv_event_handler(SKIFF_EV_IPI, ipi_taken);
}

_Noreturn void pv_secondary_main(struct pv_cpu *c)
{
	pv_event_cpu_init();
	pv_irq_enable();
	c->fn(c->arg);
	pv_cpu_off();
	pv_panic("vCPU %u: CPU_OFF returned", c->id);
}

/*
 * A vCPU's record is rewritten only while it is off (AFFINITY_INFO says so, under `starting`):
 * one that runs, or is reading its record with its MMU off, is left alone.
 */
long pv_cpu_on(unsigned int vcpu, void (*fn)(void *), void *arg)
{
	struct pv_cpu *c;
	unsigned long flags;
	long r;

	if (vcpu >= ncpus || vcpu == 0)
		return vcpu == 0 ? SKIFF_PSCI_E_ALREADY_ON : SKIFF_PSCI_E_INVALID_PARAMETERS;
	c = &cpus[vcpu];
	flags = pv_spin_lock_irqsave(&starting[vcpu]);
	r = pv_cpu_state(vcpu);
	if (r == SKIFF_PSCI_AFF_OFF && !c->stack && !(c->stack = pv_malloc(PV_CPU_STACK_SIZE)))
		r = SKIFF_E_NOMEM;
	if (r == SKIFF_PSCI_AFF_OFF) {
		c->id = vcpu;
		c->fn = fn;
		c->arg = arg;
		pv_mmu_boot_regs(&c->boot);
		c->boot.sp = (unsigned long)c->stack + PV_CPU_STACK_SIZE;
		pv_cache_clean(&c->boot, sizeof(c->boot));
		r = pv_hvc(SKIFF_PSCI_CPU_ON, vcpu, (unsigned long)pv_secondary_entry,
			   (unsigned long)c)
			    .x0;
	} else if (r >= 0) {
		r = r == SKIFF_PSCI_AFF_ON ? SKIFF_PSCI_E_ALREADY_ON : SKIFF_PSCI_E_ON_PENDING;
	}
	pv_spin_unlock_irqrestore(&starting[vcpu], flags);
	return r;
}

long pv_cpu_off(void)
{
	unsigned long flags = pv_irq_save();
	long r = pv_call(SKIFF_PSCI_CPU_OFF, 0, 0);

	pv_irq_restore(flags);
	return r;
}

long pv_cpu_state(unsigned int vcpu)
{
	return pv_call(SKIFF_PSCI_AFFINITY_INFO, vcpu, 0);
}

long pv_ipi_send(unsigned int vcpu)
{
	return pv_call(SKIFF_HVC_IPI_SEND, vcpu, 0);
}

unsigned long pv_ipi_count(void)
{
	return pv_this_cpu()->ipis;
}

unsigned int pv_vcpu_id(void)
{
	struct pv_cpu *c = pv_this_cpu();

	return c ? c->id : 0;
}

unsigned int pv_vcpu_count(void)
{
	return ncpus;
}
