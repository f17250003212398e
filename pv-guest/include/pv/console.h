/**
 * The console: bytes go to SKIFF_HVC_CONSOLE_WRITE one whole line at a time (a line longer than
 * SKIFF_CONSOLE_MAX goes in pieces), so lines from different VMs never interleave mid-line.
 * A sink (pv_console_set_sink) may take the lines instead: the console channel to the root
 * partition does (pv/console_chan.h). Safe to call from event handlers and from any vCPU: the
 * console lock (IRQs masked) is held while the line buffer changes and a line is handed on.
 */
#ifndef PV_CONSOLE_H
#define PV_CONSOLE_H

#include <stdarg.h>
#include <stdbool.h>

/** Appends `len` bytes to the console, sending every completed line. */
void pv_console_write(const char *s, unsigned long len);

/** Sends a partial line now. */
void pv_console_flush(void);

/** Reads waiting console input into `buf`: the byte count (0: none) or a SKIFF_E_* code. */
long pv_console_read(char *buf, unsigned long size);

/** Where console lines go instead of the hypercalls. Called with IRQs masked. */
struct pv_console_sink {
	/** Takes a line (or a piece of a long one); false: not taken, CONSOLE_WRITE carries it. */
	bool (*write)(void *ctx, const char *s, unsigned long len);
	/** Console input: bytes, 0 (none) or a SKIFF_E_* code. NULL: SKIFF_HVC_CONSOLE_READ. */
	long (*read)(void *ctx, char *buf, unsigned long size);
	/** Waits, bounded, until what was taken has reached its reader. NULL: nothing to wait for.
	 */
	void (*sync)(void *ctx);
	void *ctx;
};

/** Routes the console through `sink` (copied; NULL: back to the hypercalls). */
void pv_console_set_sink(const struct pv_console_sink *sink);

/** Sends a partial line, then waits (bounded) until the sink has delivered everything. */
void pv_console_sync(void);

/** printf to the console (formats as pv_vsnprintf); returns the number of characters. */
int pv_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int pv_vprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/** Prints `s` and a newline. */
void pv_puts(const char *s);

/**
 * Holds the console (IRQs masked, other vCPUs wait; recursive on one vCPU): what is printed
 * until pv_console_unlock comes out together. Returns the IRQ state to restore.
 */
unsigned long pv_console_lock(void);
void pv_console_unlock(unsigned long flags);

#endif
