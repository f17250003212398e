/** Assembly helpers shared by the .S files of arch-arm64/. */
#ifndef ARCH_ASM_H
#define ARCH_ASM_H

/* PC-relative address of a symbol anywhere within +-4 GiB (no relocation needed). */
.macro adr_l reg, sym
	adrp	\reg, \sym
	add	\reg, \reg, :lo12:\sym
.endm

/* SCTLR_EL2 RES1 bits (E2H=0), see sysreg.h. */
#define SCTLR_EL2_RES1_VALUE 0x30c50830

#endif
