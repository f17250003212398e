/** The console over SKIFF_HVC_CONSOLE_WRITE / _READ, buffered one line at a time. */
#include <pv/console.h>
#include <pv/hvc.h>
#include <pv/irq.h>

static char line[SKIFF_CONSOLE_MAX];
static unsigned long line_len;

/* Hands bytes to the hypervisor; gives up on an error or a refusal to take any. */
static void send(const char *s, unsigned long len)
{
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
	unsigned long flags = pv_irq_save();

	send(line, line_len);
	line_len = 0;
	pv_irq_restore(flags);
}

void pv_console_write(const char *s, unsigned long len)
{
	unsigned long flags = pv_irq_save();

	for (unsigned long i = 0; i < len; i++) {
		line[line_len++] = s[i];
		if (s[i] == '\n' || line_len == sizeof(line)) {
			send(line, line_len);
			line_len = 0;
		}
	}
	pv_irq_restore(flags);
}

long pv_console_read(char *buf, unsigned long size)
{
	return pv_call(SKIFF_HVC_CONSOLE_READ, (unsigned long)buf, size);
}
