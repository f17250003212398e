/** The register frame the EL2 vectors save; offsets pinned for vectors.S by static asserts. */
#ifndef ARCH_EXCEPTION_H
#define ARCH_EXCEPTION_H

#define FRAME_X(n) ((n)*8)
#define FRAME_SP 248
#define FRAME_ELR 256
#define FRAME_SPSR 264
#define FRAME_ESR 272
#define FRAME_FAR 280
#define FRAME_SIZE 288

/* Vector kinds passed to the C handlers (ARM ARM D1.10.2 vector table layout). */
#define VEC_SYNC 0
#define VEC_IRQ 1
#define VEC_FIQ 2
#define VEC_SERROR 3
#define VEC_FROM_CUR_SP0 0
#define VEC_FROM_CUR_SPX 4
#define VEC_FROM_LOWER64 8
#define VEC_FROM_LOWER32 12

#ifndef __ASSEMBLER__
#include <skiff/types.h>

struct exc_frame {
	uint64_t x[31];
	uint64_t sp;
	uint64_t elr;
	uint64_t spsr;
	uint64_t esr;
	uint64_t far;
};

_Static_assert(sizeof(struct exc_frame) == FRAME_SIZE, "frame size");
_Static_assert(__builtin_offsetof(struct exc_frame, sp) == FRAME_SP, "frame sp");
_Static_assert(__builtin_offsetof(struct exc_frame, elr) == FRAME_ELR, "frame elr");
_Static_assert(__builtin_offsetof(struct exc_frame, esr) == FRAME_ESR, "frame esr");
_Static_assert(__builtin_offsetof(struct exc_frame, far) == FRAME_FAR, "frame far");

/** C entry for exceptions the hypervisor does not expect (crash report, then stop). */
void arch_exception_unexpected(struct exc_frame *f, unsigned kind);
/** C entry for IRQs taken at EL2. */
void arch_exception_irq(struct exc_frame *f);
#endif

#endif
