/** What the exception vectors (arch/vectors.S) call in C. */
#include <pv/arch/frame.h>
#include <pv/arch/sysreg.h>
#include <pv/console.h>
#include <pv/event.h>
#include <pv/internal.h>
#include <pv/vm.h>
#include <stddef.h>

_Static_assert(offsetof(struct pv_frame, x) == PV_FRAME_X, "frame layout");
_Static_assert(offsetof(struct pv_frame, elr) == PV_FRAME_ELR, "frame layout");
_Static_assert(offsetof(struct pv_frame, spsr) == PV_FRAME_SPSR, "frame layout");
_Static_assert(offsetof(struct pv_frame, fp) == PV_FRAME_FP, "frame layout");
_Static_assert(offsetof(struct pv_frame, fpsr) == PV_FRAME_FPSR, "frame layout");
_Static_assert(offsetof(struct pv_frame, fpcr) == PV_FRAME_FPCR, "frame layout");
_Static_assert(sizeof(struct pv_frame) == PV_FRAME_SIZE, "frame layout");

void pv_arch_irq(struct pv_frame *frame)
{
	(void)frame;
	pv_event_dispatch();
}

static const char *const types[] = { "synchronous", "IRQ", "FIQ", "SError" };
static const char *const origins[] = { "EL1 on SP_EL0", "EL1", "EL0 (AArch64)", "EL0 (AArch32)" };

/*
 * One report line, then the VM ends with PV_EXIT_EXCEPTION. A fault while reporting (a broken
 * stack, say) skips straight to SHUTDOWN.
 */
_Noreturn void pv_arch_unexpected(unsigned long kind, struct pv_frame *frame)
{
	static int reporting;
	unsigned long esr = pv_read_esr_el1();

	if (reporting++)
		pv_shutdown(PV_EXIT_EXCEPTION);
	pv_console_flush();
	pv_printf("pv: %s exception from %s: ESR_EL1 0x%lx (EC 0x%lx) FAR_EL1 0x%lx ELR_EL1 0x%lx "
		  "SPSR_EL1 0x%lx\n",
		  types[kind & 3], origins[(kind >> 2) & 3], esr,
		  (esr >> PV_ESR_EC_SHIFT) & PV_ESR_EC_MASK, pv_read_far_el1(), frame->elr,
		  frame->spsr);
	pv_shutdown(PV_EXIT_EXCEPTION);
}
