/**
 * A board is data (STYLE habit 2): boards/<name>/board.c defines `board` with these fields and
 * boards/<name>/board.mk says how to build and run it. The DTB fills in and checks the rest.
 */
#ifndef SKIFF_BOARD_H
#define SKIFF_BOARD_H

#include <skiff/arch.h>
#include <skiff/types.h>

/**
 * How to end the run when the machine has no PSCI (the Raspberry Pi 3's firmware has none and an
 * SMC there goes nowhere): NONE halts the CPU; SEMIHOSTING asks a debugger, or QEMU started with
 * `-semihosting-config enable=on`, to exit (Arm semihosting SYS_EXIT). Without either, the request
 * traps, is skipped, and the CPU halts as with NONE.
 */
enum board_power_off { BOARD_POWER_OFF_NONE, BOARD_POWER_OFF_SEMIHOSTING };

struct board {
	const char *name;
	/** Root compatible strings a DTB for this board may carry (NULL-terminated). */
	const char *const *dtb_compatible;
	/** UART usable before the DTB is parsed (and to report a missing or broken DTB). */
	uintptr_t early_uart_base;
	const char *early_uart_compatible;
	/** PSCI conduit to power off with when there is no usable DTB. */
	enum fw_conduit fallback_psci;
	/** What stops the machine when PSCI does not (or is absent). */
	enum board_power_off power_off;
};

extern const struct board board;

#endif
