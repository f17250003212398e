/**
 * bad-sgi: sends SGI 0 to every other physical CPU through ICC_SGI1R_EL1. With HCR_EL2.IMO set the
 * write traps to EL2 (ESR_EL2.EC 0x18) and Skiff parks the VM: a guest must not interrupt CPUs.
 * Needs a GICv3 CPU interface (gic-version=3); with GICv2 the register is UNDEFINED, the guest's
 * own vectors report the exception and the VM exits with 0xe1.
 */
#include <pv/forbidden.h>
#include <pv/pv.h>

int main(void)
{
	pv_printf("bad-sgi: writing ICC_SGI1R_EL1 (SGI 0 to all other CPUs)\n");
	pv_forbidden_sgi();
	pv_printf("bad-sgi: FAIL: the SGI register write was not trapped\n");
	return 1;
}
