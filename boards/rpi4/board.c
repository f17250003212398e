/**
 * Raspberry Pi 4 Model B, Pi 400, Compute Module 4 (BCM2711, 4x Cortex-A72): GIC-400 (GICv2
 * with virtualization extensions), PL011s and the mini UART, RAM from 0 (up to 8 GiB in several
 * ranges). The firmware passes the DTB (bcm2711-rpi-4-b.dtb on the boot partition, its memory
 * node filled in). The firmware's stub enters at EL2 and provides spin tables, no PSCI: the
 * machine halts when Skiff stops.
 */
#include <skiff/board.h>

static const char *const compatible[] = { "raspberrypi,4-model-b", "raspberrypi,400",
					  "raspberrypi,4-compute-module", "brcm,bcm2711", NULL };

const struct board board = {
	.name = "rpi4",
	.dtb_compatible = compatible,
	/* The mini UART (AUX_MU_IO at bus address 0x7e215040): the console on header pins 8/10
	 * (GPIO14/15) while Bluetooth has the PL011, as the firmware's DTB says (stdout-path). */
	.early_uart_base = 0xfe215040,
	.early_uart_compatible = "brcm,bcm2835-aux-uart",
	.fallback_psci = FW_CONDUIT_NONE,
	.power_off = BOARD_POWER_OFF_NONE,
};
