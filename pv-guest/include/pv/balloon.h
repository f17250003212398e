/**
 * The balloon (docs/memory.md, "Guest RAM"): pages this guest gives back to the hypervisor so
 * other VMs can use the memory, and takes back when it may grow again. Inflating takes pages
 * from the heap (pages never touched first: they have no frame to give, but count) and releases
 * them with SKIFF_HVC_MEM_RELEASE; their contents are gone. Deflating returns them to the heap,
 * where they read zeros and get frames again when written. Safe to call from event handlers.
 */
#ifndef PV_BALLOON_H
#define PV_BALLOON_H

/** Pages the balloon holds now. */
unsigned long pv_balloon_pages(void);

/**
 * Inflates or deflates the balloon to `pages` pages and returns its new size, which falls short
 * of `pages` when the heap has no more to give (or the hypervisor refused a release).
 */
unsigned long pv_balloon_set(unsigned long pages);

/** Bytes of heap the guest is not using: what a larger balloon could still take. */
unsigned long pv_balloon_free_bytes(void);

/**
 * The balloon driver: opens the root partition's BALLOON channel when it is offered (now, and
 * on every SKIFF_EV_CHANNEL while it is not open) and follows the targets root sends over it
 * (docs/channels.md, "Balloon"). Start-up calls it; a privileged VM stops looking by itself.
 */
void pv_balloon_chan_auto(void);

#endif
