/**
 * Symbol table for crash backtraces. The build links the image twice: the second link embeds the
 * function symbols of the first (tools/gensyms.py), which sit after .text so no code moves.
 */
#ifndef SKIFF_KSYMS_H
#define SKIFF_KSYMS_H

#include <skiff/types.h>

/** The function containing @addr and the offset into it, or NULL if unknown. */
const char *ksym_lookup(uint64_t addr, uint64_t *offset);

/* Generated table layout (see tools/gensyms.py). */
extern const uint32_t ksyms_count;
extern const uint32_t ksyms_offset[]; /* function start - __image_start, ascending */
extern const uint32_t ksyms_name[];   /* index into ksyms_names */
extern const char ksyms_names[];

#endif
