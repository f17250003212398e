/**
 * Secondary CPUs (issue 6). The boot CPU gives each CPU the DTB lists a per-CPU record, a stack
 * from the frame pool and a start slot (arch_secondary_prepare), then starts it as the DTB says:
 * PSCI CPU_ON (QEMU virt) or its spin table's release address (Raspberry Pi 3). The CPU turns
 * its MMU on with the shared tables (arch), sets up its interrupt-controller interface and
 * private interrupts (timer, guest timer, kicks) and the virtualization registers, reports, and
 * enters the scheduler, idle until a vCPU is placed on it; the boot CPU then kicks it once to
 * see its interrupts arrive. CPUs start one at a time; one that does not report (or answer the
 * kick) within SMP_START_TIMEOUT_MS is reported and left out, the rest run.
 */
#include <skiff/arch_vcpu.h>
#include <skiff/console.h>
#include <skiff/cpu.h>
#include <skiff/irqchip.h>
#include <skiff/mem.h>
#include <skiff/mm.h>
#include <skiff/psci.h>
#include <skiff/sched.h>
#include <skiff/smp.h>
#include <skiff/spin_table.h>
#include <skiff/timer.h>
#include <skiff/vcpu_trap.h>

#define SMP_START_TIMEOUT_MS 1000

static unsigned ncpus = 1; /* CPU records handed out: cpus[0] is the boot CPU */

unsigned smp_ncpus(void)
{
	return __atomic_load_n(&ncpus, __ATOMIC_ACQUIRE);
}

bool smp_cpu_online(unsigned index)
{
	return index == 0 || (index < PLATFORM_MAX_CPUS &&
			      __atomic_load_n(&cpus[index].state, __ATOMIC_ACQUIRE) == CPU_READY);
}

static const char *psci_error(int64_t e)
{
	switch (e) {
	case PSCI_E_NOT_SUPPORTED:
		return "PSCI CPU_ON is not supported";
	case PSCI_E_INVALID_PARAMETERS:
		return "PSCI CPU_ON: invalid parameters (no such CPU)";
	case PSCI_E_ALREADY_ON:
		return "PSCI CPU_ON: the CPU is already on";
	case PSCI_E_ON_PENDING:
		return "PSCI CPU_ON: the CPU is already being started";
	case PSCI_E_INVALID_ADDRESS:
		return "PSCI CPU_ON: invalid entry address";
	default:
		return "PSCI CPU_ON failed";
	}
}

/* Asks the firmware or the spin table to start DTB CPU @i at @entry; NULL or why not. */
static const char *kick_off(const struct platform *p, unsigned i, uint64_t entry)
{
	int64_t rc;

	if (p->cpu_release[i]) {
		if (!spin_table_release(p, i, entry))
			return "its spin-table release address is not in RAM or not aligned";
		arch_cpu_send_event();
		return NULL;
	}
	if (psci_conduit() == FW_CONDUIT_NONE)
		return "neither PSCI nor a spin table to start it with";
	rc = psci_cpu_on(p->cpu_hwid[i], entry, 0);
	return rc ? psci_error(rc) : NULL;
}

