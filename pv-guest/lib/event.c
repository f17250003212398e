/**
 * Events (pv/event.h). Each vCPU has its own pending and mask bits in the hypervisor; its
 * record's `ev_enabled` mirrors its mask (bit set = unmasked): the upcall acknowledges only
 * unmasked ports, so a masked port stays pending until it is unmasked. Handlers are shared.
 */
#include <pv/event.h>
#include <pv/hvc.h>
#include <pv/internal.h>
#include <pv/irq.h>

static pv_event_fn handlers[SKIFF_EV_PORTS];

static unsigned long set_mask(unsigned long mask, unsigned long unmask)
{
	unsigned long flags = pv_irq_save();
	unsigned long m = (unsigned long)pv_call(SKIFF_HVC_EVENT_MASK, mask, unmask);

	pv_this_cpu()->ev_enabled = ~m;
	pv_irq_restore(flags);
	return m;
}

void pv_event_init(void)
{
	set_mask(~0UL, 0);
}

void pv_event_cpu_init(void)
{
	unsigned long mine = 0;

	for (unsigned int p = 0; p < SKIFF_EV_PORTS; p++)
		if ((SKIFF_EV_PER_VCPU >> p & 1) && handlers[p])
			mine |= 1UL << p;
	set_mask(~0UL, mine);
}

unsigned long pv_event_mask(unsigned long ports)
{
	return set_mask(ports, 0);
}

unsigned long pv_event_unmask(unsigned long ports)
{
	return set_mask(0, ports);
}

long pv_event_handler(unsigned int port, pv_event_fn fn)
{
	if (port >= SKIFF_EV_PORTS)
		return SKIFF_E_INVAL;
	handlers[port] = fn;
	if (fn)
		pv_event_unmask(1UL << port);
	else
		pv_event_mask(1UL << port);
	return 0;
}

static void call_handlers(unsigned long pending)
{
	for (unsigned long p = pending; p; p &= p - 1) {
		unsigned int port = (unsigned int)__builtin_ctzl(p);

		if (handlers[port])
			handlers[port](port);
	}
}

/* Acknowledges `ports` and calls the handlers of those that were pending. */
static unsigned long ack_and_call(unsigned long ports)
{
	/* x0 of EVENT_ACK is a port set, never an error, when every port named is valid. */
	unsigned long pending = (unsigned long)pv_call(SKIFF_HVC_EVENT_ACK, ports, 0);

	call_handlers(pending);
	return pending;
}

void pv_event_dispatch(void)
{
	ack_and_call(pv_this_cpu()->ev_enabled);
	pv_this_cpu()->upcalls++;
}

unsigned long pv_event_poll(unsigned long ports)
{
	unsigned long flags = pv_irq_save();
	unsigned long done = ports & pv_this_cpu()->ev_enabled ?
				     ack_and_call(ports & pv_this_cpu()->ev_enabled) :
				     0;

	pv_irq_restore(flags);
	return done;
}

/*
 * x0 is the acknowledged subset of `ports` or, when the send failed, a SKIFF_E_* code: a small
 * negative number, which a port set reads as only if it holds port 63 and nearly all others.
 */
long pv_event_send_wait(unsigned int vm, unsigned int port, unsigned long ports)
{
	unsigned long flags = pv_irq_save();
	long got =
		pv_hvc(SKIFF_HVC_EVENT_SEND_WAIT, vm, port, ports & pv_this_cpu()->ev_enabled).x0;

	if (got > 0 || got < -(long)SKIFF_EV_PORTS)
		call_handlers((unsigned long)got);
	pv_irq_restore(flags);
	return got;
}

unsigned long pv_event_count(void)
{
	return pv_this_cpu()->upcalls;
}

/*
 * PSTATE.I is masked between the check and the BLOCK, so an event arriving in between stays
 * pending in the hypervisor and BLOCK returns at once; unmasking then takes the upcall.
 */
void pv_wait_event(void)
{
	pv_wait_event_since(pv_this_cpu()->upcalls);
}

void pv_wait_event_since(unsigned long seen)
{
	unsigned long flags = pv_irq_save();

	while (pv_this_cpu()->upcalls == seen) {
		pv_call(SKIFF_HVC_BLOCK, 0, 0);
		pv_irq_enable();
		pv_irq_disable();
	}
	pv_irq_restore(flags);
}

long pv_event_send(unsigned int vm, unsigned int port)
{
	return pv_call(SKIFF_HVC_EVENT_SEND, vm, port);
}

long pv_event_bind(unsigned int port, unsigned int vm)
{
	return pv_call(SKIFF_HVC_EVENT_BIND, port, vm);
}
