/**
 * GICv2 driver (Arm IHI 0048B), as on the Raspberry Pi 4's GIC-400 and QEMU virt gic-version=2:
 * memory-mapped distributor and CPU interface. All interrupts Group 0 → IRQ (non-secure view),
 * one priority; SPIs target the CPU that enabled them (the boot CPU). Kicks are SGI 0.
 */
#include <skiff/cpu.h>
#include <skiff/irqchip.h>

/* Distributor (4.3). */
#define GICD_CTLR 0x000
#define GICD_TYPER 0x004
#define GICD_ISENABLER 0x100
#define GICD_ICENABLER 0x180
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR 0x800
#define GICD_SGIR 0xf00

/* CPU interface (4.4). */
#define GICC_CTLR 0x00
#define GICC_PMR 0x04
#define GICC_BPR 0x08
#define GICC_IAR 0x0c
#define GICC_EOIR 0x10

#define IRQ_PRIORITY 0xa0

#define SGI_KICK 0
#define IAR_INTID 0x3ff

static struct {
	uintptr_t dist;
	uintptr_t cpu;
	uint8_t target[PLATFORM_MAX_CPUS]; /* each CPU's bit in ITARGETSR/SGIR, by CPU index */
	uint32_t iar[PLATFORM_MAX_CPUS];   /* the last IAR read: an SGI's EOI needs its source */
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
	/* This CPU's bit, for kicks from the others (banked ITARGETSR0, 4.3.12). */
	gic.target[this_cpu()->index] = (uint8_t)arch_mmio_read32(gic.dist + GICD_ITARGETSR);
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

/* IAR (4.4.4): INTID [9:0], and for an SGI the sending CPU [12:10], which EOIR must repeat. */
static uint32_t gicv2_ack(void)
{
	uint32_t iar = arch_mmio_read32(gic.cpu + GICC_IAR);

	gic.iar[this_cpu()->index] = iar;
	return iar & IAR_INTID;
}

static void gicv2_eoi(uint32_t intid)
{
	uint32_t iar = gic.iar[this_cpu()->index];

	arch_mmio_write32(gic.cpu + GICC_EOIR, (iar & IAR_INTID) == intid ? iar : intid);
}

/* GICD_SGIR (4.3.15): target list filter 0 (the list), CPU list [23:16], INTID [3:0]. */
static void gicv2_send_ipi(unsigned index, uint64_t hwid)
{
	(void)hwid;
	__asm__ volatile("dsb ishst" ::: "memory");
	arch_mmio_write32(gic.dist + GICD_SGIR, (uint32_t)gic.target[index] << 16 | SGI_KICK);
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
	.ipi_intid = SGI_KICK,
	.send_ipi = gicv2_send_ipi,
};
