/**
 * bad-ptimer: arms the EL1 physical timer (CNTP_CVAL_EL0/CNTP_CTL_EL0), which is not the guest's:
 * guests get the virtual timer. With CNTHCTL_EL2.EL1PCEN = 0 the access traps to EL2
 * (ESR_EL2.EC 0x18, a trapped system register) and Skiff parks the VM. Let through, the timer
 * would raise a physical interrupt the hypervisor never asked for.
 */
#include <pv/forbidden.h>
#include <pv/pv.h>

int main(void)
{
	pv_printf("bad-ptimer: arming the EL1 physical timer\n");
	pv_forbidden_ptimer();
	pv_printf("bad-ptimer: FAIL: the physical timer is writable\n");
	return 1;
}
