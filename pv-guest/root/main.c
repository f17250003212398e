/**
 * The root partition (docs/root.md): the management shell on the operator's terminal and the
 * channel services for the other VMs. Started by the hypervisor from the VM config node marked
 * `privileged;`, and restarted by it after a fault or an exit: everything here is rebuilt from
 * what the hypervisor reports (VM_LIST, CHAN_INFO), so a restart loses only the shell's history.
 *
 * Work happens in the loop below, never in event handlers: a handler just records its port.
 */
#include <pv/pv.h>

#include "balloon.h"
#include "hv.h"
#include "hyplog.h"
#include "loop.h"
#include "services.h"
#include "shell.h"
#include "term.h"
#include "vms.h"

#define IDLE_US 1000000UL

static volatile unsigned long work; /* ports that fired since the loop last looked */

#define KICK (1UL << 63) /* loop_kick(): not a port of ours (doorbells have their own handlers) */

static void on_event(unsigned int port)
{
	work |= 1UL << port;
}

void loop_watch(unsigned int port)
{
	pv_event_handler(port, on_event);
}

void loop_unwatch(unsigned int port)
{
	pv_event_handler(port, 0);
}

void loop_kick(void)
{
	work |= KICK;
}

/* Sleeps until an event or `deadline_us`; returns (and clears) the ports that fired. */
static unsigned long wait_work(unsigned long deadline_us)
{
	unsigned long deadline = pv_us_to_ticks(deadline_us);
	unsigned long flags = pv_irq_save(), w;

	while (!work && pv_now() < deadline) {
		pv_call(SKIFF_HVC_BLOCK, deadline, 0);
		pv_irq_enable(); /* a pending event's upcall runs here */
		pv_irq_disable();
	}
	w = work;
	work = 0;
	pv_irq_restore(flags);
	return w;
}

static void read_input(void)
{
	char buf[64];
	long n;

	while ((n = hv_console_read(buf, sizeof(buf))) > 0)
		shell_input(buf, (unsigned long)n);
}

static unsigned long earliest(unsigned long a, unsigned long b)
{
	return !a ? b : !b ? a : a < b ? a : b;
}

static void banner(void)
{
	long n = vms_refresh();

	term_printf("\nSkiff root partition: vm %u '%s'. ", hv_self_id(), pv_vm_name());
	if (n < 0)
		term_printf("The hypervisor cannot list VMs: %s.\n", hv_strerror(n));
	else
		term_printf("%ld VM%s running or known. Type help.\n", n, n == 1 ? "" : "s");
}

int main(void)
{
	loop_watch(SKIFF_EV_CONSOLE);
	loop_watch(SKIFF_EV_VMSTATE); /* SKIFF_EV_CHANNEL belongs to pv-guest's channel code */
	loop_watch(SKIFF_EV_LOG);
	loop_watch(SKIFF_EV_MEMORY); /* free host memory ran low: the balloon policy acts */
	hyplog_start();              /* the hypervisor's messages come to us from now on */
	banner();
	services_start();
	shell_start("list");
	for (;;) {
		unsigned long now = hv_now_us(), w;
		unsigned long next = earliest(services_poll(now), shell_tick(now));

		next = earliest(next, balloon_poll(now));
		next = earliest(next, now + IDLE_US);
		hyplog_poll(); /* at a line boundary: the prompt is drawn again after it */
		term_flush();
		w = wait_work(next);
		if (w & (1UL << SKIFF_EV_LOG))
			hyplog_kick();
		read_input();
		if (w & (1UL << SKIFF_EV_VMSTATE))
			vms_refresh();
		if (w & (1UL << SKIFF_EV_MEMORY))
			balloon_memory_event();
	}
}
