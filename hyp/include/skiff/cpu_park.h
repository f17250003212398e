/** Secondary CPUs held on spin tables, parked until Skiff runs on more than one CPU. */
#ifndef SKIFF_CPU_PARK_H
#define SKIFF_CPU_PARK_H

#include <skiff/platform.h>

/**
 * Releases every CPU but this one that the DTB says waits on a spin table into the arch's park
 * loop (WFI), by writing its release address; call with the MMU off (the writes must reach
 * memory, where those CPUs read). A release address outside RAM or not 8-byte aligned is left
 * alone. Returns how many CPUs were released.
 */
unsigned cpu_park_secondaries(const struct platform *p);

#endif
