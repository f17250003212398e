/**
 * Fake-arch vCPU context: the same accessor names as arch-arm64's, a different layout (registers
 * stored in reverse order), so portable code that indexes the context directly breaks in tests.
 */
#ifndef ARCH_VCPU_REGS_H
#define ARCH_VCPU_REGS_H

#include <skiff/types.h>

#define FAKE_NREGS 31

struct arch_vcpu {
	uint64_t reversed_x[FAKE_NREGS]; /* x[n] lives at reversed_x[30 - n] */
	uint64_t entry, arg;             /* what arch_vcpu_reset was given */
	uint64_t vttbr_root;
	uint16_t vmid;
	bool virq;
	bool vtimer_masked;
	unsigned switches_in;
	unsigned repeats; /* arch_vcpu_repeat_call: the call would run again */
};

static inline void arch_vcpu_set_virq(struct arch_vcpu *a, bool pending)
{
	a->virq = pending;
}

static inline bool arch_vcpu_virq(const struct arch_vcpu *a)
{
	return a->virq;
}

static inline uint64_t arch_vcpu_reg(const struct arch_vcpu *a, unsigned n)
{
	return a->reversed_x[FAKE_NREGS - 1 - n];
}

static inline void arch_vcpu_set_reg(struct arch_vcpu *a, unsigned n, uint64_t v)
{
	a->reversed_x[FAKE_NREGS - 1 - n] = v;
}

static inline void arch_vcpu_repeat_call(struct arch_vcpu *a)
{
	a->repeats++;
}

#endif
