/**
 * Events: 64 ports per VM (SKIFF_EV_*). The hypervisor asserts the guest's virtual IRQ while an
 * unmasked port is pending; the IRQ vector acknowledges the unmasked ports (SKIFF_HVC_EVENT_ACK)
 * and calls each pending port's handler, with IRQs masked. Every port starts masked; registering
 * a handler unmasks its port.
 */
#ifndef PV_EVENT_H
#define PV_EVENT_H

/** Called in IRQ context for each pending port it is registered for. */
typedef void (*pv_event_fn)(unsigned int port);

/** Registers `fn` for `port` and unmasks it (fn NULL: masks it). 0 or SKIFF_E_INVAL. */
long pv_event_handler(unsigned int port, pv_event_fn fn);

/** Masks / unmasks the ports in `ports` (bit n = port n); returns the new mask. */
unsigned long pv_event_mask(unsigned long ports);
unsigned long pv_event_unmask(unsigned long ports);

/**
 * Acknowledges those of `ports` that are pending and unmasked and calls their handlers, here and
 * now: for a caller that keeps IRQs masked but must still see its own doorbell. Other ports stay
 * pending for the upcall. Returns the ports handled.
 */
unsigned long pv_event_poll(unsigned long ports);

/**
 * SKIFF_HVC_EVENT_SEND_WAIT: raises `port` in VM `vm` (vm = SKIFF_VM_NONE: no send), then sleeps
 * until one of `ports` or any other unmasked port is pending; those of `ports` that were are
 * acknowledged and their handlers run here. Returns them (0: woken by another port, whose upcall
 * runs once IRQs are unmasked) or the send's SKIFF_E_* code (then it did not wait).
 */
long pv_event_send_wait(unsigned int vm, unsigned int port, unsigned long ports);

/** Blocks until at least one event has been handled after this call began. */
void pv_wait_event(void);

/**
 * Blocks until pv_event_count() differs from `seen`, read before the caller last looked for
 * work: an event handled in between is not missed.
 */
void pv_wait_event_since(unsigned long seen);

/** Number of event upcalls handled so far. */
unsigned long pv_event_count(void);

/** Raises `port` in VM `vm` (which must have bound it to us): 0 or a SKIFF_E_* code. */
long pv_event_send(unsigned int vm, unsigned int port);

/** Lets VM `vm` send to our `port` (SKIFF_VM_NONE unbinds): 0 or a SKIFF_E_* code. */
long pv_event_bind(unsigned int port, unsigned int vm);

/** Start-up: masks every port. */
void pv_event_init(void);

/** The IRQ vector's work: acknowledge and dispatch pending ports. */
void pv_event_dispatch(void);

#endif
