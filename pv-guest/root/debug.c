/**
 * debug crash|exit|stats: the root partition ends itself on purpose, to show (and test) that the
 * hypervisor restarts it while the other VMs run on. `crash` reads the GIC distributor's IPA,
 * which is not root's RAM: a stage-2 data abort, and the hypervisor parks root. `exit` shuts
 * root down with code 7.
 */
#include <pv/pv.h>

#include "services.h"
#include "term.h"
#include "verbs.h"

#define NOT_MY_RAM 0x08000000UL

int verb_debug(const struct cmd *c)
{
	if (!strcmp(c->argv[0], "stats")) {
		const struct services_stats *st = services_stats();

		term_printf("services: %lu polls, %lu channel passes (%lu empty), %lu packets\n",
			    st->polls, st->passes, st->empty_passes, st->packets);
		return VERB_OK;
	}
	if (!strcmp(c->argv[0], "exit")) {
		term_puts("debug: root partition exiting with code 7\n");
		term_flush();
		pv_shutdown(7);
	}
	if (strcmp(c->argv[0], "crash"))
		return verb_fail(c, "usage: debug crash|exit|stats");
	term_printf("debug: root partition reading IPA 0x%lx, outside its RAM\n", NOT_MY_RAM);
	term_flush();
	pv_mmu_map(NOT_MY_RAM, PV_MEM_DEVICE);
	return (int)*(volatile unsigned int *)NOT_MY_RAM; /* not reached: parked */
}
