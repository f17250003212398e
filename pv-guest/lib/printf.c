/**
 * pv_printf and friends: format in chunks into pv_console_write(), holding the console (IRQs
 * masked, other vCPUs kept out) for the whole call so no other output lands in the middle of it.
 */
#include <pv/console.h>
#include <pv/fmt.h>
#include <pv/irq.h>
#include <pv/string.h>

struct chunk {
	char buf[64];
	unsigned long len;
};

static void chunk_put(void *ctx, char c)
{
	struct chunk *ch = ctx;

	ch->buf[ch->len++] = c;
	if (ch->len == sizeof(ch->buf)) {
		pv_console_write(ch->buf, ch->len);
		ch->len = 0;
	}
}

int pv_vprintf(const char *fmt, va_list ap)
{
	unsigned long flags = pv_console_lock();
	struct chunk ch = { .len = 0 };
	int n = pv_vformat(chunk_put, &ch, fmt, ap);

	pv_console_write(ch.buf, ch.len);
	pv_console_unlock(flags);
	return n;
}

int pv_printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = pv_vprintf(fmt, ap);
	va_end(ap);
	return n;
}

void pv_puts(const char *s)
{
	unsigned long flags = pv_console_lock();

	pv_console_write(s, strlen(s));
	pv_console_write("\n", 1);
	pv_console_unlock(flags);
}
