/**
 * The BCM2836 per-core local interrupt controller ("ARM Quad-A7 control", BCM2836 QA7_rev3.4;
 * the same block in the BCM2837 of the Raspberry Pi 3): there is no GIC. Each core's four
 * generic-timer outputs go to that core's IRQ through an enable register, and a per-core source
 * register says what is pending. Numbering is the DT binding's (brcm,bcm2836-l1-intc):
 * 0 CNTPSIRQ, 1 CNTPNSIRQ, 2 CNTHPIRQ, 3 CNTVIRQ, 4-7 mailboxes, 8 GPU, 9 PMU. Kicks between
 * cores use mailbox 0.
 *
 * The timers drive the hypervisor's tick (CNTHP) and the guests' virtual timer (CNTV). The
 * peripherals' interrupts (the console UART's) come through the BCM2835 controller ("armctrl",
 * BCM2835 ARM Peripherals section 7), whose output is the local controller's GPU input (8):
 * they are numbered 32 + bank * 32 + n, bank 0 the ARM-local basic sources, banks 1 and 2 the
 * 64 GPU peripheral lines (binding brcm,bcm2835-armctrl-ic).
 * Every line is a level the device drops once the handler has served it, so there is nothing to
 * acknowledge or complete in either controller.
 */
#include <skiff/irqchip.h>

/* Registers (QA7 section 4): offsets from the controller's base. */
#define LOCAL_GPU_ROUTING 0x0c                            /* bits 1:0: core taking GPU IRQs */
#define LOCAL_TIMER_INT_CONTROL(core) (0x40 + 4 * (core)) /* bits 0-3: IRQ enable per timer */
#define LOCAL_MAILBOX_INT_CONTROL(core) (0x50 + 4 * (core))
#define LOCAL_IRQ_PENDING(core) (0x60 + 4 * (core))       /* bit n: source n pending */
#define LOCAL_MAILBOX0_SET(core) (0x80 + 0x10 * (core))   /* write: sets the bits written */
#define LOCAL_MAILBOX0_CLEAR(core) (0xc0 + 0x10 * (core)) /* read; write: clears them */

#define LOCAL_CORES 4
#define LOCAL_TIMER_IRQS 4 /* 0..3 */
#define LOCAL_TIMER_MASK ((1U << LOCAL_TIMER_IRQS) - 1)
#define LOCAL_IRQ_MAILBOX0 4 /* kicks between cores */
#define LOCAL_IRQ_GPU (1U << 8)

/* BCM2835 controller (section 7.5): per bank a pending, an enable-set and an enable-clear word. */
#define ARMCTRL_FIRST 32 /* our number of bank 0, bit 0 */
#define ARMCTRL_BANKS 3
static const uint16_t armctrl_pending[ARMCTRL_BANKS] = { 0x00, 0x04, 0x08 };
static const uint16_t armctrl_enable[ARMCTRL_BANKS] = { 0x18, 0x10, 0x14 };
static const uint16_t armctrl_disable[ARMCTRL_BANKS] = { 0x24, 0x1c, 0x20 };
#define ARMCTRL_BASIC_MASK 0xffU /* bank 0: the ARM-local sources; higher bits are shortcuts */

static uintptr_t base, armctrl;
static uint32_t armctrl_enabled[ARMCTRL_BANKS]; /* what we enabled: pending words are raw */

/* The core number is MPIDR_EL1.Aff0 (the four A53s of the BCM2837 are one cluster). */
static unsigned this_core(void)
{
	return (unsigned)(arch_cpu_hwid() & 0xff) % LOCAL_CORES;
}

static const char *bcm2836_init(const struct platform_gic *g)
{
	base = (uintptr_t)pa_addr(g->dist);
	armctrl = (uintptr_t)pa_addr(g->cpuif);
	if (!base)
		return "BCM2836 local interrupt controller without an address";
	for (unsigned b = 0; armctrl && b < ARMCTRL_BANKS; b++) /* none until asked for */
		arch_mmio_write32(armctrl + armctrl_disable[b], b ? ~0U : ARMCTRL_BASIC_MASK);
	return NULL;
}

/* Starts with this core's timer and mailbox interrupts off, whatever the loader left. */
static const char *bcm2836_cpu_init(void)
{
	arch_mmio_write32(base + LOCAL_TIMER_INT_CONTROL(this_core()), 0);
	arch_mmio_write32(base + LOCAL_MAILBOX_INT_CONTROL(this_core()), 0);
	return NULL;
}

