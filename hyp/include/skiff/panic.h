/**
 * Failure kinds (STYLE habit 4). Three, named, never mixed:
 *  - bad input from a guest: an error code returned to that guest (see the hypercall ABI);
 *  - a guest that faults: the guest is parked and reported, everything else runs on;
 *  - a broken invariant of the hypervisor's own: CHECK() -> panic() with file and line.
 * DEBUG_ASSERT is a fourth tool, compiled out of release builds.
 */
#ifndef SKIFF_PANIC_H
#define SKIFF_PANIC_H

#include <skiff/types.h>

/** Reports a fatal hypervisor error with its source location and stops the machine. */
NORETURN void panic_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define panic(...) panic_at(__FILE__, __LINE__, __VA_ARGS__)

/** A hypervisor invariant: false means a bug in Skiff, never bad guest input. */
#define CHECK(cond)                                                              \
	do {                                                                     \
		if (__builtin_expect(!(cond), 0))                                \
			panic_at(__FILE__, __LINE__, "CHECK failed: %s", #cond); \
	} while (0)

#ifdef SKIFF_DEBUG
#define DEBUG_ASSERT(cond) CHECK(cond)
#else
#define DEBUG_ASSERT(cond) ((void)0)
#endif

/** Stops the machine: power off where the platform can, else halt (panic, fatal boot errors). */
NORETURN void machine_stop(void);

#endif
