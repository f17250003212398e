/**
 * Misbehaviour for the adversarial test guests. The first three are forbidden: each must be
 * trapped by the hypervisor (which parks the VM); if one returns, the hypervisor let it through.
 */
#ifndef PV_FORBIDDEN_H
#define PV_FORBIDDEN_H

/** SMC #0 with x0 = PSCI SYSTEM_OFF: firmware is not the guest's to call (HCR_EL2.TSC traps it). */
void pv_forbidden_smc(void);

/**
 * Arms the EL1 physical timer (CNTP_CVAL_EL0 = 0, CNTP_CTL_EL0 = enabled): that timer is not the
 * guest's (CNTHCTL_EL2.EL1PCEN = 0 traps the accesses, ESR_EL2.EC 0x18).
 */
void pv_forbidden_ptimer(void);

/**
 * Sends SGI 0 to every other physical CPU through ICC_SGI1R_EL1 (GICv3 system-register interface;
 * HCR_EL2.IMO = 1 traps the write to EL2, EC 0x18). Without a GICv3 CPU interface the register is
 * UNDEFINED and the guest's own vectors report it.
 */
void pv_forbidden_sgi(void);

/**
 * UDF #0, a permanently undefined instruction. At EL1 it traps to the guest's own vectors, not
 * to the hypervisor: pv-guest reports it and shuts down with PV_EXIT_EXCEPTION. Does not return.
 */
void pv_forbidden_udf(void);

#endif
