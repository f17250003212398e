/**
 * GICv3 driver (Arm IHI 0069, GIC architecture v3/v4): distributor with affinity routing,
 * the calling CPU's redistributor, and the system-register CPU interface used at EL2.
 * All interrupts are Group 1 non-secure, one priority; SPIs route to the boot CPU for now.
 */
#include <arch/sysreg.h>
#include <skiff/cpu.h>
#include <skiff/irqchip.h>

/* Distributor (12.9). */
#define GICD_CTLR 0x0000
#define GICD_TYPER 0x0004
#define GICD_IGROUPR 0x0080
#define GICD_ISENABLER 0x0100
#define GICD_ICENABLER 0x0180
#define GICD_IPRIORITYR 0x0400
#define GICD_IROUTER 0x6000
#define GICD_CTLR_RWP (1U << 31)
#define GICD_CTLR_ARE_NS (1U << 4)
#define GICD_CTLR_ENABLE_G1A (1U << 1)

/* Redistributor (12.10): RD_base frame, then SGI_base frame 64 KiB above. */
#define GICR_STRIDE 0x20000
#define GICR_TYPER 0x0008
#define GICR_WAKER 0x0014
#define GICR_TYPER_LAST (1UL << 4)
#define GICR_WAKER_PSLEEP (1U << 1)
#define GICR_WAKER_CASLEEP (1U << 2)
#define GICR_SGI 0x10000
#define GICR_IGROUPR0 (GICR_SGI + 0x0080)
#define GICR_ISENABLER0 (GICR_SGI + 0x0100)
#define GICR_ICENABLER0 (GICR_SGI + 0x0180)
#define GICR_IPRIORITYR0 (GICR_SGI + 0x0400)

#define IRQ_PRIORITY 0xa0

static struct {
	uintptr_t dist;
	uintptr_t redist;
	uint64_t redist_size;
} gic;

/* Per-CPU redistributor base, by CPU index (each CPU finds its own in gicv3_cpu_init). */
static uintptr_t rd_base[PLATFORM_MAX_CPUS];
/* The ICC_SGI1R_EL1 value that kicks each CPU, by index (each CPU writes its own at cpu_init:
 * a kick, on the event path, is then one load and the write). 0 targets no CPU. */
static uint64_t kick_sgi1r[PLATFORM_MAX_CPUS];
#define SGI_KICK 0 /* the SGI that carries kicks */

static uint64_t sgi1r_for(uint64_t hwid);

static void write_icc(uint64_t sre, uint64_t pmr, uint64_t bpr, uint64_t igrpen)
{
	__asm__ volatile("msr S3_4_C12_C9_5, %0" : : "r"(sre)); /* ICC_SRE_EL2 */
	isb();
	__asm__ volatile("msr S3_0_C4_C6_0, %0" : : "r"(pmr));      /* ICC_PMR_EL1 */
	__asm__ volatile("msr S3_0_C12_C12_3, %0" : : "r"(bpr));    /* ICC_BPR1_EL1 */
	__asm__ volatile("msr S3_0_C12_C12_7, %0" : : "r"(igrpen)); /* ICC_IGRPEN1_EL1 */
	isb();
}

static void dist_wait_rwp(void)
{
	while (arch_mmio_read32(gic.dist + GICD_CTLR) & GICD_CTLR_RWP)
		;
}

static const char *gicv3_init(const struct platform_gic *g)
{
	uint32_t lines;

	if (((read_id_aa64pfr0_el1() >> PFR0_GIC_SHIFT) & PFR0_GIC_MASK) == 0)
		return "DTB describes a GICv3 but the CPU has no GIC system registers";
	gic.dist = (uintptr_t)pa_addr(g->dist);
	gic.redist = (uintptr_t)pa_addr(g->redist);
	gic.redist_size = g->redist_size;
	lines = 32 * ((arch_mmio_read32(gic.dist + GICD_TYPER) & 0x1f) + 1);
	arch_mmio_write32(gic.dist + GICD_CTLR, 0);
	dist_wait_rwp();
	for (uint32_t i = 32; i < lines; i += 32) {
		arch_mmio_write32(gic.dist + GICD_ICENABLER + i / 8, ~0U);
		arch_mmio_write32(gic.dist + GICD_IGROUPR + i / 8, ~0U);
	}
	for (uint32_t i = 32; i < lines; i += 4)
		arch_mmio_write32(gic.dist + GICD_IPRIORITYR + i, IRQ_PRIORITY * 0x01010101U);
	arch_mmio_write32(gic.dist + GICD_CTLR, GICD_CTLR_ARE_NS | GICD_CTLR_ENABLE_G1A);
	dist_wait_rwp();
	return NULL;
}

