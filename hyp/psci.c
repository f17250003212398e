/** PSCI client: power control of the whole machine through firmware. */
#include <skiff/psci.h>

static enum fw_conduit conduit;

void psci_set_conduit(enum fw_conduit c)
{
	conduit = c;
}

enum fw_conduit psci_conduit(void)
{
	return conduit;
}

uint32_t psci_version(void)
{
	uint64_t v;

	if (conduit == FW_CONDUIT_NONE)
		return 0;
	v = arch_fw_call(conduit, PSCI_VERSION, 0, 0, 0);
	return (int64_t)v < 0 ? 0 : (uint32_t)v;
}

void psci_system_off(void)
{
	if (conduit != FW_CONDUIT_NONE)
		arch_fw_call(conduit, PSCI_SYSTEM_OFF, 0, 0, 0);
}

void psci_system_reset(void)
{
	if (conduit != FW_CONDUIT_NONE)
		arch_fw_call(conduit, PSCI_SYSTEM_RESET, 0, 0, 0);
}

int64_t psci_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t context)
{
	if (conduit == FW_CONDUIT_NONE)
		return PSCI_E_NOT_SUPPORTED;
	return (int64_t)arch_fw_call(conduit, PSCI_CPU_ON_64, mpidr, entry, context);
}
