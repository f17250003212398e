/**
 * The arm64 side of the arch_mm.h seam that is not inline (the descriptor encoding is, in
 * <arch/mm_pte.h>): input sizes, TLB maintenance and the EL2 stage-1 MMU set-up.
 */
#include <arch/sysreg.h>
#include <skiff/arch_mm.h>

/* MAIR_EL2 (D13.2.82): 0 Device-nGnRE, 1 Normal write-back RW-allocate, 2 Normal NC. */
#define MAIR_VALUE 0x44ff04UL

unsigned arch_mm_input_bits(enum mm_stage stage)
{
	/* EL2: 48-bit VA, walk from level 0. Stage 2: 39-bit IPA (512 GiB), walk from level 1. */
	return stage == MM_STAGE_EL2 ? 48 : 39;
}

bool arch_mm_block_ok(unsigned level)
{
	return level == 1 || level == 2;
}

/*
 * Stage-2 TLB maintenance acts on the VMID in VTTBR_EL2 (ARM ARM D8.13.5): the target VM's VMID
 * is installed for the operation (the VM being changed is often not the one running) and the
 * running one's put back.
 */
static uint64_t enter_vmid(uint16_t vmid)
{
	uint64_t saved;

	__asm__ volatile("mrs %0, vttbr_el2" : "=r"(saved));
	__asm__ volatile("msr vttbr_el2, %0\n\tisb" : : "r"((uint64_t)vmid << 48) : "memory");
	return saved;
}

static void leave_vmid(uint64_t saved)
{
	__asm__ volatile("msr vttbr_el2, %0\n\tisb" : : "r"(saved) : "memory");
}

void arch_mm_tlb_invalidate(enum mm_stage stage, uint64_t input_addr, uint16_t vmid)
{
	uint64_t saved;

	if (stage == MM_STAGE_EL2) {
		__asm__ volatile("tlbi vae2is, %0" : : "r"(input_addr >> PAGE_SHIFT) : "memory");
		dsb_ish();
		isb();
		return;
	}
	saved = enter_vmid(vmid);
	/* By IPA for stage 2, then all stage-1 entries of the VMID that were built on it. */
	__asm__ volatile("tlbi ipas2e1is, %0\n\tdsb ish\n\ttlbi vmalle1is\n\tdsb ish"
			 :
			 : "r"(input_addr >> PAGE_SHIFT)
			 : "memory");
	leave_vmid(saved);
}

void arch_mm_tlb_invalidate_all(enum mm_stage stage, uint16_t vmid)
{
	uint64_t saved;

	if (stage == MM_STAGE_EL2) {
		__asm__ volatile("tlbi alle2is\n\tdsb ish\n\tisb" ::: "memory");
		return;
	}
	saved = enter_vmid(vmid);
	__asm__ volatile("tlbi vmalls12e1is\n\tdsb ish" ::: "memory");
	leave_vmid(saved);
}

/* TCR_EL2 (D13.2.123), E2H=0: T0SZ=16 (48-bit), WB-cacheable inner-shareable walks, 4 KiB. */
static uint64_t tcr_value(void)
{
	uint64_t ps = read_id_aa64mmfr0_el1() & MMFR0_PARANGE_MASK;

	if (ps > 5)
		ps = 5; /* 48-bit physical addresses at most with this layout */
	return (1UL << 31) | (1UL << 23) | (ps << 16) | (3UL << 12) | (1UL << 10) | (1UL << 8) | 16;
}

extern bool arch_locks_live;
static uint64_t el2_ttbr;

/* The root the boot CPU enabled, for the secondaries (arch-arm64/smp.c). */
uint64_t arch_mm_el2_ttbr(void);
uint64_t arch_mm_el2_ttbr(void)
{
	return el2_ttbr;
}

void arch_mm_enable(paddr_t root)
{
	if (!el2_ttbr) /* the boot CPU's (a secondary, MMU off, must not write the line) */
		el2_ttbr = pa_addr(root);
	__asm__ volatile("ic iallu" ::: "memory");
	write_mair_el2(MAIR_VALUE);
	write_tcr_el2(tcr_value());
	write_ttbr0_el2(pa_addr(root));
	isb();
	__asm__ volatile("tlbi alle2\n\tdsb nsh" ::: "memory");
	isb();
	write_sctlr_el2(SCTLR_EL2_RES1 | SCTLR_EL2_M | SCTLR_EL2_C | SCTLR_EL2_I | SCTLR_EL2_SA |
			SCTLR_EL2_WXN);
	isb();
	/* Normal cacheable memory now: exclusives work, so spinlocks really lock (cpu.c). Until
	 * this line they were no-ops, which one CPU with interrupts masked did not notice. */
	arch_locks_live = true;
}
