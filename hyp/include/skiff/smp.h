/**
 * Several physical CPUs (issue 6): starting the secondaries the DTB lists, and which are online.
 * CPU 0 is the boot CPU; the others are numbered in DTB order as they are started.
 */
#ifndef SKIFF_SMP_H
#define SKIFF_SMP_H

#include <skiff/platform.h>
#include <skiff/types.h>

struct cpu;

/** Life of a CPU record (struct cpu.state). */
enum cpu_state { CPU_ABSENT, CPU_STARTING, CPU_ONLINE, CPU_READY, CPU_FAILED };

/**
 * Starts every CPU of @p but this one (PSCI CPU_ON where the DTB names PSCI, else its spin table)
 * and waits for each to report. A CPU that fails is reported and left out. Returns the number of
 * CPUs online, this one included.
 */
unsigned smp_start_secondaries(const struct platform *p);
/** Where a secondary CPU lands once its MMU is on (called by the arch entry); never returns. */
NORETURN void smp_secondary_main(struct cpu *c);
/** Number of CPU records (online or not): CPUs are cpus[0 .. smp_ncpus()). */
unsigned smp_ncpus(void);
/** True if CPU @index is online and runs the scheduler. */
bool smp_cpu_online(unsigned index);
/**
 * Kicks CPU @index: an interrupt that makes it leave a guest or WFI and look at its runqueue
 * again (the caller has set what it should find, e.g. need_resched). Nothing for this CPU, whose
 * exit path looks anyway.
 */
void smp_kick(unsigned index);

#endif
