/**
 * The hypervisor's output on the root's terminal (docs/root.md, "Hypervisor messages and the
 * prompt"). The root takes it at start-up (LOG_TAKE): from then on the hypervisor holds its
 * messages (a VM parked, exited, created, ...) and the other VMs' lines it would have printed,
 * raises SKIFF_EV_LOG, and the root prints them here as notices: at a line boundary, above the
 * prompt and the half-typed line, which are drawn again after them. While top or an attached
 * console owns the screen they wait (the hypervisor keeps them) and come once the prompt is back.
 */
#ifndef ROOT_HYPLOG_H
#define ROOT_HYPLOG_H

/** Takes the hypervisor's output. On failure the hypervisor goes on printing it itself. */
void hyplog_start(void);

/** SKIFF_EV_LOG came: there is output to print. */
void hyplog_kick(void);

/** Prints the held output, whole lines, unless the screen is held; acknowledges what it printed. */
void hyplog_poll(void);

/**
 * Prints what the hypervisor holds now, without waiting for SKIFF_EV_LOG: a verb whose only
 * output is the hypervisor's report of it (create, reboot, destroy) shows it as its own.
 */
void hyplog_now(void);

#endif
