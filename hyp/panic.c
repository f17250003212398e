/** Fatal errors of the hypervisor's own (see panic.h for the failure kinds). */
#include <stdarg.h>
#include <skiff/board.h>
#include <skiff/console.h>
#include <skiff/panic.h>
#include <skiff/psci.h>

void machine_stop(void)
{
	console_panic(); /* the root partition will print nothing more: the UART is ours */
	kprintf("skiff: stopping the machine\n");
	/* First: a board that says so has no PSCI, and the DTB may claim one (a wrong DTB). */
	if (board.power_off == BOARD_POWER_OFF_SEMIHOSTING)
		arch_semihosting_exit(0);
	psci_system_off();
	kprintf("skiff: power-off unavailable; halting this CPU\n");
	arch_halt();
}

void panic_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	arch_irq_save();
	console_panic();
	kprintf("\nPANIC (%s:%d): ", file, line);
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
	machine_stop();
}
