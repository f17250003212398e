/** The calling CPU's per-CPU record, kept in TPIDR_EL2 (inline: every exit path reads it). */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

struct cpu;

static inline struct cpu *arch_this_cpu(void)
{
	struct cpu *c;

	__asm__("mrs %0, tpidr_el2" : "=r"(c));
	return c;
}

#endif
