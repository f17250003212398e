/** Secondary CPUs the firmware holds on spin tables (arm64 "spin-table" enable method). */
#ifndef SKIFF_SPIN_TABLE_H
#define SKIFF_SPIN_TABLE_H

#include <skiff/platform.h>

/**
 * Releases CPU @i of @p to @entry by writing its release address, cleaned to memory where the
 * CPU (MMU off) reads it; the caller then wakes it with arch_cpu_send_event(). False, and nothing
 * written, if the DTB gives it no release address or one outside RAM or not 8-byte aligned.
 */
bool spin_table_release(const struct platform *p, unsigned i, uint64_t entry);

#endif
