/**
 * The hypervisor's held output printed as notices (hyplog.h). Each LOG_NEXT acknowledges what the
 * calls before it returned, so the text is flushed to the terminal before the next call: if the
 * root dies in between, the hypervisor prints what was not acknowledged (a line twice, at worst,
 * never none).
 */
#include <pv/string.h>

#include "hv.h"
#include "hyplog.h"
#include "term.h"

#define CHUNK 1024 /* longer than any hypervisor line (512) and guest line (256 + name) */

static struct {
	bool taken;
	bool pending;      /* SKIFF_EV_LOG came (or a read was cut short): look */
	unsigned long seq; /* the next held byte to print */
	char buf[CHUNK];
} hl;

void hyplog_start(void)
{
	unsigned long seq;
	long rc = hv_log_take(&seq);

	if (rc) {
		term_notice("root: the hypervisor prints its messages itself (LOG_TAKE: %s)",
			    hv_strerror(rc));
		return;
	}
	hl = (typeof(hl)){ .taken = true, .pending = true, .seq = seq };
}

void hyplog_kick(void)
{
	hl.pending = true;
}

void hyplog_now(void)
{
	hyplog_kick();
	hyplog_poll();
}

/* One line (without its '\n') as a notice, control bytes shown as '?'. */
static void notice(char *s, unsigned long len)
{
	for (unsigned long i = 0; i < len; i++)
		s[i] = term_printable(s[i]);
	term_notice("%.*s", (int)len, s);
}

/* Prints the whole lines of buf[0, n) (all of it if it is one line longer than the buffer). */
static unsigned long print_lines(unsigned long n)
{
	unsigned long start = 0;

	for (unsigned long i = 0; i < n; i++) {
		if (hl.buf[i] != '\n')
			continue;
		notice(hl.buf + start, i - start);
		start = i + 1;
	}
	if (start == 0 && n == sizeof(hl.buf)) {
		notice(hl.buf, n);
		start = n;
	}
	return start;
}

/* What was lost (the hypervisor keeps the newest 16 KiB): said, and the cut line skipped. */
static unsigned long lost(unsigned long bytes, unsigned long n)
{
	unsigned long skip = 0;

	term_notice("root: %lu bytes of the hypervisor's messages were lost", bytes);
	while (skip < n && hl.buf[skip++] != '\n')
		;
	memmove(hl.buf, hl.buf + skip, n - skip);
	return skip;
}

/*
 * Each LOG_NEXT acknowledges everything before hl.seq and returns what follows: the loop ends on
 * an answer with nothing new (all printed and acknowledged) or with only the start of a line
 * (its end comes with another SKIFF_EV_LOG).
 */
void hyplog_poll(void)
{
	if (!hl.taken || !hl.pending || term_mode() == TERM_HOLD)
		return;
	hl.pending = false;
	for (;;) {
		unsigned long first, end, skipped = 0, used;
		long n = hv_log_next(hl.seq, hl.buf, sizeof(hl.buf), &first, &end);

		if (n < 0)
			term_notice("root: cannot read the hypervisor's messages: %s",
				    hv_strerror(n));
		if (n <= 0)
			return;
		if (first > hl.seq)
			skipped = lost(first - hl.seq, (unsigned long)n);
		used = print_lines((unsigned long)n - skipped);
		term_flush(); /* on the terminal before the next call acknowledges it */
		hl.seq = first + skipped + used;
		if (!skipped && !used)
			return;
	}
}
