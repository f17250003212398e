/**
 * EL2 exception reports. An exception the hypervisor takes from itself is a Skiff bug: print what
 * a person needs to find it (the exception class by name, the fault address and access, every
 * register, a backtrace with symbol names), then stop the machine.
 */
#include <arch/exception.h>
#include <arch/sysreg.h>
#include <skiff/console.h>
#include <skiff/irqchip.h>
#include <skiff/cpu.h>
#include <skiff/ksyms.h>
#include <skiff/panic.h>

/* ESR_ELx.EC values (ARM ARM D13.2.37, table "ESR_ELx.EC"). */
static const char *ec_name(unsigned ec)
{
	switch (ec) {
	/* One line per class: it reads as the table it is. */
	/* clang-format off */
	case 0x00: return "unknown reason";
	case 0x01: return "WFI/WFE";
	case 0x07: return "FP/SIMD access trapped";
	case 0x0e: return "illegal execution state";
	case 0x15: return "SVC (AArch64)";
	case 0x16: return "HVC (AArch64)";
	case 0x17: return "SMC (AArch64)";
	case 0x18: return "MSR/MRS/system instruction";
	case 0x20: return "instruction abort from lower EL";
	case 0x21: return "instruction abort at EL2";
	case 0x22: return "PC alignment fault";
	case 0x24: return "data abort from lower EL";
	case 0x25: return "data abort at EL2";
	case 0x26: return "SP alignment fault";
	case 0x2f: return "SError";
	case 0x3c: return "BRK instruction";
	default: return "unlisted exception class";
	}
	/* clang-format on */
}

static const char *vector_name(unsigned kind)
{
	static const char *const from[] = { "EL2 with SP_EL0", "EL2", "lower EL (AArch64)",
					    "lower EL (AArch32)" };
	static const char *const type[] = { "synchronous", "IRQ", "FIQ", "SError" };
	static char buf[64];

	snprintf(buf, sizeof(buf), "%s exception from %s", type[kind & 3], from[(kind >> 2) & 3]);
	return buf;
}

/* Data/instruction abort ISS (D13.2.37.x): DFSC/IFSC [5:0], WnR [6]. */
static void report_abort(const struct exc_frame *f, unsigned ec)
{
	unsigned fsc = f->esr & 0x3f;
	const char *kind = (fsc & 0x3c) == 0x04 ? "translation fault" :
			   (fsc & 0x3c) == 0x08 ? "access flag fault" :
			   (fsc & 0x3c) == 0x0c ? "permission fault" :
			   fsc == 0x21          ? "alignment fault" :
			   fsc == 0x10          ? "synchronous external abort" :
						  "other fault";
	bool data = ec == 0x24 || ec == 0x25;

	kprintf("  %s %s at address 0x%lx (level %u, FSC 0x%x)\n",
		data ? (f->esr & (1U << 6) ? "write:" : "read:") : "fetch:", kind, f->far, fsc & 3,
		fsc);
}

static void report_symbol(const char *what, uint64_t addr)
{
	uint64_t off;
	const char *name = ksym_lookup(addr, &off);

	if (name)
		kprintf("  %s 0x%016lx  %s+0x%lx\n", what, addr, name, off);
	else
		kprintf("  %s 0x%016lx\n", what, addr);
}

static void report_registers(const struct exc_frame *f)
{
	for (unsigned i = 0; i < 30; i += 3)
		kprintf("  x%-2u %016lx  x%-2u %016lx  x%-2u %016lx\n", i, f->x[i], i + 1,
			f->x[i + 1], i + 2, f->x[i + 2]);
	kprintf("  x30 %016lx  sp  %016lx  spsr %08lx\n", f->x[30], f->sp, f->spsr);
}

/* Walks the AAPCS64 frame-record chain (x29 -> {prev x29, x30}) while it stays on the stack. */
static void report_backtrace(const struct exc_frame *f)
{
	uint64_t fp = f->x[29], lo = f->sp, hi = f->sp + CPU_STACK_SIZE;

	kprintf("backtrace:\n");
	report_symbol("pc", f->elr);
	/* A function that saved a frame record has its return address (x30) in it too: printing
	 * lr as well would show the caller twice. A leaf without a record shows it only here. */
	if (!(fp >= lo && fp + 16 <= hi && !(fp & 15) && ((const uint64_t *)fp)[1] == f->x[30]))
		report_symbol("lr", f->x[30]);
	for (unsigned depth = 0; depth < 32 && fp >= lo && fp + 16 <= hi && !(fp & 15); depth++) {
		const uint64_t *rec = (const uint64_t *)fp;
		if (rec[1])
			report_symbol("  ", rec[1] - 4);
		if (rec[0] <= fp)
			break;
		fp = rec[0];
	}
}

void arch_exception_unexpected(struct exc_frame *f, unsigned kind)
{
	unsigned ec = (f->esr >> ESR_EC_SHIFT) & ESR_EC_MASK;

	console_panic(); /* the report goes straight to the UART */
	kprintf("\n*** Skiff EL2 crash: %s, %s\n", vector_name(kind), ec_name(ec));
	kprintf("  ESR_EL2 0x%08lx (EC 0x%02x, IL %u, ISS 0x%07lx)  FAR_EL2 0x%lx\n", f->esr, ec,
		(unsigned)((f->esr >> 25) & 1), f->esr & ESR_ISS_MASK, f->far);
	if (ec == 0x20 || ec == 0x21 || ec == 0x24 || ec == 0x25)
		report_abort(f, ec);
	report_registers(f);
	report_backtrace(f);
	panic("unexpected exception at EL2 (see report above)");
}

void arch_exception_irq(struct exc_frame *f)
{
	(void)f;
	irq_handle();
}
