/**
 * A child's side of the root partition's management services (docs/channels.md, "Services"):
 * HEARTBEAT, whose REQUEST is answered at once with a RESPONSE of the same txid, and SHUTDOWN,
 * whose REQUEST is acknowledged the same way before the VM shuts down with exit code 0. Both
 * answer from the channel's doorbell handler (IRQ context), so a guest busy in a loop with IRQs
 * unmasked still answers.
 *
 * Children are not told when offers appear, so a guest calls pv_mgmt_poll() from its main loop:
 * it opens the channels once root offers them, and again after they close (a restarted root
 * offers anew), looking at most every PV_MGMT_RETRY_US.
 */
#ifndef PV_MGMT_H
#define PV_MGMT_H

#include <stdbool.h>

/** How often pv_mgmt_poll() looks for offers while a channel is missing. */
#define PV_MGMT_RETRY_US 500000UL

/** Opens the HEARTBEAT and SHUTDOWN channels if root offers them and they are not open. */
void pv_mgmt_poll(void);

/** True while both channels are open. */
bool pv_mgmt_ready(void);

#endif
