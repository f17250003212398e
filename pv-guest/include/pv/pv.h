/**
 * pv-guest: a small library for paravirtual unikernel guests of Skiff, running at EL1 with
 * IPA = VA. The guest provides `int main(void)`; start-up (pv-guest/arch/start.S) turns on the MMU
 * and caches, pv_main() prepares the library, calls main() and shuts the VM down with its return
 * value as the exit code. See docs/pv-guest.md.
 */
#ifndef PV_PV_H
#define PV_PV_H

#include <pv/alloc.h>
#include <pv/args.h>
#include <pv/balloon.h>
#include <pv/console.h>
#include <pv/event.h>
#include <pv/fmt.h>
#include <pv/hvc.h>
#include <pv/irq.h>
#include <pv/mmu.h>
#include <pv/string.h>
#include <pv/time.h>
#include <pv/vm.h>

/** The guest's entry point. */
int main(void);

#endif
