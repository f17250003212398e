/**
 * bad-smc: executes SMC #0 (x0 = PSCI SYSTEM_OFF). Firmware belongs to the hypervisor: with
 * HCR_EL2.TSC set the SMC traps to EL2 (ESR_EL2.EC 0x17) and Skiff parks the VM. Had it reached
 * the firmware, the whole machine would have powered off.
 */
#include <pv/forbidden.h>
#include <pv/pv.h>

int main(void)
{
	pv_printf("bad-smc: executing SMC #0 (PSCI SYSTEM_OFF)\n");
	pv_forbidden_smc();
	pv_printf("bad-smc: FAIL: SMC returned\n");
	return 1;
}
