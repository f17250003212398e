/**
 * The host side of make test-pvguest-host: what the portable library parts need from the rest of
 * pv-guest (console, IRQ masking, shutdown), backed by the C library, and a main that gives the
 * allocator a heap and runs every TEST() linked in.
 */
#include <pv/alloc.h>
#include <pv/console.h>
#include <pv/irq.h>
#include <pv/spinlock.h>
#include <pv/test.h>
#include <pv/vm.h>
#include <stdio.h>
#include <stdlib.h>

void pv_console_write(const char *s, unsigned long len)
{
	fwrite(s, 1, len, stdout);
}

void pv_console_flush(void)
{
	fflush(stdout);
}

unsigned long pv_console_lock(void)
{
	return 0;
}

void pv_console_unlock(unsigned long flags)
{
	(void)flags;
}

void pv_cpu_relax(void)
{
}

unsigned long pv_irq_save(void)
{
	return 0;
}

void pv_irq_restore(unsigned long flags)
{
	(void)flags;
}

_Noreturn void pv_shutdown(long code)
{
	fflush(stdout);
	exit((int)code);
}

_Noreturn void pv_panic_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stdout, "pv: panic at %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	pv_shutdown(PV_EXIT_PANIC);
}

int main(void)
{
	static _Alignas(16) char heap[1 << 20];

	pv_heap_init(heap, heap + sizeof(heap));
	return pv_run_tests() ? 1 : 0;
}
