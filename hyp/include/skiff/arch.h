/**
 * The arch seam (STYLE habit 1): every architecture service the portable core uses, declared here
 * and implemented twice, by arch-arm64/ for the real machine and by tests/fake-arch/ for host unit
 * tests. If hyp/ reaches past this file, the host test build fails to link.
 */
#ifndef SKIFF_ARCH_H
#define SKIFF_ARCH_H

#include <arch/irqflags.h>
#include <arch/percpu.h>
#include <skiff/addr.h>
#include <skiff/types.h>

struct cpu;

/* ---- CPU ---- */

/* arch_this_cpu(): the calling CPU's per-CPU record, inline from <arch/percpu.h>. */
/** Installs @c as the calling CPU's per-CPU record. */
void arch_set_this_cpu(struct cpu *c);
/** The calling CPU's hardware identity (MPIDR_EL1 affinity fields on arm64). */
uint64_t arch_cpu_hwid(void);
/** A human-readable name of the CPU model ("Cortex-A57 r1p0"), from the ID registers. */
const char *arch_cpu_model(void);
/** The exception level the hypervisor was entered at (2 normally; 1 or 3 are handled at entry). */
unsigned arch_boot_el(void);

/* arch_irq_save() masks interrupts on this CPU and returns the previous mask state for
 * arch_irq_restore(flags): inline, from <arch/irqflags.h>. */
void arch_irq_enable(void);
/** Takes any interrupt pending now (a moment with interrupts unmasked), then masks them again. */
void arch_irq_poll(void);
/** Sleeps until an interrupt is pending (WFI). Returns after the interrupt is taken. */
void arch_wait_for_interrupt(void);
/** Stops this CPU for good (interrupts masked, WFI loop). */
NORETURN void arch_halt(void);
/**
 * Prepares secondary CPU @hwid to start as per-CPU record @c in start slot @slot: on the stack
 * below @stack_top (CPU_STACK_SIZE bytes) it turns its MMU on with the hypervisor's tables and
 * calls smp_secondary_main(@c). Returns the physical address to start it at (PSCI CPU_ON entry,
 * spin-table release value); what it reads with its MMU off is cleaned to memory here.
 */
uint64_t arch_secondary_prepare(unsigned slot, uint64_t hwid, struct cpu *c, uintptr_t stack_top);
/** A pause in a busy-wait loop (YIELD: lets an emulator run the other CPUs). */
void arch_cpu_relax(void);
/** Wakes CPUs waiting in WFE (SEV), after making earlier memory writes visible to them. */
void arch_cpu_send_event(void);

/* ---- Time: a free-running system counter and one per-CPU deadline timer ---- */

/** System counter ticks since reset (CNTPCT_EL0). */
uint64_t arch_counter_now(void);
/** Counter frequency in Hz (CNTFRQ_EL0). */
uint64_t arch_counter_freq(void);
/** Arms the hypervisor timer to fire at absolute counter value @deadline. */
void arch_timer_arm(uint64_t deadline);
void arch_timer_disarm(void);

/* ---- MMIO (devices are mapped at their physical address; see docs/memory.md) ---- */

uint32_t arch_mmio_read32(uintptr_t addr);
void arch_mmio_write32(uintptr_t addr, uint32_t value);
uint64_t arch_mmio_read64(uintptr_t addr);
void arch_mmio_write64(uintptr_t addr, uint64_t value);
uint8_t arch_mmio_read8(uintptr_t addr);
void arch_mmio_write8(uintptr_t addr, uint8_t value);
/**
 * Reads the 32-bit register at @addr and says whether anything answered: false where the access
 * would fault (an external abort: no device there). For a board's UART on a machine that may be
 * another board. Only before the MMU is on, or for mapped addresses.
 */
bool arch_mmio_probe(uintptr_t addr);

/* ---- Firmware calls (SMCCC; PSCI rides on it) ---- */

enum fw_conduit { FW_CONDUIT_NONE, FW_CONDUIT_SMC, FW_CONDUIT_HVC };

/** Issues an SMCCC call through @conduit; returns x0. */
uint64_t arch_fw_call(enum fw_conduit conduit, uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3);

/**
 * Arm semihosting SYS_EXIT with exit status @code: QEMU with `-semihosting-config enable=on`, or an
 * attached debugger, ends the run. Returns if nothing answers (the semihosting call trapped as an
 * undefined instruction, as on hardware without a debugger).
 */
void arch_semihosting_exit(unsigned code);

/* ---- Spinlocks (ticket locks; the fake arch has no concurrency) ---- */

struct spinlock {
	uint16_t owner;
	uint16_t next;
};

void arch_spin_lock(struct spinlock *l);
void arch_spin_unlock(struct spinlock *l);

/**
 * Masks this CPU's interrupts, then takes @l, so that no interrupt comes in on this CPU while it
 * is held (a handler may want the same lock). Returns the mask state for spin_unlock_irqrestore.
 */
static inline uint64_t spin_lock_irqsave(struct spinlock *l)
{
	uint64_t flags = arch_irq_save();

	arch_spin_lock(l);
	return flags;
}

static inline void spin_unlock_irqrestore(struct spinlock *l, uint64_t flags)
{
	arch_spin_unlock(l);
	arch_irq_restore(flags);
}

/* ---- Whole pages (guest memory: demand-zero, copy-on-write, sharing) ---- */

/** Zeroes the 4 KiB page at @page (DC ZVA on arm64). */
void arch_page_zero(void *page);
/** Copies the 4 KiB page @src to @dst (neither overlapping). */
void arch_page_copy(void *dst, const void *src);

/*
 * ---- Ordering memory shared with devices (DMA) ----
 * A device that reads and writes RAM (a virtio queue) observes our accesses through the outer
 * shareable domain; these order them as the virtio rules ask (virtio 1.2 §2.7.13, §2.7.14).
 */

/** Earlier stores to memory are observed before later stores to memory or to device registers. */
void arch_dma_wmb(void);
/** Earlier loads (from memory or device registers) complete before later loads from memory. */
void arch_dma_rmb(void);
/** Full barrier: every earlier access, memory or device, before every later one. */
void arch_dma_mb(void);

/* ---- Caches ---- */

/** Invalidates data-cache lines over [va, va+len) (used before the MMU is on). */
void arch_dcache_invalidate(vaddr_t va, size_t len);
/** Cleans data-cache lines over [va, va+len) to the point of coherency. */
void arch_dcache_clean(vaddr_t va, size_t len);

#endif
