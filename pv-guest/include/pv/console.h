/**
 * The console: bytes go to SKIFF_HVC_CONSOLE_WRITE one whole line at a time (a line longer than
 * SKIFF_CONSOLE_MAX goes in pieces), so lines from different VMs never interleave mid-line.
 * Safe to call from event handlers: IRQs are masked while the line buffer changes.
 */
#ifndef PV_CONSOLE_H
#define PV_CONSOLE_H

#include <stdarg.h>

/** Appends `len` bytes to the console, sending every completed line. */
void pv_console_write(const char *s, unsigned long len);

/** Sends a partial line now. */
void pv_console_flush(void);

/** Reads waiting console input into `buf`: the byte count (0: none) or a SKIFF_E_* code. */
long pv_console_read(char *buf, unsigned long size);

/** printf to the console (formats as pv_vsnprintf); returns the number of characters. */
int pv_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int pv_vprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/** Prints `s` and a newline. */
void pv_puts(const char *s);

#endif
