/**
 * Hypervisor console. One lock serialises whole messages (SMP-safe, never mid-line interleaving);
 * every hypervisor message is also kept in a log ring for the management console's `log` verb.
 *
 * While a root partition holds the terminal (console_hold), the hypervisor does not print on it:
 * its messages and the other VMs' lines it would have printed are appended to the held ring,
 * the holder is told (its notify function, called outside the lock) and prints them itself at a
 * line boundary (console_held_read, LOG_NEXT). The holder acknowledges what it printed by asking
 * for what follows; when it lets go or dies (console_release) the hypervisor prints whatever was
 * not acknowledged, so nothing is lost with a dying root. A panic prints it all and never holds
 * again (console_panic).
 */
#include <stdarg.h>
#include <skiff/arch.h>
#include <skiff/console.h>
#include <skiff/uart.h>

#define LOG_RING_SIZE 16384  /* power of two */
#define HELD_RING_SIZE 16384 /* power of two */
#define MSG_MAX 512

/* A byte ring whose positions are sequence numbers: bytes ever written, never wrapping. */
struct seq_ring {
	char buf[LOG_RING_SIZE];
	uint64_t head;
};

_Static_assert(LOG_RING_SIZE == HELD_RING_SIZE, "both rings are struct seq_ring");

static struct {
	struct spinlock lock; /* protects everything below */
	const struct uart *uart;
	struct seq_ring log;  /* hypervisor messages */
	struct seq_ring held; /* output held for the holder */
	uint64_t acked;       /* held bytes before this were printed (by the holder or by us) */
	void *holder;         /* NULL: output goes to the UART */
	void (*notify)(void *holder);
	bool panicked; /* never hold again */
} con;

static uint64_t lock(void)
{
	return spin_lock_irqsave(&con.lock);
}

static void unlock(uint64_t flags)
{
	spin_unlock_irqrestore(&con.lock, flags);
}

void console_attach(const struct uart *u)
{
	uint64_t flags = lock();

	con.uart = u;
	unlock(flags);
}

static void ring_put(struct seq_ring *r, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		r->buf[r->head++ & (LOG_RING_SIZE - 1)] = s[i];
}

/* The oldest sequence number still in @r. */
static uint64_t ring_oldest(const struct seq_ring *r)
{
	return r->head > LOG_RING_SIZE ? r->head - LOG_RING_SIZE : 0;
}

static void uart_put_locked(const char *s, size_t len)
{
	for (size_t i = 0; i < len && con.uart; i++) {
		if (s[i] == '\n')
			con.uart->drv->putc(con.uart->base, '\r');
		con.uart->drv->putc(con.uart->base, s[i]);
	}
}

/* Prints the held bytes nobody printed yet; they count as acknowledged from then on. */
static void flush_held_locked(void)
{
	uint64_t from = MAX(con.acked, ring_oldest(&con.held));

	if (from > con.acked) { /* the oldest line left is cut: start after it */
		static const char lost[] = "[hypervisor messages were lost here]\n";
		uart_put_locked(lost, sizeof(lost) - 1);
		while (from < con.held.head && con.held.buf[from++ & (LOG_RING_SIZE - 1)] != '\n')
			;
	}
	for (uint64_t i = from; i < con.held.head; i++)
		uart_put_locked(&con.held.buf[i & (LOG_RING_SIZE - 1)], 1);
	con.acked = con.held.head;
}

/* Output for the terminal, held or printed; @log: a hypervisor message for the log ring too. */
static void emit(const char *s, size_t len, bool log)
{
	uint64_t flags = lock();
	void *holder = con.panicked ? NULL : con.holder;

	if (log)
		ring_put(&con.log, s, len);
	if (holder)
		ring_put(&con.held, s, len);
	else
		uart_put_locked(s, len);
	unlock(flags);
	if (holder && con.notify)
		con.notify(holder);
}

void console_write(const char *s, size_t len)
{
	emit(s, len, true);
}

void console_output(const char *s, size_t len)
{
	emit(s, len, false);
}

void console_terminal(const char *s, size_t len)
{
	uint64_t flags = lock();

	uart_put_locked(s, len);
	unlock(flags);
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
	uint64_t flags = lock();
	size_t n = MIN(size, con.log.head - ring_oldest(&con.log));

	for (size_t i = 0; i < n; i++)
		buf[i] = con.log.buf[(con.log.head - n + i) & (LOG_RING_SIZE - 1)];
	unlock(flags);
	return n;
}

uint64_t console_hold(void *holder, void (*notify)(void *holder))
{
	uint64_t flags = lock(), seq;

	if (con.holder && con.holder != holder)
		flush_held_locked(); /* another holder left without letting go */
	if (!con.panicked) {
		con.holder = holder;
		con.notify = notify;
	}
	seq = con.acked;
	unlock(flags);
	return seq;
}

void console_release(void *holder)
{
	uint64_t flags = lock();

	if (holder && con.holder == holder) {
		flush_held_locked();
		con.holder = NULL;
		con.notify = NULL;
	}
	unlock(flags);
}

void console_panic(void)
{
	uint64_t flags = lock();

	con.panicked = true;
	if (con.holder)
		flush_held_locked();
	con.holder = NULL;
	unlock(flags);
}

int64_t console_held_read(void *holder, uint64_t seq, char *buf, size_t size, uint64_t *first,
			  uint64_t *end)
{
	uint64_t flags = lock(), from;
	int64_t n = -1;

	if (holder && con.holder == holder && seq >= con.acked && seq <= con.held.head) {
		con.acked = seq;
		from = MAX(seq, ring_oldest(&con.held));
		n = (int64_t)MIN(size, con.held.head - from);
		for (int64_t i = 0; i < n; i++)
			buf[i] = con.held.buf[(from + (uint64_t)i) & (LOG_RING_SIZE - 1)];
		*first = from;
		*end = con.held.head;
	}
	unlock(flags);
	return n;
}