/* A BCM2835 line: its bank, and the bit in that bank's words; false if not one. */
static bool armctrl_line(uint32_t irq, unsigned *bank, uint32_t *bit)
{
	if (!armctrl || irq < ARMCTRL_FIRST || irq >= ARMCTRL_FIRST + 32 * ARMCTRL_BANKS)
		return false;
	*bank = (irq - ARMCTRL_FIRST) / 32;
	*bit = 1U << (irq - ARMCTRL_FIRST) % 32;
	return *bank || (*bit & ARMCTRL_BASIC_MASK);
}

static void bcm2836_enable(uint32_t irq)
{
	uintptr_t reg = base + LOCAL_TIMER_INT_CONTROL(this_core());
	unsigned bank;
	uint32_t bit;

	if (irq < LOCAL_TIMER_IRQS) {
		arch_mmio_write32(reg, arch_mmio_read32(reg) | 1U << irq);
	} else if (irq == LOCAL_IRQ_MAILBOX0) {
		arch_mmio_write32(base + LOCAL_MAILBOX_INT_CONTROL(this_core()), 1);
	} else if (armctrl_line(irq, &bank, &bit)) {
		arch_mmio_write32(base + LOCAL_GPU_ROUTING, this_core()); /* IRQ and FIQ here */
		armctrl_enabled[bank] |= bit;
		arch_mmio_write32(armctrl + armctrl_enable[bank], bit);
	}
}

static void bcm2836_disable(uint32_t irq)
{
	uintptr_t reg = base + LOCAL_TIMER_INT_CONTROL(this_core());
	unsigned bank;
	uint32_t bit;

	if (irq < LOCAL_TIMER_IRQS) {
		arch_mmio_write32(reg, arch_mmio_read32(reg) & ~(1U << irq));
	} else if (irq == LOCAL_IRQ_MAILBOX0) {
		arch_mmio_write32(base + LOCAL_MAILBOX_INT_CONTROL(this_core()), 0);
	} else if (armctrl_line(irq, &bank, &bit)) {
		armctrl_enabled[bank] &= ~bit;
		arch_mmio_write32(armctrl + armctrl_disable[bank], bit);
	}
}

/* The lowest-numbered enabled BCM2835 line that is pending, or IRQ_SPURIOUS. */
static uint32_t armctrl_ack(void)
{
	for (unsigned b = 0; armctrl && b < ARMCTRL_BANKS; b++) {
		uint32_t pending = arch_mmio_read32(armctrl + armctrl_pending[b]);
		pending &= armctrl_enabled[b];
		if (pending)
			return ARMCTRL_FIRST + 32 * b + (uint32_t)__builtin_ctz(pending);
	}
	return IRQ_SPURIOUS;
}

/* The lowest-numbered pending timer that is enabled (the source register shows only those),
 * then the peripherals. */
static uint32_t bcm2836_ack(void)
{
	uint32_t pending = arch_mmio_read32(base + LOCAL_IRQ_PENDING(this_core()));

	if (pending & LOCAL_TIMER_MASK)
		return (uint32_t)__builtin_ctz(pending & LOCAL_TIMER_MASK);
	if (pending & 1U << LOCAL_IRQ_MAILBOX0) { /* cleared now: the kick's news is in memory */
		arch_mmio_write32(base + LOCAL_MAILBOX0_CLEAR(this_core()), ~0U);
		return LOCAL_IRQ_MAILBOX0;
	}
	return pending & LOCAL_IRQ_GPU ? armctrl_ack() : IRQ_SPURIOUS;
}

static void bcm2836_eoi(uint32_t irq)
{
	(void)irq; /* level interrupts: the handler cleared the source */
}

/* Mailbox 0 of the target core (QA7 section 4.10): any bit set raises its interrupt. */
static void bcm2836_send_ipi(unsigned index, uint64_t hwid)
{
	(void)index;
	__asm__ volatile("dsb ishst" ::: "memory");
	arch_mmio_write32(base + LOCAL_MAILBOX0_SET((unsigned)(hwid & 0xff) % LOCAL_CORES), 1);
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
	.ipi_intid = LOCAL_IRQ_MAILBOX0,
	.send_ipi = bcm2836_send_ipi,
};
