/** UART drivers: chosen by DTB compatible string from a table, so a board picks one by data. */
#ifndef SKIFF_UART_H
#define SKIFF_UART_H

#include <skiff/types.h>

struct uart_driver {
	const char *compatible;
	void (*init)(uintptr_t base);
	void (*putc)(uintptr_t base, char c);
	/** Returns the next received byte or -1. */
	int (*getc)(uintptr_t base);
	/** Enables or masks the receive interrupt (level: asserted while input waits). */
	void (*rx_irq)(uintptr_t base, bool enable);
};

struct uart {
	const struct uart_driver *drv;
	uintptr_t base;
};

/** The driver for @compatible, or NULL. */
const struct uart_driver *uart_driver_find(const char *compatible);

extern const struct uart_driver pl011_driver;
extern const struct uart_driver bcm2835_aux_driver;

#endif
