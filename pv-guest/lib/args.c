/** VM arguments: `key=value` words (pv/args.h). */
#include <pv/args.h>
#include <pv/string.h>
#include <stdbool.h>

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static unsigned long word_len(const char *s)
{
	unsigned long n = 0;

	while (s[n] && !is_space(s[n]))
		n++;
	return n;
}

const char *pv_args_find(const char *args, const char *key, unsigned long *len)
{
	unsigned long klen = strlen(key);

	while (*args) {
		unsigned long n;

		while (is_space(*args))
			args++;
		n = word_len(args);
		if (n >= klen && strncmp(args, key, klen) == 0 &&
		    (n == klen || args[klen] == '=')) {
			*len = n == klen ? 0 : n - klen - 1;
			return args + (n == klen ? klen : klen + 1);
		}
		args += n;
	}
	return 0;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

int pv_parse_ulong(const char *s, unsigned long len, unsigned long *out)
{
	unsigned int base = 10;
	unsigned long v = 0;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		len -= 2;
	}
	if (len == 0)
		return -1;
	for (; len; len--, s++) {
		unsigned int d = (unsigned int)digit_value(*s);

		if (d >= base || v > (~0UL - d) / base)
			return -1;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

unsigned long pv_args_ulong(const char *args, const char *key, unsigned long dflt)
{
	unsigned long len, v;
	const char *val = pv_args_find(args, key, &len);

	if (!val || pv_parse_ulong(val, len, &v) != 0)
		return dflt;
	return v;
}
