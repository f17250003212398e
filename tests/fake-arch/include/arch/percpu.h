/** Fake arch: the per-CPU record the test installed (checked: see fake_this_cpu in arch.c). */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

struct cpu;

struct cpu *fake_this_cpu(void);

static inline struct cpu *arch_this_cpu(void)
{
	return fake_this_cpu();
}

#endif
