/**
 * VM arguments: the config's "args" string, whitespace-separated `key=value` words (or a bare
 * `key`, whose value is empty).
 */
#ifndef PV_ARGS_H
#define PV_ARGS_H

/**
 * Finds `key` in `args`: returns its value (not NUL-terminated: ends at whitespace or NUL) and
 * stores the value's length in *len, or returns NULL when absent.
 */
const char *pv_args_find(const char *args, const char *key, unsigned long *len);

/** The value of `key` as a decimal or 0x-hex number, or `dflt` when absent or malformed. */
unsigned long pv_args_ulong(const char *args, const char *key, unsigned long dflt);

/**
 * Parses a decimal or 0x-hex number of exactly `len` characters into *out: 0 on success, -1 if
 * malformed or out of range.
 */
int pv_parse_ulong(const char *s, unsigned long len, unsigned long *out);

#endif
