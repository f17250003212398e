/** The UART driver table: adding a UART type is one line here plus its driver file. */
#include <skiff/string.h>
#include <skiff/uart.h>

static const struct uart_driver *const uart_drivers[] = {
	&pl011_driver,
	&bcm2835_aux_driver,
};

const struct uart_driver *uart_driver_find(const char *compatible)
{
	for (size_t i = 0; i < ARRAY_SIZE(uart_drivers); i++)
		if (strcmp(uart_drivers[i]->compatible, compatible) == 0)
			return uart_drivers[i];
	return NULL;
}
