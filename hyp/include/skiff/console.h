/**
 * The hypervisor console: formatted output to the boot UART, whole lines at a time under one lock
 * so that messages from different CPUs never interleave mid-line, and a ring of recent hypervisor
 * messages (not guest output) that the management console's `log` verb reads.
 */
#ifndef SKIFF_CONSOLE_H
#define SKIFF_CONSOLE_H

#include <stdarg.h>
#include <skiff/types.h>

struct uart;

/** Sends console output to @u from now on (NULL: output goes only to the log ring). */
void console_attach(const struct uart *u);
/** Formats and writes; output is emitted atomically per call. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list ap);
/** Writes a hypervisor message's raw bytes (no formatting) atomically; they go in the log ring. */
void console_write(const char *s, size_t len);
/** Writes guest output atomically: to the terminal, not to the hypervisor's log ring. */
void console_output(const char *s, size_t len);
/** Reads one byte from the console UART, or -1 if none is waiting. */
int console_getc(void);
/** Enables or masks the console UART's receive interrupt. */
void console_rx_irq(bool enable);
/** Copies up to @size bytes of the newest log output into @buf; returns the count. */
size_t console_log_read(char *buf, size_t size);

/** vsnprintf subset: %c %s %d %i %u %x %X %p %%, flags '-' '0', width, precision for %s, l/ll/z. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
