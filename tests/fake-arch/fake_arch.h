/**
 * The fake arch (STYLE habit 1): implements the arch seam (skiff/arch.h, skiff/arch_mm.h, and the
 * arch-provided arch_image_layout and arch_irqchip_find) on the host so the portable core runs in
 * unit tests. "Physical" memory is host memory: tests hand the core aligned host buffers and their
 * addresses serve as physical addresses, matching pa_to_ptr()'s identity.
 *
 * Everything the fake observes is recorded in `fake` and `fake_mm` for tests to assert on. The
 * fake also polices the seam's contracts (break-before-make, descriptor use at the right level and
 * stage, lock pairing): a broken contract fails the running test through cmocka, unless the test
 * set fake.expect_violations to count them instead.
 */
#ifndef FAKE_ARCH_H
#define FAKE_ARCH_H

#include <setjmp.h>
#include <skiff/arch.h>
#include <skiff/arch_mm.h>
#include <skiff/boot.h>
#include <skiff/irqchip.h>

#define FAKE_IRQ_QUEUE 16
#define FAKE_MM_LOG 256

struct fake_state {
	/* CPU */
	struct cpu *this_cpu;
	uint64_t hwid;
	unsigned boot_el;
	bool irqs_masked;
	unsigned wfis;
	unsigned irq_polls;
	/* Called by arch_wait_for_interrupt, if set: lets time pass or raises what would wake the
	 * CPU, so an idle loop (sched_next with nothing runnable) ends in a test. */
	void (*wfi_hook)(void);
	/* Called by arch_spin_lock once the lock is held, if set: what another CPU does while this
	 * one is inside a critical section (a test's one-shot hook clears itself). */
	void (*lock_hook)(void);
	/* Time */
	uint64_t counter;
	uint64_t counter_freq;
	uint64_t timer_deadline;
	bool timer_armed;
	unsigned timer_arms;
	/* Firmware: the last SMCCC call and what the next one returns */
	unsigned fw_calls;
	enum fw_conduit fw_conduit;
	uint64_t fw_fn, fw_args[3];
	uint64_t fw_ret;
	/* MMIO: the last write; every read returns mmio_read_value, unless a test models a device:
	 * then reads and writes (size in bytes) go to the hooks (writes are still counted). */
	unsigned mmio_writes;
	uintptr_t mmio_addr;
	uint64_t mmio_value;
	uint64_t mmio_read_value;
	uint64_t (*mmio_read_hook)(uintptr_t addr, unsigned size);
	void (*mmio_write_hook)(uintptr_t addr, uint64_t value, unsigned size);
	/* DMA ordering barriers issued */
	unsigned dma_wmbs, dma_rmbs, dma_mbs;
	/* Caches */
	unsigned dcache_cleans, dcache_invalidates;
	/* Locks */
	unsigned locks_held;
	unsigned max_locks_held; /* the most held at once */
	/* arch_halt: counted; longjmps to *halt_jmp if set (EXPECT_PANIC), else fails the test */
	unsigned halts;
	jmp_buf *halt_jmp;
	/* What arch_image_layout() returns */
	struct image_layout image;
	/* Seam contract violations: fail the test, or are counted when expect_violations is set */
	bool expect_violations;
	unsigned violations;
	char violation[160];
};

/** One recorded page-table operation, in program order. */
struct fake_mm_event {
	enum { FAKE_EV_WRITE, FAKE_EV_TLBI, FAKE_EV_TLBI_ALL } kind;
	pte_t *slot;
	pte_t old, new;
	enum mm_stage stage;
	uint64_t addr;
	uint16_t vmid;
};

struct fake_mm_state {
	unsigned input_bits[2]; /* per enum mm_stage */
	unsigned block_levels;  /* bit L set: arch_mm_block_ok(L) */
	unsigned writes;        /* arch_mm_pte_write calls */
	unsigned breaks;        /* valid entries made invalid */
	unsigned tlbis, tlbi_alls;
	uint64_t last_tlbi_addr;
	enum mm_stage last_tlbi_stage;
	uint16_t last_tlbi_vmid;
	/* Break-before-make: the slot broken last and not yet covered by a TLB invalidate */
	pte_t *pending_slot;
	bool pending_table; /* it held a table: only invalidate-all covers a whole subtree */
	/* The enabled EL2 root */
	unsigned enables;
	paddr_t enabled_root;
	/* Ring of the last FAKE_MM_LOG events; nlog counts every event ever logged */
	struct fake_mm_event log[FAKE_MM_LOG];
	unsigned nlog;
};

