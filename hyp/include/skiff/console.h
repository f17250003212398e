/**
 * The hypervisor console: formatted output to the boot UART, whole lines at a time under one lock
 * so that messages from different CPUs never interleave mid-line, and a ring of recent hypervisor
 * messages (not guest output) that the management console's `log` verb reads.
 *
 * The terminal may be held by the root partition (LOG_TAKE, docs/root.md): then hypervisor
 * messages and other VMs' lines are held for it to print at a line boundary instead of being
 * printed between its bytes.
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
/** Writes a guest's line atomically: to the terminal (or held), not to the log ring. */
void console_output(const char *s, size_t len);
/** Writes the holder's own bytes (the root partition's CONSOLE_WRITE) to the terminal. */
void console_terminal(const char *s, size_t len);

/**
 * @holder (the root partition) prints the console's output from now on: what would go to the
 * terminal is held, and @notify(@holder) is called (outside the console lock) after each piece.
 * Returns the sequence number of the first held byte @holder has to print.
 */
uint64_t console_hold(void *holder, void (*notify)(void *holder));
/** @holder lets go (or is gone): what it did not acknowledge is printed now; no-op otherwise. */
void console_release(void *holder);
/** The machine is going down: print what is held and never hold again. */
void console_panic(void);
/**
 * For @holder: acknowledges every held byte before @seq and copies up to @size held bytes from
 * @seq on (from the oldest still held, if @seq is older: *@first says where it started) into @buf;
 * *@end is the sequence number after the newest. Returns the count, or -1 when @holder does not
 * hold the console or @seq is before what it acknowledged or after the newest.
 */
int64_t console_held_read(void *holder, uint64_t seq, char *buf, size_t size, uint64_t *first,
			  uint64_t *end);
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
