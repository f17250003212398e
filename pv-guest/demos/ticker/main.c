/**
 * ticker: prints a tick count every `period-ms` (default 500) using its own virtual timer. The
 * SKIFF_EV_VTIMER handler re-arms CNTV_CVAL_EL0 one period after the previous deadline (so ticks
 * do not drift) and clears the CNTV_CTL_EL0.IMASK the hypervisor set; main() waits for events and
 * prints. Stops after `count` ticks when the args set it (default: never).
 */
#include <pv/mgmt.h>
#include <pv/pv.h>

static unsigned long period, deadline;
static volatile unsigned long ticks;

static void on_vtimer(unsigned int port)
{
	(void)port;
	ticks++;
	deadline += period;
	pv_vtimer_set(deadline);
}

int main(void)
{
	unsigned long count = pv_arg_ulong("count", 0), printed = 0;

	period = pv_us_to_ticks(pv_arg_ulong("period-ms", 500) * 1000);
	deadline = pv_now() + period;
	pv_printf("ticker '%s': a tick every %lu ms\n", pv_vm_name(),
		  pv_ticks_to_us(period) / 1000);
	pv_event_handler(SKIFF_EV_VTIMER, on_vtimer);
	pv_vtimer_set(deadline);
	while (!count || printed < count) {
		pv_wait_event();
		pv_mgmt_poll(); /* heartbeat and shutdown channels, once root offers them */
		while (printed < ticks)
			pv_printf("ticker: tick %lu\n", ++printed);
	}
	pv_vtimer_stop();
	return 0;
}
