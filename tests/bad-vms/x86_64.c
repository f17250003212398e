/**
 * A valid ELF executable for the wrong machine: built with the host compiler (x86-64) into
 * build/bad-vms/x86-64.elf by mk/qemutests.mk. Skiff's loader must reject the VM that names it
 * ("ELF is not an AArch64 executable") while the other VMs of the config start.
 */
void _start(void);

void _start(void)
{
	for (;;)
		;
}
