/**
 * printf-style formatting without a C library. Conversions: %d %i %u %x %X %p %s %c %%, with the
 * length modifiers l, ll and z, the flags '-' (left-justify) and '0' (zero-pad), a field width
 * (digits or '*') and, for %s only, a precision (".N" or ".*": at most N bytes are read).
 * An unknown conversion is printed as written.
 */
#ifndef PV_FMT_H
#define PV_FMT_H

#include <stdarg.h>

/** Receives formatted output one character at a time. */
typedef void (*pv_fmt_sink)(void *ctx, char c);

/** Formats into `sink`; returns the number of characters produced. */
int pv_vformat(pv_fmt_sink sink, void *ctx, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/**
 * C99 snprintf: writes at most `size` bytes including the terminating NUL and returns the length
 * the whole output would have had.
 */
int pv_snprintf(char *buf, unsigned long size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int pv_vsnprintf(char *buf, unsigned long size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

#endif
