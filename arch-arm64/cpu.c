/**
 * arm64 implementation of the CPU, time, MMIO, firmware-call, lock and cache parts of the arch
 * seam (hyp/include/skiff/arch.h).
 */
#include <arch/sysreg.h>
#include <skiff/arch.h>
#include <skiff/console.h>
#include <skiff/cpu.h>

/* Set once the MMU is on: before that memory is Device, where exclusives are not guaranteed. */
bool arch_locks_live;
unsigned arch_boot_el_value;

void arch_set_this_cpu(struct cpu *c)
{
	write_tpidr_el2((uint64_t)c);
}

uint64_t arch_cpu_hwid(void)
{
	return read_mpidr_el1() & MPIDR_AFF_MASK;
}

unsigned arch_boot_el(void)
{
	return arch_boot_el_value;
}

void arch_irq_enable(void)
{
	__asm__ volatile("msr daifclr, #2" ::: "memory");
}

void arch_irq_poll(void)
{
	__asm__ volatile("msr daifclr, #2\n\tisb\n\tmsr daifset, #2" ::: "memory");
}

void arch_wait_for_interrupt(void)
{
	/* WFI with IRQs masked still wakes on a pending IRQ; unmask so it is taken (D1.16.2). */
	__asm__ volatile("dsb sy\n\twfi\n\tmsr daifclr, #2\n\tisb\n\tmsr daifset, #2" ::: "memory");
}

void arch_halt(void)
{
	__asm__ volatile("msr daifset, #0xf" ::: "memory");
	for (;;)
		__asm__ volatile("wfi");
}

uint64_t arch_counter_now(void)
{
	uint64_t v;

	isb(); /* CNTPCT reads may otherwise be taken early (D11.2.2) */
	__asm__ volatile("mrs %0, cntpct_el0" : "=r"(v));
	return v;
}

uint64_t arch_counter_freq(void)
{
	return read_cntfrq_el0();
}

void arch_timer_arm(uint64_t deadline)
{
	write_cnthp_cval_el2(deadline);
	write_cnthp_ctl_el2(CNT_CTL_ENABLE);
	isb();
}

void arch_timer_disarm(void)
{
	write_cnthp_ctl_el2(0);
	isb();
}

uint32_t arch_mmio_read32(uintptr_t addr)
{
	uint32_t v;

	__asm__ volatile("ldr %w0, [%1]" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

void arch_mmio_write32(uintptr_t addr, uint32_t value)
{
	__asm__ volatile("str %w0, [%1]" : : "rZ"(value), "r"(addr) : "memory");
}

uint64_t arch_mmio_read64(uintptr_t addr)
{
	uint64_t v;

	__asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

void arch_mmio_write64(uintptr_t addr, uint64_t value)
{
	__asm__ volatile("str %0, [%1]" : : "rZ"(value), "r"(addr) : "memory");
}

uint8_t arch_mmio_read8(uintptr_t addr)
{
	uint8_t v;

	__asm__ volatile("ldrb %w0, [%1]" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

void arch_mmio_write8(uintptr_t addr, uint8_t value)
{
	__asm__ volatile("strb %w0, [%1]" : : "rZ"(value), "r"(addr) : "memory");
}

/* SMCCC v1.1+ call (DEN0028): function ID in x0, args x1-x3, result x0; x4-x17 may be clobbered. */
uint64_t arch_fw_call(enum fw_conduit conduit, uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = fn;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;

	if (conduit == FW_CONDUIT_SMC)
		__asm__ volatile("smc #0"
				 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
				 :
				 : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13",
				   "x14", "x15", "x16", "x17", "memory");
	else if (conduit == FW_CONDUIT_HVC)
		__asm__ volatile("hvc #0"
				 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
				 :
				 : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13",
				   "x14", "x15", "x16", "x17", "memory");
	else
		x0 = (uint64_t)-1; /* SMCCC NOT_SUPPORTED */
	return x0;
}

/* Ticket lock: take a ticket by an exclusive increment of `next`, wait until `owner` reaches it. */
void arch_spin_lock(struct spinlock *l)
{
	uint32_t tmp, newv, ticket;

	if (!arch_locks_live)
		return;
	__asm__ volatile("1:	ldaxr	%w0, [%3]\n"
			 "	add	%w1, %w0, #0x10000\n"
			 "	stxr	%w2, %w1, [%3]\n"
			 "	cbnz	%w2, 1b\n"
			 : "=&r"(ticket), "=&r"(newv), "=&r"(tmp)
			 : "r"(l)
			 : "memory");
	ticket >>= 16;
	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != (uint16_t)ticket)
		__asm__ volatile("wfe");
}

void arch_spin_unlock(struct spinlock *l)
{
	if (!arch_locks_live)
		return;
	__atomic_store_n(&l->owner, (uint16_t)(l->owner + 1), __ATOMIC_RELEASE);
	__asm__ volatile("dsb ishst\n\tsev" ::: "memory");
}

/* Outer shareable: devices (QEMU's virtio back ends) sit there, not in the inner domain (B2.3). */
void arch_dma_wmb(void)
{
	__asm__ volatile("dmb oshst" ::: "memory");
}

void arch_dma_rmb(void)
{
	__asm__ volatile("dmb oshld" ::: "memory");
}

void arch_dma_mb(void)
{
	__asm__ volatile("dmb osh" ::: "memory");
}

static uint64_t dcache_line(void)
{
	return 4UL << ((read_ctr_el0() >> 16) & 0xf); /* CTR_EL0.DminLine, log2 words */
}

void arch_dcache_invalidate(vaddr_t va, size_t len)
{
	uint64_t line = dcache_line();

	for (uintptr_t a = ALIGN_DOWN(va_addr(va), line); a < va_addr(va) + len; a += line)
		__asm__ volatile("dc ivac, %0" : : "r"(a) : "memory");
	dsb_sy();
}

void arch_dcache_clean(vaddr_t va, size_t len)
{
	uint64_t line = dcache_line();

	for (uintptr_t a = ALIGN_DOWN(va_addr(va), line); a < va_addr(va) + len; a += line)
		__asm__ volatile("dc cvac, %0" : : "r"(a) : "memory");
	dsb_sy();
}

const char *arch_cpu_model(void)
{
	static char name[40];
	uint64_t midr = read_midr_el1();
	unsigned impl = (midr >> 24) & 0xff, part = (midr >> 4) & 0xfff;
	unsigned var = (midr >> 20) & 0xf, rev = midr & 0xf;
	const char *n = "unknown";

	if (impl == 0x41 && part == 0xd03)
		n = "Cortex-A53";
	else if (impl == 0x41 && part == 0xd07)
		n = "Cortex-A57";
	else if (impl == 0x41 && part == 0xd08)
		n = "Cortex-A72";
	else if (impl == 0x41 && part == 0xd0b)
		n = "Cortex-A76";
	else if (impl == 0x41 && part == 0xd0c)
		n = "Neoverse-N1";
	else if (impl == 0x41 && part == 0xd40)
		n = "Neoverse-V1";
	else if (impl == 0x41 && part == 0xd49)
		n = "Neoverse-N2";
	snprintf(name, sizeof(name), "%s r%up%u (MIDR 0x%x)", n, var, rev, (unsigned)midr);
	return name;
}
