/**
 * Fake interrupt controller behind arch_irqchip_find: a queue of pending INTIDs that ack() pops,
 * and counters for everything else, so tests can drive irq_handle() like the IRQ vector does.
 */
#include <string.h>

#include "fake_arch.h"

struct fake_irqchip_state fake_irqchip;

void fake_irqchip_reset(void)
{
	memset(&fake_irqchip, 0, sizeof(fake_irqchip));
	fake_irqchip.present = true;
}

void fake_irqchip_raise(uint32_t intid)
{
	if (fake_irqchip.nqueue == FAKE_IRQ_QUEUE)
		fake_violation("fake irqchip queue full");
	else
		fake_irqchip.queue[fake_irqchip.nqueue++] = intid;
}

static const char *fake_init(const struct platform_gic *g)
{
	(void)g;
	fake_irqchip.inits++;
	return fake_irqchip.init_error;
}

static const char *fake_cpu_init(void)
{
	fake_irqchip.cpu_inits++;
	return fake_irqchip.cpu_init_error;
}

static void fake_enable(uint32_t intid)
{
	if (intid >= IRQ_MAX)
		fake_violation("enable of INTID %u", intid);
	else
		fake_irqchip.enabled[intid] = true;
	fake_irqchip.enables++;
	fake_irqchip.last_enabled = intid;
}

static void fake_disable(uint32_t intid)
{
	if (intid >= IRQ_MAX)
		fake_violation("disable of INTID %u", intid);
	else
		fake_irqchip.enabled[intid] = false;
	fake_irqchip.disables++;
	fake_irqchip.last_disabled = intid;
}

static uint32_t fake_ack(void)
{
	uint32_t intid;

	fake_irqchip.acks++;
	if (!fake_irqchip.nqueue)
		return IRQ_SPURIOUS;
	intid = fake_irqchip.queue[0];
	memmove(fake_irqchip.queue, fake_irqchip.queue + 1,
		--fake_irqchip.nqueue * sizeof(fake_irqchip.queue[0]));
	return intid;
}

static void fake_eoi(uint32_t intid)
{
	fake_irqchip.eois++;
	fake_irqchip.last_eoi = intid;
}

static void fake_send_ipi(unsigned index, uint64_t hwid)
{
	(void)hwid;
	if (index < FAKE_MAX_CPUS)
		fake_irqchip.ipis[index]++;
	else
		fake_violation("IPI to CPU %u", index);
}

static const struct irqchip_ops fake_ops = {
	.name = "fake-gic",
	.kind = IRQCHIP_GICV3,
	.init = fake_init,
	.cpu_init = fake_cpu_init,
	.enable = fake_enable,
	.disable = fake_disable,
	.ack = fake_ack,
	.eoi = fake_eoi,
	.ipi_intid = FAKE_IPI_INTID,
	.send_ipi = fake_send_ipi,
};

const struct irqchip_ops *arch_irqchip_find(enum irqchip_kind kind)
{
	if (!fake_irqchip.present || kind == IRQCHIP_NONE)
		return NULL;
	return &fake_ops;
}
