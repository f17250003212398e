/*
 * Primary entry. The image starts with the 64-byte arm64 Image header (Linux
 * Documentation/arch/arm64/booting.rst) so that QEMU's -kernel and U-Boot's booti/bootm load it
 * and jump to offset 0 with the DTB's physical address in x0, MMU and D-cache off.
 *
 * The image is linked at the board's load address (SKIFF_LINK_ADDR) as a static PIE: if a loader
 * put it elsewhere, the R_AARCH64_RELATIVE fix-ups below move it before any C code runs.
 */
#include <arch/asm.h>

#include <arch/smp.h>

#define R_AARCH64_RELATIVE 1027

	.section .text.head, "ax"
	.global _start
_start:
	b	primary_entry		/* code0 */
	.long	0			/* code1 */
	.quad	0			/* text_offset: any 2 MiB boundary */
	.quad	__image_size		/* image_size, bss included */
	.quad	0xa			/* flags: LE, 4 KiB pages, placed anywhere */
	.quad	0, 0, 0			/* res2..res4 */
	.ascii	"ARM\x64"		/* magic */
	.long	0			/* res5 */

primary_entry:
	mov	x19, x0			/* x19 = DTB address, kept until C */
	msr	daifset, #0xf
	mrs	x20, CurrentEL
	lsr	x20, x20, #2		/* x20 = boot EL, kept until C */
	cmp	x20, #3
	b.eq	drop_from_el3
	cmp	x20, #2
	b.eq	el2_entry
	b	common_entry		/* EL1: C prints why and powers off */

/*
 * EL3 with no firmware above us: make EL2 non-secure AArch64 with HVC enabled (SCR_EL3,
 * D13.2.117: NS=1, RES1 bits 4/5, HCE=1, RW=1) and eret to el2_entry with DAIF masked.
 */
drop_from_el3:
	mov	x0, #((1 << 0) | (1 << 4) | (1 << 5) | (1 << 8) | (1 << 10))
	msr	scr_el3, x0
	/* Let EL2 use the GICv3 system-register interface if present (ICC_SRE_EL3: SRE|Enable). */
	mrs	x0, id_aa64pfr0_el1
	ubfx	x0, x0, #24, #4
	cbz	x0, 1f
	mov	x0, #((1 << 0) | (1 << 3))
	msr	S3_6_C12_C12_5, x0	/* ICC_SRE_EL3 */
	isb
1:	mov	x0, #0x3c9		/* EL2h, DAIF masked */
	msr	spsr_el3, x0
	adr	x0, el2_entry
	msr	elr_el3, x0
	eret

el2_entry:
	/* Known SCTLR_EL2: MMU, caches and alignment checks off until mmu.c turns them on. */
	ldr	x0, =SCTLR_EL2_RES1_VALUE
	msr	sctlr_el2, x0
	isb

common_entry:
	/* Apply R_AARCH64_RELATIVE fix-ups: *(off + delta) = addend + delta. */
	adr	x0, _start
	ldr	x1, =SKIFF_LINK_ADDR_VALUE
	sub	x9, x0, x1		/* x9 = load delta */
	adr_l	x2, __rela_start
	adr_l	x3, __rela_end
2:	cmp	x2, x3
	b.hs	3f
	ldp	x4, x5, [x2], #16	/* r_offset, r_info */
	ldr	x6, [x2], #8		/* r_addend */
	cmp	x5, #R_AARCH64_RELATIVE
	b.ne	2b
	add	x6, x6, x9
	str	x6, [x4, x9]
	b	2b
3:
	/* Clear .bss (it holds the boot stack, so before the first call). */
	adr_l	x0, __bss_start
	adr_l	x1, __bss_end
4:	cmp	x0, x1
	b.hs	5f
	stp	xzr, xzr, [x0], #16
	b	4b
5:
	adr_l	x0, boot_stack_top
	mov	sp, x0
	mov	x29, xzr
	mov	x30, xzr
	mov	x0, x19			/* DTB */
	mov	x1, x20			/* boot EL */
	adr	x2, _start		/* load address */
	bl	arch_boot_entry		/* never returns */
6:	wfi
	b	6b

/*
 * Secondary CPUs, started by PSCI CPU_ON or released from a spin table (arch-arm64/smp.c): MMU
 * and caches off, at EL2. A spin table passes nothing in x0, so each CPU finds its slot in
 * arch_secondary_slots by its MPIDR affinity; the slot gives it a stack the boot CPU cleaned to
 * memory. Anything else (no slot, not EL2) waits in WFI for good.
 */
	.global	arch_secondary_entry
arch_secondary_entry:
	msr	daifset, #0xf
	mrs	x0, CurrentEL
	cmp	x0, #(2 << 2)
	b.ne	9f
	ldr	x0, =SCTLR_EL2_RES1_VALUE
	msr	sctlr_el2, x0
	isb
	mrs	x1, mpidr_el1
	ldr	x0, =MPIDR_AFF_MASK_VALUE
	and	x1, x1, x0
	adr_l	x2, arch_secondary_slots
	mov	x3, #SECONDARY_SLOTS
7:	ldp	x4, x5, [x2, #SLOT_HWID]	/* hwid, stack top */
	cmp	x4, x1
	ccmp	x5, #0, #4, eq		/* Z clear: this CPU's slot, and in use */
	b.eq	8f
	mov	sp, x5
	mov	x0, x2
	mov	x29, xzr
	mov	x30, xzr
	bl	arch_secondary_start	/* never returns */
	b	9f
8:	add	x2, x2, #SLOT_SIZE
	subs	x3, x3, #1
	b.ne	7b
9:	wfi
	b	9b

	.ltorg

	/* Boot CPU stack (CPU_STACK_SIZE); secondary CPUs get theirs from the frame pool. */
	.bss
	.balign	16
	.global	boot_stack
boot_stack:
	.space	16384
	.global	boot_stack_top
boot_stack_top:
