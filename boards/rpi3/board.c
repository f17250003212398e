/**
 * Raspberry Pi 3 Model B/B+ (BCM2837, 4x Cortex-A53). No GIC (the BCM2836 local controller routes
 * the timers), no PSCI (secondary cores wait on spin tables). The DTB comes from the firmware, or
 * is dts/boards/rpi3.dts where none does (QEMU -M raspi3b).
 *
 * Power-off: the Pi 3 has no way to switch itself off. This board data targets QEMU for that: it
 * asks semihosting to exit (make run and the tests give QEMU -semihosting-config enable=on). On a
 * real Pi 3 without a debugger the request traps, is skipped, and the CPU halts.
 */
#include <skiff/board.h>

static const char *const compatible[] = { "raspberrypi,3-model-b", "raspberrypi,3-model-b-plus",
					  "brcm,bcm2837", NULL };

const struct board board = {
	.name = "rpi3",
	.dtb_compatible = compatible,
	/* The mini UART (brcm,bcm2835-aux-uart, AUX_MU_IO): the firmware's and U-Boot's console on
	 * header pins 8/10 (GPIO14/15); QEMU's second -serial. */
	.early_uart_base = 0x3f215040,
	.early_uart_compatible = "brcm,bcm2835-aux-uart",
	.fallback_psci = FW_CONDUIT_NONE,
	.power_off = BOARD_POWER_OFF_SEMIHOSTING,
};
