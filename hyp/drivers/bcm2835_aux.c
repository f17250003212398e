/**
 * The BCM2835 auxiliary "mini UART" (BCM2835 ARM Peripherals, section 2.2), on the Raspberry Pi 3
 * and 4 header pins GPIO14/15 while Bluetooth has the PL011. Its node (binding
 * brcm,bcm2835-aux-uart) gives the AUX_MU_IO register as base: the registers below are relative
 * to it. The firmware set the baud rate (from the VPU clock: config.txt enable_uart=1 fixes that
 * clock); we only make sure transmitter and receiver are on and move bytes by polling.
 */
#include <skiff/arch.h>
#include <skiff/uart.h>

#define AUX_MU_IO 0x00   /* data */
#define AUX_MU_IER 0x04  /* interrupt enables */
#define AUX_MU_LSR 0x14  /* line status */
#define AUX_MU_CNTL 0x20 /* extra control */

#define IER_RX (1U << 0) /* receive interrupt (the datasheet's bit numbering is wrong) */
#define LSR_DATA_READY (1U << 0)
#define LSR_TX_EMPTY (1U << 5) /* the transmit FIFO can take at least one byte */
#define CNTL_RX_ENABLE (1U << 0)
#define CNTL_TX_ENABLE (1U << 1)

static void aux_init(uintptr_t base)
{
	uint32_t cntl = arch_mmio_read32(base + AUX_MU_CNTL);
	uint32_t want = CNTL_RX_ENABLE | CNTL_TX_ENABLE;

	if ((cntl & want) != want)
		arch_mmio_write32(base + AUX_MU_CNTL, cntl | want);
	arch_mmio_write32(base + AUX_MU_IER, 0); /* polled: no UART interrupts */
}

static void aux_putc(uintptr_t base, char c)
{
	while (!(arch_mmio_read32(base + AUX_MU_LSR) & LSR_TX_EMPTY))
		;
	arch_mmio_write32(base + AUX_MU_IO, (uint8_t)c);
}

static int aux_getc(uintptr_t base)
{
	if (!(arch_mmio_read32(base + AUX_MU_LSR) & LSR_DATA_READY))
		return -1;
	return (int)(arch_mmio_read32(base + AUX_MU_IO) & 0xff);
}

/* Level: asserted while the receive FIFO holds a byte. */
static void aux_rx_irq(uintptr_t base, bool enable)
{
	arch_mmio_write32(base + AUX_MU_IER, enable ? IER_RX : 0);
}

const struct uart_driver bcm2835_aux_driver = {
	.compatible = "brcm,bcm2835-aux-uart",
	.init = aux_init,
	.putc = aux_putc,
	.getc = aux_getc,
	.rx_irq = aux_rx_irq,
};
