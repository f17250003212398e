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
	bool percpu; /* enabled on every CPU as it comes up (irq_cpu_init) */
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
	const char *err = chip ? chip->cpu_init() : "interrupt controller not initialised";

	for (uint32_t i = 0; !err && i < IRQ_MAX; i++)
		if (handlers[i].percpu)
			chip->enable(i);
	return err;
}

static void set_handler(uint32_t intid, irq_handler_t fn, void *ctx, bool percpu)
{
	CHECK(chip && intid < IRQ_MAX);
	handlers[intid].fn = fn;
	handlers[intid].ctx = ctx;
	handlers[intid].percpu = percpu;
	chip->enable(intid);
}

void irq_register(uint32_t intid, irq_handler_t fn, void *ctx)
{
	set_handler(intid, fn, ctx, false);
}

void irq_register_percpu(uint32_t intid, irq_handler_t fn, void *ctx)
{
	set_handler(intid, fn, ctx, true);
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

uint32_t irq_ipi_intid(void)
{
	return chip->ipi_intid;
}

void irq_send_ipi(unsigned index, uint64_t hwid)
{
	chip->send_ipi(index, hwid);
}

const char *irq_chip_name(void)
{
	return chip ? chip->name : "none";
}
