/** PSCI calls the hypervisor makes to firmware (Arm DEN0022, PSCI 1.1, section 5). */
#ifndef SKIFF_PSCI_H
#define SKIFF_PSCI_H

#include <skiff/arch.h>

#define PSCI_VERSION 0x84000000U
#define PSCI_SYSTEM_OFF 0x84000008U
#define PSCI_SYSTEM_RESET 0x84000009U
#define PSCI_CPU_ON_64 0xc4000003U

/** PSCI return codes (DEN0022 section 5.2.2). */
#define PSCI_E_NOT_SUPPORTED (-1)
#define PSCI_E_INVALID_PARAMETERS (-2)
#define PSCI_E_ALREADY_ON (-4)
#define PSCI_E_ON_PENDING (-5)
#define PSCI_E_INTERNAL_FAILURE (-6)
#define PSCI_E_INVALID_ADDRESS (-9)

/** Selects how PSCI is reached (from the DTB, or the board's fallback). */
void psci_set_conduit(enum fw_conduit c);
enum fw_conduit psci_conduit(void);
/** PSCI version as major << 16 | minor, or 0 without PSCI. */
uint32_t psci_version(void);
/** Powers the machine off; returns only if firmware refused or there is no PSCI. */
void psci_system_off(void);
void psci_system_reset(void);
/** CPU_ON: starts CPU @mpidr at physical address @entry, x0 = @context. 0 or a PSCI_E_* code. */
int64_t psci_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t context);

#endif
