/**
 * The guest's stage-1 translation: start-up identity-maps RAM (Normal write-back, inner
 * shareable) with 2 MiB blocks and 4 KiB pages for a tail. Nothing else is mapped until
 * pv_mmu_map() adds it (adversarial tests use it to reach addresses outside RAM).
 */
#ifndef PV_MMU_H
#define PV_MMU_H

#include <stdbool.h>

enum pv_mem_type {
	PV_MEM_NORMAL, /* Normal write-back, executable */
	PV_MEM_DEVICE, /* Device-nGnRnE, never executable */
};

/**
 * Identity-maps the granule around `va` that is not yet mapped: a 4 KiB page in RAM's last
 * 2 MiB block, a 2 MiB block in RAM's 1 GiB region, else a 1 GiB block. Returns the mapped
 * size in bytes, or 0 if `va` is already mapped or unreachable (at or above 2^39).
 */
unsigned long pv_mmu_map(unsigned long va, enum pv_mem_type type);

/** True when SCTLR_EL1 has the MMU and both caches on. */
bool pv_mmu_caches_on(void);

#endif