/* Finds this CPU's redistributor by its affinity in GICR_TYPER[63:32] (12.10.28). */
static uintptr_t find_redist(uint64_t mpidr)
{
	uint32_t aff = (uint32_t)(((mpidr >> 32) & 0xff) << 24 | (mpidr & 0xffffff));

	for (uintptr_t rd = gic.redist; rd < gic.redist + gic.redist_size; rd += GICR_STRIDE) {
		uint64_t typer = arch_mmio_read64(rd + GICR_TYPER);
		if ((uint32_t)(typer >> 32) == aff)
			return rd;
		if (typer & GICR_TYPER_LAST)
			break;
	}
	return 0;
}

static const char *gicv3_cpu_init(void)
{
	uintptr_t rd = find_redist(arch_cpu_hwid());

	if (!rd)
		return "no GICv3 redistributor matches this CPU's MPIDR";
	rd_base[this_cpu()->index] = rd;
	kick_sgi1r[this_cpu()->index] = sgi1r_for(arch_cpu_hwid());
	arch_mmio_write32(rd + GICR_WAKER, arch_mmio_read32(rd + GICR_WAKER) & ~GICR_WAKER_PSLEEP);
	while (arch_mmio_read32(rd + GICR_WAKER) & GICR_WAKER_CASLEEP)
		;
	arch_mmio_write32(rd + GICR_ICENABLER0, ~0U);
	arch_mmio_write32(rd + GICR_IGROUPR0, ~0U);
	for (uint32_t i = 0; i < 32; i += 4)
		arch_mmio_write32(rd + GICR_IPRIORITYR0 + i, IRQ_PRIORITY * 0x01010101U);
	/* ICC_SRE_EL2: SRE | Enable (lower ELs may use the sysregs); PMR lets all through. */
	write_icc((1U << 0) | (1U << 3), 0xff, 0, 1);
	return NULL;
}

static void gicv3_enable(uint32_t intid)
{
	if (intid < 32) {
		arch_mmio_write32(rd_base[this_cpu()->index] + GICR_ISENABLER0, 1U << intid);
	} else {
		arch_mmio_write64(gic.dist + GICD_IROUTER + intid * 8, arch_cpu_hwid());
		arch_mmio_write32(gic.dist + GICD_ISENABLER + (intid / 32) * 4, 1U << (intid % 32));
	}
}

static void gicv3_disable(uint32_t intid)
{
	if (intid < 32)
		arch_mmio_write32(rd_base[this_cpu()->index] + GICR_ICENABLER0, 1U << intid);
	else
		arch_mmio_write32(gic.dist + GICD_ICENABLER + (intid / 32) * 4, 1U << (intid % 32));
}

static uint32_t gicv3_ack(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, S3_0_C12_C12_0" : "=r"(v)); /* ICC_IAR1_EL1 */
	return (uint32_t)v & 0xffffff;
}

static void gicv3_eoi(uint32_t intid)
{
	__asm__ volatile("msr S3_0_C12_C12_1, %0" : : "r"((uint64_t)intid)); /* ICC_EOIR1_EL1 */
	isb();
}

/*
 * ICC_SGI1R_EL1 (12.11.23) for the kick to the CPU with MPIDR affinity @hwid: INTID [27:24],
 * Aff3 [55:48], Aff2 [39:32], Aff1 [23:16], and the target as bit Aff0 % 16 of TargetList [15:0]
 * with RS [47:44] = Aff0 / 16.
 */
static uint64_t sgi1r_for(uint64_t hwid)
{
	uint64_t aff0 = hwid & 0xff;

	return (uint64_t)SGI_KICK << 24 | ((hwid >> 32) & 0xff) << 48 |
	       ((hwid >> 16) & 0xff) << 32 | ((hwid >> 8) & 0xff) << 16 | (aff0 / 16) << 44 |
	       1UL << (aff0 % 16);
}

/* The DSB makes our memory writes visible before the SGI can be (a system-register write is not
 * ordered by DMB). */
static void gicv3_send_ipi(unsigned index, uint64_t hwid)
{
	(void)hwid;
	__asm__ volatile("dsb ishst\n\tmsr S3_0_C12_C11_5, %0\n\tisb"
			 :
			 : "r"(kick_sgi1r[index])
			 : "memory");
}

const struct irqchip_ops gicv3_ops = {
	.name = "GICv3",
	.kind = IRQCHIP_GICV3,
	.init = gicv3_init,
	.cpu_init = gicv3_cpu_init,
	.enable = gicv3_enable,
	.disable = gicv3_disable,
	.ack = gicv3_ack,
	.eoi = gicv3_eoi,
	.ipi_intid = SGI_KICK,
	.send_ipi = gicv3_send_ipi,
};
