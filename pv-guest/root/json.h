/**
 * A small JSON writer (RFC 8259) onto the terminal, for the shell's machine-readable output: one
 * object per verb, on one line. Members are written in call order; commas are the writer's job.
 *
 *     json_begin(); json_str("verb", "list"); json_array("vms"); json_object(0); ...
 *     json_close(); json_close(); json_end();      => {"verb":"list","vms":[{...}]}\n
 */
#ifndef ROOT_JSON_H
#define ROOT_JSON_H

#include <stdbool.h>

/** Opens the top-level object. */
void json_begin(void);
/** Closes every open object and array and ends the line. */
void json_end(void);

/** Opens an object or array as member `key` (NULL inside an array). */
void json_object(const char *key);
void json_array(const char *key);
/** Closes the innermost object or array. */
void json_close(void);

void json_str(const char *key, const char *value);
void json_uint(const char *key, unsigned long value);
void json_int(const char *key, long value);
void json_bool(const char *key, bool value);

#endif
