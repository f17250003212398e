/**
 * The services the root partition offers its children over channels (docs/channels.md):
 * CONSOLE (their console lines, multiplexed as "[name] text"; raw while attached), HEARTBEAT (a
 * ping a second), SHUTDOWN (graceful shutdown requests), BALLOON (memory targets, balloon.h)
 * and ECHO (every packet back, for tests and benchmarks). A child that breaks its ring protocol has
 * the channel closed with a message.
 */
#ifndef ROOT_SERVICES_H
#define ROOT_SERVICES_H

#include <stdbool.h>

/** Offers every service (again, after a root restart). */
void services_start(void);

/**
 * Attaches new channels, drops closed ones, moves packets, sends heartbeats when due. Returns the
 * next time it needs to run (hv_now_us() time).
 */
unsigned long services_poll(unsigned long now_us);

/** True when VM `vm` has a channel of service `class_id` (SKIFF_CLASS_*) open to the root. */
bool services_has(unsigned int vm, unsigned int class_id);

/** Asks VM `vm` to shut down over its SHUTDOWN channel: 0 or a SKIFF_E_* code. */
long services_request_shutdown(unsigned int vm);

/**
 * Sends VM `vm` a balloon target in bytes (0: a status request) over its BALLOON channel: the
 * txid its STATUS will carry, or a SKIFF_E_* code (SKIFF_E_NOENT: no balloon channel).
 */
long services_balloon_send(unsigned int vm, unsigned long long target_bytes);

/** Sends keystrokes to VM `vm`'s console channel: 0 or a SKIFF_E_* code. */
long services_console_send(unsigned int vm, const char *s, unsigned long len);

/** Names the services VM `vm` has open ("console heartbeat"), or "none". */
void services_describe(unsigned int vm, char *buf, unsigned long size);

/** Counters since the root started (`debug stats`). */
struct services_stats {
	unsigned long polls;        /* services_poll calls */
	unsigned long passes;       /* channel passes */
	unsigned long packets;      /* packets handled */
	unsigned long yields;       /* yields to let children batch */
	unsigned long empty_passes; /* passes that found nothing */
};
const struct services_stats *services_stats(void);

#endif
