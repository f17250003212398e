/**
 * log [N]: the last N (default 20) lines of the hypervisor's message log (SKIFF_HVC_LOG_READ gives
 * its newest bytes). The oldest line read may be cut: it is dropped unless the log is that short.
 */
#include <pv/args.h>
#include <pv/string.h>

#include "hv.h"
#include "json.h"
#include "term.h"
#include "verbs.h"

#define LOG_BYTES 16384
#define LOG_DEFAULT_LINES 20

static char buf[LOG_BYTES + 1];

/* The start of the last `want` lines of buf[0, len); `cut_first`: the oldest may be partial. */
static unsigned long last_lines(unsigned long len, unsigned long want, bool cut_first)
{
	unsigned long i = len && buf[len - 1] == '\n' ? len - 1 : len, lines = 0;

	for (; i > 0; i--)
		if (buf[i - 1] == '\n' && ++lines == want)
			return i;
	if (cut_first) {
		while (i < len && buf[i] != '\n')
			i++;
		return i < len ? i + 1 : len;
	}
	return 0;
}

static void print_json(const struct cmd *c, unsigned long start, unsigned long len)
{
	verb_json_begin(c);
	json_array("lines");
	while (start < len) {
		unsigned long end = start;

		while (end < len && buf[end] != '\n')
			end++;
		buf[end] = 0;
		json_str(0, buf + start);
		start = end + 1;
	}
	json_end();
}

int verb_log(const struct cmd *c)
{
	unsigned long want = LOG_DEFAULT_LINES, start;
	long n;

	if (c->argc && (pv_parse_ulong(c->argv[0], strlen(c->argv[0]), &want) || !want))
		return verb_fail(c, "N must be a number of lines above 0, not '%.16s'", c->argv[0]);
	n = hv_log_read(buf, LOG_BYTES);
	if (n < 0)
		return verb_fail(c, "cannot read the hypervisor log: %s", hv_strerror(n));
	start = last_lines((unsigned long)n, want, n == LOG_BYTES);
	buf[n] = 0;
	if (c->json)
		print_json(c, start, (unsigned long)n);
	else
		term_write(buf + start, (unsigned long)n - start);
	if (!c->json && n && buf[n - 1] != '\n')
		term_puts("\n");
	return VERB_OK;
}
