/**
 * Portable interrupt layer: a handler per INTID and the acknowledge/dispatch/complete loop. The
 * handler table is written at boot (before interrupts are enabled) and only read afterwards.
 */
#include <skiff/console.h>
#include <skiff/cpu.h>
#include <skiff/irqchip.h>
#include <skiff/panic.h>

static const struct irqchip_ops *chip;

static struct {
	irq_handler_t fn;
	void *ctx;
} handlers[IRQ_MAX];

const char *irq_init(const struct platform *p)
{
	if (p->gic.kind == IRQCHIP_NONE)
		return "no supported interrupt controller in the DTB";
	chip = arch_irqchip_find(p->gic.kind);
	if (!chip)
		return "this build has no driver for the DTB's interrupt controller";
	return chip->init(&p->gic);
}

const char *irq_cpu_init(void)
{
	return chip ? chip->cpu_init() : "interrupt controller not initialised";
}

void irq_register(uint32_t intid, irq_handler_t fn, void *ctx)
{
	CHECK(chip && intid < IRQ_MAX);
	handlers[intid].fn = fn;
	handlers[intid].ctx = ctx;
	chip->enable(intid);
}

void irq_handle(void)
{
	uint32_t intid;

	while ((intid = chip->ack()) < IRQ_MAX) {
		this_cpu()->irqs++;
		if (handlers[intid].fn)
			handlers[intid].fn(intid, handlers[intid].ctx);
		else
			kprintf("irq: unexpected interrupt %u (disabled)\n", intid);
		chip->eoi(intid);
		if (!handlers[intid].fn)
			chip->disable(intid);
	}
}

const char *irq_chip_name(void)
{
	return chip ? chip->name : "none";
}
