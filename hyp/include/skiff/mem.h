/** Hypervisor memory set-up: the frame pool and the EL2 stage-1 map (docs/memory.md). */
#ifndef SKIFF_MEM_H
#define SKIFF_MEM_H

#include <skiff/frame.h>
#include <skiff/pgtable.h>
#include <skiff/platform.h>

extern struct frame_pool frames;
extern struct pgtable el2_pt;

/** Builds the frame pool over RAM minus reserved ranges; NULL or an error sentence. */
const char *mem_init_frames(const struct platform *p);
/** Builds the EL2 identity map (W^X image, RAM, devices) and turns the MMU on. */
const char *mem_init_mmu(const struct platform *p);

#endif
