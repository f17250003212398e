/**
 * Hypervisor console. One lock serialises whole messages (SMP-safe, never mid-line interleaving);
 * every message is also kept in a log ring for the management console's `log` verb.
 */
#include <stdarg.h>
#include <skiff/arch.h>
#include <skiff/console.h>
#include <skiff/uart.h>

#define LOG_RING_SIZE 16384 /* power of two */
#define MSG_MAX 512

static struct {
	struct spinlock lock; /* protects everything below */
	const struct uart *uart;
	char ring[LOG_RING_SIZE];
	uint64_t ring_head; /* bytes ever written */
} con;

void console_attach(const struct uart *u)
{
	uint64_t flags = arch_irq_save();

	arch_spin_lock(&con.lock);
	con.uart = u;
	arch_spin_unlock(&con.lock);
	arch_irq_restore(flags);
}

static void emit_locked(const char *s, size_t len, bool log)
{
	for (size_t i = 0; i < len; i++) {
		if (log)
			con.ring[con.ring_head++ & (LOG_RING_SIZE - 1)] = s[i];
		if (!con.uart)
			continue;
		if (s[i] == '\n')
			con.uart->drv->putc(con.uart->base, '\r');
		con.uart->drv->putc(con.uart->base, s[i]);
	}
}

static void emit(const char *s, size_t len, bool log)
{
	uint64_t flags = arch_irq_save();

	arch_spin_lock(&con.lock);
	emit_locked(s, len, log);
	arch_spin_unlock(&con.lock);
	arch_irq_restore(flags);
}

void console_write(const char *s, size_t len)
{
	emit(s, len, true);
}

void console_output(const char *s, size_t len)
{
	emit(s, len, false);
}

void kvprintf(const char *fmt, va_list ap)
{
	char msg[MSG_MAX];
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);

	console_write(msg, n < (int)sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}

int console_getc(void)
{
	const struct uart *u = con.uart;

	return u ? u->drv->getc(u->base) : -1;
}

void console_rx_irq(bool enable)
{
	const struct uart *u = con.uart;

	if (u && u->drv->rx_irq)
		u->drv->rx_irq(u->base, enable);
}

size_t console_log_read(char *buf, size_t size)
{
	uint64_t flags = arch_irq_save();
	size_t n;

	arch_spin_lock(&con.lock);
	n = MIN(size, MIN(con.ring_head, (uint64_t)LOG_RING_SIZE));
	for (size_t i = 0; i < n; i++)
		buf[i] = con.ring[(con.ring_head - n + i) & (LOG_RING_SIZE - 1)];
	arch_spin_unlock(&con.lock);
	arch_irq_restore(flags);
	return n;
}
