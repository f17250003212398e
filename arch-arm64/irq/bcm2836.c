/**
 * The BCM2836 per-core local interrupt controller ("ARM Quad-A7 control", BCM2836 QA7_rev3.4;
 * the same block in the BCM2837 of the Raspberry Pi 3): there is no GIC. Each core's four
 * generic-timer outputs go to that core's IRQ through an enable register, and a per-core source
 * register says what is pending. Numbering is the DT binding's (brcm,bcm2836-l1-intc):
 * 0 CNTPSIRQ, 1 CNTPNSIRQ, 2 CNTHPIRQ, 3 CNTVIRQ, 4-7 mailboxes, 8 GPU, 9 PMU.
 *
 * Only the timers are driven: the hypervisor's tick (CNTHP) and the guests' virtual timer (CNTV).
 * The lines are levels that the timer hardware drops once the handler re-arms or masks the
 * timer, so there is nothing to acknowledge or complete in the controller.
 */
#include <skiff/irqchip.h>

/* Registers (QA7 section 4): offsets from the controller's base. */
#define LOCAL_TIMER_INT_CONTROL(core) (0x40 + 4 * (core)) /* bits 0-3: IRQ enable per timer */
#define LOCAL_MAILBOX_INT_CONTROL(core) (0x50 + 4 * (core))
#define LOCAL_IRQ_PENDING(core) (0x60 + 4 * (core)) /* bit n: source n pending */

#define LOCAL_CORES 4
#define LOCAL_TIMER_IRQS 4 /* 0..3, the only numbers this driver enables */
#define LOCAL_TIMER_MASK ((1U << LOCAL_TIMER_IRQS) - 1)

static uintptr_t base;

/* The core number is MPIDR_EL1.Aff0 (the four A53s of the BCM2837 are one cluster). */
static unsigned this_core(void)
{
	return (unsigned)(arch_cpu_hwid() & 0xff) % LOCAL_CORES;
}

static const char *bcm2836_init(const struct platform_gic *g)
{
	base = (uintptr_t)pa_addr(g->dist);
	if (!base)
		return "BCM2836 local interrupt controller without an address";
	return NULL;
}

/* Starts with this core's timer and mailbox interrupts off, whatever the loader left. */
static const char *bcm2836_cpu_init(void)
{
	arch_mmio_write32(base + LOCAL_TIMER_INT_CONTROL(this_core()), 0);
	arch_mmio_write32(base + LOCAL_MAILBOX_INT_CONTROL(this_core()), 0);
	return NULL;
}

static void bcm2836_enable(uint32_t irq)
{
	uintptr_t reg = base + LOCAL_TIMER_INT_CONTROL(this_core());

	if (irq < LOCAL_TIMER_IRQS)
		arch_mmio_write32(reg, arch_mmio_read32(reg) | 1U << irq);
}

static void bcm2836_disable(uint32_t irq)
{
	uintptr_t reg = base + LOCAL_TIMER_INT_CONTROL(this_core());

	if (irq < LOCAL_TIMER_IRQS)
		arch_mmio_write32(reg, arch_mmio_read32(reg) & ~(1U << irq));
}

/* The lowest-numbered pending timer that is enabled (the source register shows only those). */
static uint32_t bcm2836_ack(void)
{
	uint32_t pending = arch_mmio_read32(base + LOCAL_IRQ_PENDING(this_core()));

	pending &= LOCAL_TIMER_MASK;
	return pending ? (uint32_t)__builtin_ctz(pending) : IRQ_SPURIOUS;
}

static void bcm2836_eoi(uint32_t irq)
{
	(void)irq; /* level interrupts: the handler cleared the source */
}

const struct irqchip_ops bcm2836_ops = {
	.name = "BCM2836 local (no GIC)",
	.kind = IRQCHIP_BCM2836,
	.init = bcm2836_init,
	.cpu_init = bcm2836_cpu_init,
	.enable = bcm2836_enable,
	.disable = bcm2836_disable,
	.ack = bcm2836_ack,
	.eoi = bcm2836_eoi,
};
