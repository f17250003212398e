/**
 * Several vCPUs in one guest (docs/pv-guest.md "Several vCPUs"). vCPU 0 runs main(); each other
 * vCPU is started with pv_cpu_on (guest PSCI CPU_ON) on a stack of its own from the heap, with
 * the same exception vectors and page tables as vCPU 0, and stops with pv_cpu_off. Events: the
 * timer, guest-timer and IPI ports (SKIFF_EV_PER_VCPU) are each vCPU's own; all other ports
 * reach vCPU 0 only. A handler registered with pv_event_handler serves every vCPU; a vCPU
 * started later unmasks the per-vCPU ports that have one.
 */
#ifndef PV_CPU_H
#define PV_CPU_H

#define PV_MAX_VCPUS 8
#define PV_CPU_STACK_SIZE (32 * 1024)

/**
 * Starts vCPU `vcpu` (1..pv_vcpu_count()-1) running fn(arg) with IRQs unmasked; when fn
 * returns, the vCPU turns itself off (pv_cpu_off). Returns 0 or a PSCI error code
 * (SKIFF_PSCI_E_*: ALREADY_ON while it still runs, INVALID_PARAMETERS for a bad index) or
 * SKIFF_E_NOMEM when no stack could be allocated. A vCPU's stack is kept for its next start.
 */
long pv_cpu_on(unsigned int vcpu, void (*fn)(void *), void *arg);

/** Turns the calling vCPU off (PSCI CPU_OFF). Returns only if refused: vCPU 0 (DENIED). */
long pv_cpu_off(void);

/** PSCI AFFINITY_INFO of vCPU `vcpu`: SKIFF_PSCI_AFF_ON / _OFF / _ON_PENDING, or an error. */
long pv_cpu_state(unsigned int vcpu);

/** Raises SKIFF_EV_IPI on vCPU `vcpu` of this VM: 0, SKIFF_E_INVAL, SKIFF_E_NOENT (it is off). */
long pv_ipi_send(unsigned int vcpu);

/** IPIs this vCPU has taken with the library's own handler (the default for SKIFF_EV_IPI). */
unsigned long pv_ipi_count(void);

/** The calling vCPU's index (0 on the boot vCPU). */
unsigned int pv_vcpu_id(void);

/** The VM's vCPU count (SKIFF_HVC_VM_INFO). */
unsigned int pv_vcpu_count(void);

#endif
