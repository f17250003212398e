/**
 * The console over a SKIFF_CLASS_CONSOLE channel to the root partition (docs/channels.md,
 * "Services"): each console line is one SKIFF_PKT_DATA packet, which root prints as "[name] line";
 * root's DATA packets are console input (pv_console_read). Until the channel is open, and
 * whenever it is closed or full for too long, lines go to SKIFF_HVC_CONSOLE_WRITE as before, so a
 * guest without a root partition behaves exactly as it always did.
 *
 * Start-up calls pv_console_chan_auto(). The root partition, which offers the service rather than
 * using it, turns this off with pv_console_chan_off() (it also stops by itself when CHAN_OPEN
 * says SKIFF_E_DENIED, as it does for a privileged VM).
 */
#ifndef PV_CONSOLE_CHAN_H
#define PV_CONSOLE_CHAN_H

struct pv_chan;

/** Ring pages of the console channel: 3 data pages each way. */
#define PV_CONSOLE_CHAN_PAGES 8U

/** A line waits this long for room in the ring before it goes to CONSOLE_WRITE instead. */
#define PV_CONSOLE_CHAN_SEND_US 100000UL

/** At the end (pv_console_sync), root gets this long to read what is still in the ring. */
#define PV_CONSOLE_CHAN_SYNC_US 500000UL

/** Without a channel, a console line looks for a console offer at most this often. */
#define PV_CONSOLE_CHAN_RETRY_US 1000000UL

/**
 * Opens the console channel now if root offers one and routes the console through it; keeps
 * looking (at most every PV_CONSOLE_CHAN_RETRY_US, when a line is written) while there is none,
 * and again after it closes (a restarted root offers anew).
 */
void pv_console_chan_auto(void);

/** Opens the console channel now: 0, or why not (SKIFF_E_NOENT: no console offer). */
long pv_console_chan_open(void);

/** Waits for root to read what is queued, closes the channel and stops looking for one. */
void pv_console_chan_off(void);

/** The console channel while it is open, else NULL. */
struct pv_chan *pv_console_chan(void);

#endif
