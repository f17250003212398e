/**
 * Arm PrimeCell PL011 UART (DDI 0183). The boot firmware has set the baud rate; we only make sure
 * the transmitter and receiver are enabled and move bytes by polling.
 */
#include <skiff/arch.h>
#include <skiff/uart.h>

#define UARTDR 0x00
#define UARTFR 0x18
#define UARTCR 0x30
#define UARTIMSC 0x38

#define FR_RXFE (1U << 4) /* receive FIFO empty */
#define FR_TXFF (1U << 5) /* transmit FIFO full */
#define CR_UARTEN (1U << 0)
#define CR_TXE (1U << 8)
#define CR_RXE (1U << 9)

static void pl011_init(uintptr_t base)
{
	uint32_t cr = arch_mmio_read32(base + UARTCR);
	uint32_t want = CR_UARTEN | CR_TXE | CR_RXE;

	if ((cr & want) != want)
		arch_mmio_write32(base + UARTCR, cr | want);
	arch_mmio_write32(base + UARTIMSC, 0); /* polled: no UART interrupts yet */
}

static void pl011_putc(uintptr_t base, char c)
{
	while (arch_mmio_read32(base + UARTFR) & FR_TXFF)
		;
	arch_mmio_write32(base + UARTDR, (uint8_t)c);
}

static int pl011_getc(uintptr_t base)
{
	if (arch_mmio_read32(base + UARTFR) & FR_RXFE)
		return -1;
	return (int)(arch_mmio_read32(base + UARTDR) & 0xff);
}

/* UARTIMSC RXIM (receive) and RTIM (receive timeout): input waiting, however little. */
#define IMSC_RX ((1U << 4) | (1U << 6))

static void pl011_rx_irq(uintptr_t base, bool enable)
{
	arch_mmio_write32(base + UARTIMSC, enable ? IMSC_RX : 0);
}

const struct uart_driver pl011_driver = {
	.compatible = "arm,pl011",
	.init = pl011_init,
	.putc = pl011_putc,
	.getc = pl011_getc,
	.rx_irq = pl011_rx_irq,
};
