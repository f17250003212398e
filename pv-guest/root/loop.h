/** The root partition's main loop: one vCPU, woken by events, doing all work outside IRQs. */
#ifndef ROOT_LOOP_H
#define ROOT_LOOP_H

/** Makes an event on `port` wake the main loop (its handler only records it). */
void loop_watch(unsigned int port);

/** Stops watching `port` (masks it). */
void loop_unwatch(unsigned int port);

/** Wakes the main loop (from an event handler: a channel's doorbell, say). */
void loop_kick(void);

#endif
