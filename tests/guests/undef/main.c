/**
 * undef: executes UDF #0. An undefined instruction at EL1 is the guest's own business: it traps
 * to pv-guest's vectors, not to Skiff, which print "pv: synchronous exception from EL1: ESR_EL1
 * 0x2000000 (EC 0x0) ..." and shut the VM down with exit code 0xe1 (225, PV_EXIT_EXCEPTION).
 * Checks the guest's side of fault reporting and that Skiff reports the exit code.
 */
#include <pv/forbidden.h>
#include <pv/pv.h>

int main(void)
{
	pv_printf("undef: executing UDF #0\n");
	pv_forbidden_udf();
	pv_printf("undef: FAIL: UDF #0 returned\n");
	return 1;
}
