/**
 * arm64 page-table encoding (the arch_mm.h seam) and the EL2 stage-1 MMU set-up.
 * Descriptor formats: ARM ARM D8.3 (VMSAv8-64 translation table format); stage-2 attributes D8.5.
 */
#include <arch/sysreg.h>
#include <skiff/arch_mm.h>

/* Descriptor bits (D8.3.1, D8.3.2). */
#define PTE_VALID (1UL << 0)
#define PTE_TABLE (1UL << 1) /* table at levels 0-2, page at level 3 */
#define PTE_ATTRIDX_SHIFT 2  /* stage 1: MAIR index; stage 2: MemAttr[3:0] at [5:2] */
#define PTE_AP_RO (1UL << 7) /* stage 1 AP[2]: read-only */
#define PTE_S2AP_R (1UL << 6)
#define PTE_S2AP_W (1UL << 7)
#define PTE_SH_INNER (3UL << 8)
#define PTE_AF (1UL << 10)
#define PTE_XN (1UL << 54) /* EL2 stage 1 XN; stage 2 XN[1] */
#define PTE_ADDR_MASK 0x0000fffffffff000UL

/* MAIR_EL2 indexes (D13.2.82): 0 Device-nGnRE, 1 Normal write-back RW-allocate, 2 Normal NC. */
#define MAIR_IDX_DEVICE 0
#define MAIR_IDX_NORMAL 1
#define MAIR_VALUE 0x44ff04UL

/* Stage-2 MemAttr (D8.5.5): 0b0001 Device-nGnRE, 0b1111 Normal inner/outer write-back. */
#define S2_MEMATTR_DEVICE 0x1UL
#define S2_MEMATTR_NORMAL 0xfUL

unsigned arch_mm_input_bits(enum mm_stage stage)
{
	/* EL2: 48-bit VA, walk from level 0. Stage 2: 39-bit IPA (512 GiB), walk from level 1. */
	return stage == MM_STAGE_EL2 ? 48 : 39;
}

bool arch_mm_block_ok(unsigned level)
{
	return level == 1 || level == 2;
}

pte_t arch_mm_pte_absent(void)
{
	return 0;
}

pte_t arch_mm_pte_table(paddr_t next)
{
	return (pa_addr(next) & PTE_ADDR_MASK) | PTE_TABLE | PTE_VALID;
}

static pte_t leaf_attrs(enum mm_stage stage, mm_mode_t mode)
{
	pte_t a = PTE_AF;
	uint64_t attr;

	if (stage == MM_STAGE_EL2) {
		attr = (mode & MM_DEVICE) ? MAIR_IDX_DEVICE : MAIR_IDX_NORMAL;
		a |= mode & MM_W ? 0 : PTE_AP_RO;
	} else {
		attr = (mode & MM_DEVICE) ? S2_MEMATTR_DEVICE : S2_MEMATTR_NORMAL;
		a |= (mode & MM_R ? PTE_S2AP_R : 0) | (mode & MM_W ? PTE_S2AP_W : 0);
	}
	a |= attr << PTE_ATTRIDX_SHIFT;
	if (!(mode & MM_DEVICE))
		a |= PTE_SH_INNER;
	if (!(mode & MM_X) || (mode & MM_DEVICE))
		a |= PTE_XN;
	return a;
}

pte_t arch_mm_pte_leaf(enum mm_stage stage, unsigned level, paddr_t pa, mm_mode_t mode)
{
	pte_t type = level == 3 ? PTE_TABLE | PTE_VALID : PTE_VALID;

	return (pa_addr(pa) & PTE_ADDR_MASK) | leaf_attrs(stage, mode) | type;
}

/* Software descriptors live above the valid bit (bit 0 clear makes the entry invalid). */
pte_t arch_mm_pte_soft(uint64_t value)
{
	return value << 1;
}

uint64_t arch_mm_pte_soft_value(pte_t pte)
{
	return pte >> 1;
}

bool arch_mm_pte_young(pte_t pte)
{
	return pte & PTE_AF;
}

pte_t arch_mm_pte_set_young(pte_t pte, bool young)
{
	return young ? pte | PTE_AF : pte & ~PTE_AF;
}

bool arch_mm_pte_valid(pte_t pte)
{
	return pte & PTE_VALID;
}

bool arch_mm_pte_is_table(pte_t pte, unsigned level)
{
	return level < 3 && (pte & (PTE_VALID | PTE_TABLE)) == (PTE_VALID | PTE_TABLE);
}

paddr_t arch_mm_pte_addr(pte_t pte)
{
	return pa_init(pte & PTE_ADDR_MASK);
}

mm_mode_t arch_mm_pte_mode(enum mm_stage stage, pte_t pte)
{
	uint64_t attr = (pte >> PTE_ATTRIDX_SHIFT) & (stage == MM_STAGE_EL2 ? 7 : 0xf);
	mm_mode_t m = pte & PTE_XN ? 0 : MM_X;

	if (stage == MM_STAGE_EL2) {
		m |= MM_R | (pte & PTE_AP_RO ? 0 : MM_W);
		m |= attr == MAIR_IDX_DEVICE ? MM_DEVICE : 0;
	} else {
		m |= (pte & PTE_S2AP_R ? MM_R : 0) | (pte & PTE_S2AP_W ? MM_W : 0);
		m |= attr == S2_MEMATTR_DEVICE ? MM_DEVICE : 0;
	}
	return m;
}

void arch_mm_pte_write(pte_t *slot, pte_t pte)
{
	__atomic_store_n(slot, pte, __ATOMIC_RELAXED);
	dsb_ish(); /* make the store visible to the table walker (D8.2.8) */
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

void arch_mm_enable(paddr_t root)
{
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
}
