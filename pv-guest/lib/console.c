/**
 * The console over SKIFF_HVC_CONSOLE_WRITE / _READ, or a sink that replaces them, buffered one
 * line at a time.
 */
#include <pv/console.h>
#include <pv/cpu.h>
#include <pv/hvc.h>
#include <pv/internal.h>
#include <pv/irq.h>
#include <pv/spinlock.h>

static char line[SKIFF_CONSOLE_MAX];
static unsigned long line_len;
static struct pv_console_sink sink;

/*
 * One vCPU at a time uses the line buffer and the sink. Recursive: pv_printf holds it across
 * its pieces, and a sink may print (a channel's protocol error) while it is held.
 */
static struct pv_spinlock lock;
static int owner = -1; /* vCPU holding `lock` */
static unsigned depth;

unsigned long pv_console_lock(void)
{
	unsigned long flags = pv_irq_save();
	int me = (int)pv_vcpu_id();

	if (!pv_this_cpu()) /* start-up, MMU perhaps off (no exclusives): vCPU 0 is alone */
		return flags;
	if (__atomic_load_n(&owner, __ATOMIC_RELAXED) != me) {
		pv_spin_lock(&lock);
		__atomic_store_n(&owner, me, __ATOMIC_RELAXED);
	}
	depth++;
	return flags;
}

void pv_console_unlock(unsigned long flags)
{
	if (pv_this_cpu() && --depth == 0) {
		__atomic_store_n(&owner, -1, __ATOMIC_RELAXED);
		pv_spin_unlock(&lock);
	}
	pv_irq_restore(flags);
}

void pv_console_set_sink(const struct pv_console_sink *s)
{
	unsigned long flags = pv_console_lock();

	sink = s ? *s : (struct pv_console_sink){ 0 };
	pv_console_unlock(flags);
}

/* Hands bytes to the sink, else the hypervisor; gives up on an error or a refusal to take any. */
static void send(const char *s, unsigned long len)
{
	if (!len || (sink.write && sink.write(sink.ctx, s, len)))
		return;
	while (len) {
		unsigned long n = len < SKIFF_CONSOLE_MAX ? len : SKIFF_CONSOLE_MAX;
		long done = pv_call(SKIFF_HVC_CONSOLE_WRITE, (unsigned long)s, n);

		if (done <= 0)
			return;
		s += done;
		len -= (unsigned long)done;
	}
}

void pv_console_flush(void)
{
	unsigned long flags = pv_console_lock();

	send(line, line_len);
	line_len = 0;
	pv_console_unlock(flags);
}

void pv_console_write(const char *s, unsigned long len)
{
	unsigned long flags = pv_console_lock();

	for (unsigned long i = 0; i < len; i++) {
		line[line_len++] = s[i];
		if (s[i] == '\n' || line_len == sizeof(line)) {
			send(line, line_len);
			line_len = 0;
		}
	}
	pv_console_unlock(flags);
}

void pv_console_sync(void)
{
	unsigned long flags = pv_console_lock();

	send(line, line_len);
	line_len = 0;
	if (sink.sync)
		sink.sync(sink.ctx);
	pv_console_unlock(flags);
}

long pv_console_read(char *buf, unsigned long size)
{
	unsigned long flags = pv_console_lock();
	long n = sink.read ? sink.read(sink.ctx, buf, size) :
			     pv_call(SKIFF_HVC_CONSOLE_READ, (unsigned long)buf, size);

	pv_console_unlock(flags);
	return n;
}
