/** The interrupt-controller drivers this arch provides, found by the family the DTB names. */
#include <skiff/irqchip.h>

extern const struct irqchip_ops gicv2_ops, gicv3_ops, bcm2836_ops;

static const struct irqchip_ops *const chips[] = { &gicv3_ops, &gicv2_ops, &bcm2836_ops };

const struct irqchip_ops *arch_irqchip_find(enum irqchip_kind kind)
{
	for (size_t i = 0; i < sizeof(chips) / sizeof(chips[0]); i++)
		if (chips[i]->kind == kind)
			return chips[i];
	return NULL;
}
