/**
 * pv_main: what runs between start-up (arch/start.S, MMU and caches on) and the guest's main().
 * The order matters: this vCPU's record first (TPIDR_EL1, which the console and events read),
 * the start information (everything else reads it), then the heap, then
 * events (all ports masked), then the console and balloon channels if root offers them (they need
 * all three), before IRQs are unmasked.
 */
#include <pv/alloc.h>
#include <pv/arch/cpu.h>
#include <pv/balloon.h>
#include <pv/console_chan.h>
#include <pv/event.h>
#include <pv/internal.h>
#include <pv/irq.h>
#include <pv/pv.h>

/* End of the image (bss and page tables included), page-aligned, from pv-guest.ld. */
extern char __pv_end[];

static void heap_init(const struct skiff_start_info *si)
{
	unsigned long stack_top = (unsigned long)si & ~(PV_ARCH_PAGE_SIZE - 1);
	unsigned long start = (unsigned long)__pv_end;
	unsigned long end = stack_top - PV_STACK_SIZE;

	pv_heap_init((void *)start, (void *)(end > start ? end : start));
}

_Noreturn void pv_main(const struct skiff_start_info *si)
{
	pv_cpu_init_boot();
	pv_vm_init(si);
	heap_init(si);
	pv_event_init();
	pv_cpu_init_events();
	pv_console_chan_auto();
	pv_balloon_chan_auto();
	pv_irq_enable();
	pv_shutdown(main());
}
