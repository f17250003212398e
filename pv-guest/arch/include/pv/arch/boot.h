/**
 * What a secondary vCPU's entry (arch/start.S, pv_secondary_entry) reads with its MMU still off:
 * the stage-1 registers the boot vCPU uses, its stack and its per-vCPU record. Offsets are shared
 * by the assembly and C and pinned by static asserts in lib/cpu.c.
 */
#ifndef PV_ARCH_BOOT_H
#define PV_ARCH_BOOT_H

#define PV_BOOT_MAIR 0
#define PV_BOOT_TCR 8
#define PV_BOOT_TTBR0 16
#define PV_BOOT_SCTLR 24
#define PV_BOOT_SP 32
#define PV_BOOT_SIZE 40

#ifndef __ASSEMBLER__
/** First in struct pv_cpu: cleaned to memory before CPU_ON (the entry reads it uncached). */
struct pv_cpu_boot {
	unsigned long mair, tcr, ttbr0, sctlr; /* as the boot vCPU set them (arch/mmu.c) */
	unsigned long sp;                      /* top of the vCPU's own stack */
};

/** Fills @b's MMU registers with the boot vCPU's values (the same tables for every vCPU). */
void pv_mmu_boot_regs(struct pv_cpu_boot *b);

/** Entry of a vCPU started by pv_cpu_on: x0 = its struct pv_cpu (IPA = VA). */
void pv_secondary_entry(void);

/** Cleans [p, p + len) to the point of coherency (DC CVAC): a vCPU with its MMU off reads it. */
void pv_cache_clean(const void *p, unsigned long len);

/** Points TPIDR_EL1 at the calling vCPU's record (struct pv_cpu). */
void pv_arch_set_this_cpu(void *c);
#endif

#endif
