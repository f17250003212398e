/**
 * Per-CPU data. Each physical CPU owns one `struct cpu`, found through arch_this_cpu() (TPIDR_EL2),
 * so the hot paths never take a global lock to find their own state.
 */
#ifndef SKIFF_CPU_H
#define SKIFF_CPU_H

#include <skiff/platform.h>
#include <skiff/sched.h>
#include <skiff/types.h>

#define CPU_STACK_SIZE (16 * 1024)

struct vcpu;

struct cpu {
	struct vcpu *vcpu;    /* the vCPU whose trap is being handled; offset 0: entry.S reads it */
	struct vcpu *loaded;  /* the vCPU whose EL1 state is in the hardware registers */
	uintptr_t stack_top;  /* SP_EL2 at every guest exit */
	unsigned index;       /* 0 = boot CPU */
	uint64_t hwid;        /* MPIDR affinity */
	uint64_t ticks;       /* hypervisor timer interrupts taken */
	uint64_t tick_period; /* counter ticks between timer interrupts, 0 if stopped */
	uint64_t next_tick;
	uint64_t irqs;     /* interrupts taken */
	uint64_t kicks;    /* of them, kicks from other CPUs (smp_kick) */
	uint32_t state;    /* enum cpu_state (smp.h), atomic */
	const char *error; /* why a secondary did not come up */
	uint64_t passes;   /* scheduling points passed (sched_quiesce) */
	struct runqueue rq;
};

extern struct cpu cpus[PLATFORM_MAX_CPUS];

static inline struct cpu *this_cpu(void)
{
	return arch_this_cpu();
}

#endif
