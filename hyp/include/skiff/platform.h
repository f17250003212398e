/**
 * The machine as Skiff sees it: filled from the DTB the loader passed (platform_parse_fdt), checked
 * against the board's own data (boards/<name>/board.c). Everything device-specific the portable
 * core needs is here, so no code path tests "which board am I on".
 */
#ifndef SKIFF_PLATFORM_H
#define SKIFF_PLATFORM_H

#include <skiff/addr.h>
#include <skiff/arch.h>
#include <skiff/types.h>

#define PLATFORM_MAX_RAM 8
#define PLATFORM_MAX_RESERVED 16
#define PLATFORM_MAX_CPUS 8
#define PLATFORM_MAX_MODULES 16
#define PLATFORM_MAX_VIRTIO 32 /* QEMU virt lists 32 transports; more are ignored */

/**
 * Interrupt controller families the drivers understand. BCM2836: the per-core local controller of
 * the Raspberry Pi 2/3 (binding brcm,bcm2836-l1-intc), which has no GIC.
 */
enum irqchip_kind { IRQCHIP_NONE, IRQCHIP_GICV2, IRQCHIP_GICV3, IRQCHIP_BCM2836 };

struct platform_gic {
	enum irqchip_kind kind;
	paddr_t dist; /* GICD; BCM2836: the local controller's registers */
	uint64_t dist_size;
	paddr_t redist; /* GICv3: first redistributor region */
	uint64_t redist_size;
	paddr_t cpuif;        /* GICv2: GICC; BCM2836: the BCM2835 peripheral controller */
	paddr_t hyp;          /* GICv2: GICH (virtual interface control) */
	paddr_t vcpu;         /* GICv2: GICV */
	uint32_t maint_intid; /* maintenance interrupt, 0 if absent */
};

/**
 * Generic-timer interrupt IDs in the controller's numbering: GIC INTIDs (PPI n = 16 + n), or
 * BCM2836 local interrupt numbers (0 CNTPS, 1 CNTPNS, 2 CNTHP, 3 CNTV, as in its DT binding).
 */
struct platform_timer {
	uint32_t sec_phys, phys, virt, hyp_phys;
};

struct platform_uart {
	paddr_t base;
	uint64_t size;
	char compatible[32];
	uint32_t intid;
};

/** A boot module (/chosen/module@*: a guest image or VM config loaded next to the hypervisor). */
struct platform_module {
	struct pa_range range;
	char compatible[48];
	char args[80];
};

/** A virtio-mmio transport (binding virtio,mmio), in DTB order; most on QEMU virt are empty. */
struct platform_virtio {
	paddr_t base;
	uint64_t size;
	uint32_t intid; /* GIC INTID, 0 if none (then the driver polls) */
};

struct platform {
	char model[64];
	char compatible[64];
	paddr_t fdt;
	uint32_t fdt_size;
	struct pa_range ram[PLATFORM_MAX_RAM];
	unsigned nram;
	struct pa_range reserved[PLATFORM_MAX_RESERVED];
	unsigned nreserved;
	struct platform_uart uart;
	struct platform_gic gic;
	struct platform_timer timer;
	enum fw_conduit psci;
	unsigned ncpus;
	uint64_t cpu_hwid[PLATFORM_MAX_CPUS];
	/** Where the firmware holds each CPU ("spin-table" cpu-release-addr), 0 if elsewhere. */
	uint64_t cpu_release[PLATFORM_MAX_CPUS];
	char bootargs[128];
	struct platform_module modules[PLATFORM_MAX_MODULES];
	unsigned nmodules;
	struct platform_virtio virtio[PLATFORM_MAX_VIRTIO];
	unsigned nvirtio;
};

/**
 * Fills @p from the flattened device tree at @fdt (at most @max_size bytes are trusted to be
 * readable). Returns NULL on success, else a one-line description of what is wrong with the DTB.
 */
const char *platform_parse_fdt(struct platform *p, const void *fdt, size_t max_size);

/** Total bytes of RAM. */
uint64_t platform_ram_size(const struct platform *p);

#endif
