/**
 * The operator's terminal, owned by the root partition. Output is buffered and goes out through
 * the root's raw console (hv_console_write). The shell's prompt line and
 * asynchronous messages (guest console lines, service reports) share the screen without mixing:
 * a notice is printed above the prompt, which is then redrawn with whatever was being typed.
 */
#ifndef ROOT_TERM_H
#define ROOT_TERM_H

#include <stdarg.h>
#include <stdbool.h>

/** Where notices go. */
enum term_mode {
	TERM_BUSY,   /* a verb is printing: a notice is a line of its own between its lines */
	TERM_PROMPT, /* the prompt is on screen: erase it, print the notice, redraw it */
	TERM_HOLD, /* top or an attached console owns the screen: notices are counted, not shown */
};

/** Buffers `len` bytes for the terminal. */
void term_write(const char *s, unsigned long len);

/** Buffers a string. */
void term_puts(const char *s);

/** printf to the terminal (pv_vformat conversions). */
int term_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int term_vprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/** Sends everything buffered. */
void term_flush(void);

/** Sets the mode; `redraw` (TERM_PROMPT only) draws the prompt line again after a notice. */
void term_set_mode(enum term_mode mode, void (*redraw)(void));
enum term_mode term_mode(void);

/**
 * An asynchronous line (no newline needed), shown according to the mode. Returns false when it
 * was held back (TERM_HOLD).
 */
bool term_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** Notices held back since the last call (and resets the count). */
unsigned long term_take_held(void);

/** `c`, or '?' for a control byte (other than a tab) that must not reach the terminal raw. */
static inline char term_printable(char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f ? '?' : c;
}

/** The cursor is not at the start of a line (something was written after the last '\n'). */
bool term_mid_line(void);

#endif