/* Waits for @c to leave CPU_STARTING; false (and the record marked failed) after the timeout. */
static bool wait_online(struct cpu *c)
{
	uint64_t give_up = arch_counter_now() + timer_us_to_ticks(SMP_START_TIMEOUT_MS * 1000);
	uint32_t starting = CPU_STARTING;

	while (__atomic_load_n(&c->state, __ATOMIC_ACQUIRE) == CPU_STARTING) {
		if (arch_counter_now() >= give_up &&
		    __atomic_compare_exchange_n(&c->state, &starting, CPU_FAILED, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			c->error = "it did not report within 1 s";
			return false;
		}
		arch_cpu_relax();
	}
	/* Online: it reports (one line) and then says it is ready. */
	while (__atomic_load_n(&c->state, __ATOMIC_ACQUIRE) == CPU_ONLINE)
		arch_cpu_relax();
	return __atomic_load_n(&c->state, __ATOMIC_ACQUIRE) == CPU_READY;
}

/*
 * One kick, answered: a CPU the others cannot interrupt would sleep through every wake-up, so
 * it is not used (it stays idle in WFI).
 */
static bool check_kick(struct cpu *c)
{
	uint64_t give_up = arch_counter_now() + timer_us_to_ticks(SMP_START_TIMEOUT_MS * 1000);

	smp_kick(c->index);
	while (!__atomic_load_n(&c->kicks, __ATOMIC_RELAXED)) {
		if (arch_counter_now() >= give_up) {
			c->error = "it came up but does not take kicks from other CPUs";
			__atomic_store_n(&c->state, CPU_FAILED, __ATOMIC_RELEASE);
			return false;
		}
		arch_cpu_relax();
	}
	return true;
}

/* Starts DTB CPU @i as cpus[@index]; true if it came up. */
static bool start_one(const struct platform *p, unsigned i, unsigned index)
{
	struct cpu *c = &cpus[index];
	paddr_t stack;
	uint64_t entry;

	c->index = index;
	c->hwid = p->cpu_hwid[i];
	c->state = CPU_STARTING;
	c->error = NULL;
	if (!frame_alloc(&frames, CPU_STACK_SIZE / PAGE_SIZE, 1, &stack)) {
		c->error = "no memory for its stack";
		c->state = CPU_FAILED;
		return false;
	}
	c->stack_top = (uintptr_t)pa_to_ptr(stack) + CPU_STACK_SIZE;
	entry = arch_secondary_prepare(index, c->hwid, c, c->stack_top);
	c->error = kick_off(p, i, entry);
	if (c->error) {
		c->state = CPU_FAILED;
		frame_free(&frames, stack, CPU_STACK_SIZE / PAGE_SIZE);
		return false;
	}
	return wait_online(c) && check_kick(c); /* one that may still start keeps its stack */
}

void smp_kick(unsigned index)
{
	if (index != this_cpu()->index)
		irq_send_ipi(index, cpus[index].hwid);
}

/* The kick's only job is the interrupt itself: taking it ends WFI or the guest's run, and the
 * exit path then finds what the sender left. */
static void kick_irq(uint32_t intid, void *ctx)
{
	(void)intid;
	(void)ctx;
	this_cpu()->kicks++;
}

unsigned smp_start_secondaries(const struct platform *p)
{
	uint64_t self = arch_cpu_hwid();
	unsigned online = 1;

	cpus[0].state = CPU_READY;
	irq_register_percpu(irq_ipi_intid(), kick_irq, NULL);
	for (unsigned i = 0; i < p->ncpus && ncpus < PLATFORM_MAX_CPUS; i++) {
		unsigned index = ncpus;
		if (p->cpu_hwid[i] == self)
			continue;
		__atomic_store_n(&ncpus, index + 1, __ATOMIC_RELEASE);
		if (start_one(p, i, index))
			online++;
		else
			kprintf("cpu %u (MPIDR 0x%lx) did not come up: %s; running without it\n",
				index, cpus[index].hwid, cpus[index].error);
	}
	kprintf("smp: %u of %u CPU(s) online\n", online, p->ncpus);
	return online;
}

void smp_secondary_main(struct cpu *c)
{
	uint32_t starting = CPU_STARTING;
	const char *err;

	arch_set_this_cpu(c);
	err = irq_cpu_init();
	if (err) {
		c->error = err;
		__atomic_compare_exchange_n(&c->state, &starting, CPU_FAILED, false,
					    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
		arch_halt(); /* unusable: the others run without it */
	}
	if (!__atomic_compare_exchange_n(&c->state, &starting, CPU_ONLINE, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		arch_halt(); /* too late: the boot CPU gave up on it */
	arch_virt_cpu_init();
	kprintf("cpu %u: online, MPIDR 0x%lx, %s\n", c->index, c->hwid, irq_chip_name());
	__atomic_store_n(&c->state, CPU_READY, __ATOMIC_RELEASE);
	vcpu_enter_first();
}
