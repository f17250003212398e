/** QEMU `virt` machine (hw/arm/virt.c): everything else comes from the DTB QEMU generates. */
#include <skiff/board.h>

static const char *const compatible[] = { "linux,dummy-virt", NULL };

const struct board board = {
	.name = "qemu-virt",
	.dtb_compatible = compatible,
	.early_uart_base = 0x09000000,
	.early_uart_compatible = "arm,pl011",
	.fallback_psci = FW_CONDUIT_SMC,
};