#define FAKE_MAX_CPUS 8

/** The fake interrupt controller (kind GICv3 and GICv2 both map to it). */
struct fake_irqchip_state {
	bool present; /* false: arch_irqchip_find returns NULL */
	const char *init_error, *cpu_init_error;
	unsigned inits, cpu_inits;
	uint32_t queue[FAKE_IRQ_QUEUE]; /* pending INTIDs ack() returns, in order */
	unsigned nqueue;
	unsigned acks, eois, enables, disables;
	uint32_t last_eoi, last_enabled, last_disabled;
	bool enabled[IRQ_MAX];
	unsigned ipis[FAKE_MAX_CPUS]; /* kicks sent, by target CPU index */
};

#define FAKE_IPI_INTID 1 /* the fake's kick interrupt (an SGI) */

extern struct fake_state fake;
extern struct fake_mm_state fake_mm;
extern struct fake_irqchip_state fake_irqchip;

/** Resets all fake state to a fresh machine: EL2, unmasked, 62.5 MHz counter, QEMU-like mm. */
void fake_reset(void);

/* The parts of fake_reset(), one per fake file. */
void fake_mm_reset(void);
void fake_irqchip_reset(void);

/** Reports a broken seam contract (see fake.expect_violations). */
void fake_violation(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** Queues @intid for the fake interrupt controller's next ack(). */
void fake_irqchip_raise(uint32_t intid);

/** The fake descriptor's bits, for tests that look inside entries (they differ from arm64's). */
#define FAKE_PTE_VALID (1ULL << 63)
#define FAKE_PTE_TABLE (1ULL << 62)
#define FAKE_PTE_STAGE2 (1ULL << 61)
#define FAKE_PTE_LEVEL_SHIFT 58 /* leaves: the level they were made for, 2 bits */
#define FAKE_PTE_FRAME_SHIFT 8  /* address >> PAGE_SHIFT, stored from bit 8 up */
#define FAKE_PTE_FRAME_MASK ((1ULL << 44) - 1)
#define FAKE_PTE_MODE_SHIFT 4 /* mm_mode_t bits, inverted */
#define FAKE_PTE_MODE_MASK 0xfULL
#define FAKE_PTE_ABSENT 0x5ULL     /* not zero, and not valid */
#define FAKE_PTE_SOFT (1ULL << 60) /* invalid, carrying a software value */
#define FAKE_PTE_SOFT_SHIFT 6
#define FAKE_PTE_OLD (1ULL << 57) /* access flag, inverted: set = old */

#define FAKE_SECONDARY_ENTRY 0x5eed0000ULL /* what arch_secondary_prepare returns */

/** Secondary CPUs and kicks (smp.c). */
struct fake_smp_state {
	struct cpu *prepared[FAKE_MAX_CPUS]; /* by start slot */
	unsigned events;                     /* SEVs */
	unsigned relaxes;
	void (*relax_hook)(void); /* called by arch_cpu_relax, if set */
};

extern struct fake_smp_state fake_smp;
void fake_smp_reset(void);

struct vcpu;

/** What the fake vCPU seam (vcpu.c) observed. */
struct fake_vcpu_state {
	unsigned vmid_count; /* what arch_vmid_count() returns (default 256) */
	unsigned virt_inits;
	unsigned guest_flushes; /* arch_tlb_flush_guests calls */
	unsigned switches;
	struct vcpu *last_prev;
	struct vcpu *loaded;
	unsigned forgets; /* arch_vcpu_forget calls */
	unsigned unloads; /* arch_vcpu_unload calls */
	unsigned stubs;   /* arch_vcpu_idle_stub calls */
	/* arch_vcpu_enter_first records the vCPU and longjmps to *enter_jmp (NULL: aborts) */
	struct vcpu *entered;
	jmp_buf *enter_jmp;
};

extern struct fake_vcpu_state fake_vcpu;

/** The vCPU part of fake_reset(): counters cleared, 256 VMIDs. */
void fake_vcpu_reset(void);

#endif
