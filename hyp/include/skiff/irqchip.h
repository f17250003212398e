/**
 * Interrupt controllers, one ops table per family (GICv2, GICv3, the Pi 3's BCM2836 local
 * controller), chosen by what the DTB describes. The portable IRQ layer (irq.c) owns the handler
 * table.
 */
#ifndef SKIFF_IRQCHIP_H
#define SKIFF_IRQCHIP_H

#include <skiff/platform.h>
#include <skiff/types.h>

#define IRQ_SPURIOUS 1023U
#define IRQ_MAX 1020U

struct irqchip_ops {
	const char *name;
	enum irqchip_kind kind;
	/** Distributor-wide set-up, once, on the boot CPU. NULL or an error sentence. */
	const char *(*init)(const struct platform_gic *g);
	/** This CPU's interface (and GICv3 redistributor). NULL or an error sentence. */
	const char *(*cpu_init)(void);
	void (*enable)(uint32_t intid);
	void (*disable)(uint32_t intid);
	/** Acknowledges the highest-priority pending interrupt; IRQ_SPURIOUS if none. */
	uint32_t (*ack)(void);
	void (*eoi)(uint32_t intid);
	/** The private interrupt that carries kicks between CPUs (an SGI, a BCM2836 mailbox). */
	uint32_t ipi_intid;
	/**
	 * Raises ipi_intid on CPU @index (MPIDR affinity @hwid), after making the caller's earlier
	 * memory writes visible to it.
	 */
	void (*send_ipi)(unsigned index, uint64_t hwid);
};

/** The driver for @kind, or NULL (arch-provided table). */
const struct irqchip_ops *arch_irqchip_find(enum irqchip_kind kind);

typedef void (*irq_handler_t)(uint32_t intid, void *ctx);

/** Picks and starts the interrupt controller the platform describes. NULL or an error sentence. */
const char *irq_init(const struct platform *p);
/** Per-CPU part of irq_init: this CPU's interface, and every per-CPU interrupt enabled here. */
const char *irq_cpu_init(void);
/** Routes @intid (a shared interrupt: to the calling CPU) to @fn and enables it. */
void irq_register(uint32_t intid, irq_handler_t fn, void *ctx);
/**
 * The same for a private interrupt every CPU has its own of (a timer's PPI, the kick): enabled
 * on the calling CPU now and on each secondary as it comes up.
 */
void irq_register_percpu(uint32_t intid, irq_handler_t fn, void *ctx);
/** The kick interrupt's number (for irq_register_percpu). */
uint32_t irq_ipi_intid(void);
/** Interrupts CPU @index (smp_kick). */
void irq_send_ipi(unsigned index, uint64_t hwid);
/** Called by the arch IRQ vector: acknowledges, dispatches and completes pending interrupts. */
void irq_handle(void);
/** The active controller's name ("GICv3"), or "none". */
const char *irq_chip_name(void);

#endif
