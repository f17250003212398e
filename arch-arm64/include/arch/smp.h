/**
 * Secondary-CPU start slots, shared by arch-arm64/smp.c and the secondary entry in boot.S: one
 * per CPU, found by MPIDR affinity. Offsets pinned by static asserts in smp.c.
 */
#ifndef ARCH_SMP_H
#define ARCH_SMP_H

#define SECONDARY_SLOTS 8 /* PLATFORM_MAX_CPUS */
#define SLOT_HWID 0
#define SLOT_STACK 8
#define SLOT_SIZE 32
#define MPIDR_AFF_MASK_VALUE 0xff00ffffff

#ifndef __ASSEMBLER__
#include <skiff/types.h>

struct cpu;

/** What a secondary CPU needs before its MMU is on (cleaned to memory by the boot CPU). */
struct secondary_slot {
	uint64_t hwid;      /* MPIDR affinity fields */
	uint64_t stack_top; /* 0: slot unused */
	struct cpu *cpu;
	uint64_t ttbr; /* the hypervisor's stage-1 root */
};

extern struct secondary_slot arch_secondary_slots[SECONDARY_SLOTS];
#endif

#endif
