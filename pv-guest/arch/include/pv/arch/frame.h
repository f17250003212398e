/**
 * The registers the exception vectors (arch/vectors.S) save on the stack. Offsets are shared by
 * the assembly and C and pinned by static asserts in arch/exception.c.
 */
#ifndef PV_ARCH_FRAME_H
#define PV_ARCH_FRAME_H

#define PV_FRAME_X 0      /* x0..x30 */
#define PV_FRAME_ELR 248  /* ELR_EL1 */
#define PV_FRAME_SPSR 256 /* SPSR_EL1 */
#define PV_FRAME_FP 272   /* q0..q7 then q16..q31: AAPCS64's caller-saved vector registers */
#define PV_FRAME_FPSR 656
#define PV_FRAME_FPCR 664
#define PV_FRAME_SIZE 672 /* a multiple of 16: SP stays aligned */

/* Which vector was taken (the vector table's order, ARM ARM D1.10.2): group * 4 + type. */
#define PV_VEC_SYNC 0
#define PV_VEC_IRQ 1
#define PV_VEC_FIQ 2
#define PV_VEC_SERROR 3
#define PV_VEC_EL1T 0 /* current EL, SP_EL0 */
#define PV_VEC_EL1H 4 /* current EL, SP_EL1: where pv-guest runs */
#define PV_VEC_EL0_64 8
#define PV_VEC_EL0_32 12

#ifndef __ASSEMBLER__
struct pv_frame {
	unsigned long x[31];
	unsigned long elr, spsr, pad;
	unsigned long fp[24][2];
	unsigned long fpsr, fpcr;
};
#endif

#endif
