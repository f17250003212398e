/**
 * The management shell: a prompt ("skiff> ") on the operator's terminal, verbs modelled on Xen's
 * `xl` (docs/root.md). The main loop feeds it keystrokes and time; a verb either finishes at once
 * or takes over the terminal (top, console) until it calls shell_finish().
 *
 * Machine requests: a line "@<n> <verb> [args]" (tools/skiffctl sends these) runs the verb between
 * the lines "@<n> begin" and "@<n> end <status>" (0 ok, 1 failed) and stays out of the history.
 * "json <verb> ..." or a "--json" argument makes a verb print one JSON object on one line.
 */
#ifndef ROOT_SHELL_H
#define ROOT_SHELL_H

#include <stdbool.h>

#define SHELL_PROMPT "skiff> "

/** Runs `first` (a command line, or NULL), then draws the first prompt. */
void shell_start(const char *first);

/** Keystrokes from the operator. */
void shell_input(const char *buf, unsigned long len);

/** Lets time-driven verbs (top) run; returns their next deadline (hv_now_us() time, 0: none). */
unsigned long shell_tick(unsigned long now_us);

/** The VM whose console is attached (`console <vm>`), or SKIFF_VM_NONE. */
unsigned int shell_attached_vm(void);

/** Ends the attached console (the VM went away); the shell says why. */
void shell_detach(const char *why);

#endif
