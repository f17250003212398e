/**
 * Boot-time self tests chosen on the command line, for checking failure paths that a correct
 * hypervisor never takes (the crash report, ...). `skiff.selftest=NAME` in /chosen/bootargs (QEMU:
 * -append) runs test NAME once boot is done; without it nothing happens.
 */
#ifndef SKIFF_SELFTEST_H
#define SKIFF_SELFTEST_H

/** Runs the self test @bootargs asks for, if any. A test may not return (crash: it panics). */
void selftest_run(const char *bootargs);

/** `skiff.selftest=blk`: the block device end to end (selftest_blk.c). */
void selftest_blk(void);

#endif
