/** PSCI calls the hypervisor makes to firmware (Arm DEN0022, PSCI 1.1, section 5). */
#ifndef SKIFF_PSCI_H
#define SKIFF_PSCI_H

#include <skiff/arch.h>

#define PSCI_VERSION 0x84000000U
#define PSCI_SYSTEM_OFF 0x84000008U
#define PSCI_SYSTEM_RESET 0x84000009U
#define PSCI_CPU_ON_64 0xc4000003U

/** Selects how PSCI is reached (from the DTB, or the board's fallback). */
void psci_set_conduit(enum fw_conduit c);
enum fw_conduit psci_conduit(void);
/** PSCI version as major << 16 | minor, or 0 without PSCI. */
uint32_t psci_version(void);
/** Powers the machine off; returns only if firmware refused or there is no PSCI. */
void psci_system_off(void);
void psci_system_reset(void);

#endif
