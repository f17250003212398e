/**
 * GICv2 driver (Arm IHI 0048B), as on the Raspberry Pi 4's GIC-400 and QEMU virt gic-version=2:
 * memory-mapped distributor and CPU interface. All interrupts Group 0 → IRQ (non-secure view),
 * one priority; SPIs target the boot CPU for now.
 */
#include <skiff/irqchip.h>

/* Distributor (4.3). */
#define GICD_CTLR 0x000
#define GICD_TYPER 0x004
#define GICD_ISENABLER 0x100
#define GICD_ICENABLER 0x180
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR 0x800

/* CPU interface (4.4). */
#define GICC_CTLR 0x00
#define GICC_PMR 0x04
#define GICC_BPR 0x08
#define GICC_IAR 0x0c
#define GICC_EOIR 0x10

#define IRQ_PRIORITY 0xa0

static struct {
	uintptr_t dist;
	uintptr_t cpu;
} gic;

static const char *gicv2_init(const struct platform_gic *g)
{
	uint32_t lines;

	gic.dist = (uintptr_t)pa_addr(g->dist);
	gic.cpu = (uintptr_t)pa_addr(g->cpuif);
	if (!gic.cpu)
		return "GICv2 without a CPU interface address";
	lines = 32 * ((arch_mmio_read32(gic.dist + GICD_TYPER) & 0x1f) + 1);
	arch_mmio_write32(gic.dist + GICD_CTLR, 0);
	for (uint32_t i = 32; i < lines; i += 32)
		arch_mmio_write32(gic.dist + GICD_ICENABLER + i / 8, ~0U);
	for (uint32_t i = 32; i < lines; i += 4)
		arch_mmio_write32(gic.dist + GICD_IPRIORITYR + i, IRQ_PRIORITY * 0x01010101U);
	arch_mmio_write32(gic.dist + GICD_CTLR, 1);
	return NULL;
}

static const char *gicv2_cpu_init(void)
{
	arch_mmio_write32(gic.dist + GICD_ICENABLER, ~0U);
	for (uint32_t i = 0; i < 32; i += 4)
		arch_mmio_write32(gic.dist + GICD_IPRIORITYR + i, IRQ_PRIORITY * 0x01010101U);
	arch_mmio_write32(gic.cpu + GICC_PMR, 0xff);
	arch_mmio_write32(gic.cpu + GICC_BPR, 0);
	arch_mmio_write32(gic.cpu + GICC_CTLR, 1);
	return NULL;
}

/* This CPU's bit in GICD_ITARGETSR: read back from a banked PPI target register (4.3.12). */
static uint8_t this_cpu_target(void)
{
	return (uint8_t)arch_mmio_read32(gic.dist + GICD_ITARGETSR);
}

static void gicv2_enable(uint32_t intid)
{
	if (intid >= 32)
		arch_mmio_write8(gic.dist + GICD_ITARGETSR + intid, this_cpu_target());
	arch_mmio_write32(gic.dist + GICD_ISENABLER + (intid / 32) * 4, 1U << (intid % 32));
}

static void gicv2_disable(uint32_t intid)
{
	arch_mmio_write32(gic.dist + GICD_ICENABLER + (intid / 32) * 4, 1U << (intid % 32));
}

static uint32_t gicv2_ack(void)
{
	return arch_mmio_read32(gic.cpu + GICC_IAR) & 0x3ff;
}

static void gicv2_eoi(uint32_t intid)
{
	arch_mmio_write32(gic.cpu + GICC_EOIR, intid);
}

const struct irqchip_ops gicv2_ops = {
	.name = "GICv2",
	.kind = IRQCHIP_GICV2,
	.init = gicv2_init,
	.cpu_init = gicv2_cpu_init,
	.enable = gicv2_enable,
	.disable = gicv2_disable,
	.ack = gicv2_ack,
	.eoi = gicv2_eoi,
};
