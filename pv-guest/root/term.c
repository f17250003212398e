/**
 * The terminal (term.h): one output buffer in front of the raw console, and the rule that keeps
 * notices and the prompt line apart. The hypervisor's UART driver sends '\n' as "\r\n", so
 * bytes go out unchanged.
 */
#include <pv/fmt.h>
#include <pv/string.h>

#include "hv.h"
#include "term.h"

#define ERASE_LINE "\r\x1b[K" /* carriage return, erase to end of line (ECMA-48 EL 0) */

static struct {
	char buf[1024];
	unsigned long len;
	char last; /* the last byte buffered (term_mid_line()) */
	enum term_mode mode;
	void (*redraw)(void);
	unsigned long held;
} term = { .last = '\n' };

/*
 * The next piece to send from buf[off, len): at most SKIFF_CONSOLE_MAX bytes, ending after a
 * newline when there is one, so that if the hypervisor prints between two calls (it does when
 * the root could not take its output, hyplog.h) its lines fall between the root's lines.
 */
static unsigned long piece(unsigned long off)
{
	unsigned long n = term.len - off < SKIFF_CONSOLE_MAX ? term.len - off : SKIFF_CONSOLE_MAX;

	for (unsigned long i = n; i > 0; i--)
		if (term.buf[off + i - 1] == '\n')
			return i;
	return n;
}

void term_flush(void)
{
	unsigned long off = 0;

	if (!term.len)
		return;
	while (off < term.len) {
		long done = hv_console_write(term.buf + off, piece(off));

		if (done <= 0)
			break; /* nothing more can be done about a console that refuses bytes */
		off += (unsigned long)done;
	}
	term.len = 0;
}

static void put(char c)
{
	if (term.len == sizeof(term.buf))
		term_flush();
	term.buf[term.len++] = c;
}

void term_write(const char *s, unsigned long len)
{
	for (unsigned long i = 0; i < len; i++)
		put(s[i]);
	if (len)
		term.last = s[len - 1];
}

void term_puts(const char *s)
{
	term_write(s, strlen(s));
}

static void sink(void *ctx, char c)
{
	(void)ctx;
	term_write(&c, 1);
}

int term_vprintf(const char *fmt, va_list ap)
{
	return pv_vformat(sink, 0, fmt, ap);
}

int term_printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = term_vprintf(fmt, ap);
	va_end(ap);
	return n;
}

void term_set_mode(enum term_mode mode, void (*redraw)(void))
{
	term.mode = mode;
	term.redraw = redraw;
}

enum term_mode term_mode(void)
{
	return term.mode;
}

bool term_mid_line(void)
{
	return term.last != '\n';
}

bool term_notice(const char *fmt, ...)
{
	va_list ap;

	if (term.mode == TERM_HOLD) {
		term.held++;
		return false;
	}
	if (term.mode == TERM_PROMPT)
		term_puts(ERASE_LINE);
	else if (term_mid_line())
		term_puts("\n");
	va_start(ap, fmt);
	term_vprintf(fmt, ap);
	va_end(ap);
	term_puts("\n");
	if (term.mode == TERM_PROMPT && term.redraw)
		term.redraw();
	return true;
}

unsigned long term_take_held(void)
{
	unsigned long n = term.held;

	term.held = 0;
	return n;
}
