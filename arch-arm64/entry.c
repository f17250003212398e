/**
 * arm64 entry from boot.S: configure EL2 (vectors, HCR, traps, timers) and hand over to the
 * portable boot story. Also answers arch_image_layout from linker symbols.
 */
#include <arch/sysreg.h>
#include <skiff/boot.h>

extern char __image_start[], __text_end[], __rodata_start[], __rodata_end[], __data_start[],
	__image_end[];
extern char arch_vectors[];
extern unsigned arch_boot_el_value;

static struct pa_range range_of(const char *b, const char *e)
{
	return (struct pa_range){ pa_init((uintptr_t)b), pa_init((uintptr_t)e) };
}

struct image_layout arch_image_layout(void)
{
	return (struct image_layout){
		.image = range_of(__image_start, __image_end),
		.text = range_of(__image_start, __text_end),
		.rodata = range_of(__rodata_start, __rodata_end),
		.data = range_of(__data_start, __image_end),
	};
}

/* EL2 control registers, on every CPU before its MMU is on (also arch-arm64/smp.c). */
void arch_el2_setup(void);
void arch_el2_setup(void)
{
	write_vbar_el2((uintptr_t)arch_vectors);
	/* AArch64 guests; physical IRQ/FIQ/SError to EL2 (D13.2.48). Stage 2 comes with VMs. */
	write_hcr_el2(HCR_EL2_RW | HCR_EL2_IMO | HCR_EL2_FMO | HCR_EL2_AMO);
	/* Do not trap FP/SIMD at EL2: libfdt (built by Debian for generic arm64) uses SIMD. */
	write_cptr_el2(CPTR_EL2_RES1);
	write_cnthctl_el2(CNTHCTL_EL1PCTEN); /* guests read the counter; CNTP_* traps */
	write_cntvoff_el2(0);
	write_cnthp_ctl_el2(0);
	isb();
}

/* Called from boot.S only. */
void arch_boot_entry(void *fdt, unsigned el, uintptr_t load);
void arch_boot_entry(void *fdt, unsigned el, uintptr_t load)
{
	(void)load;
	arch_boot_el_value = el;
	if (el >= 2)
		arch_el2_setup();
	boot_main(fdt);
}
