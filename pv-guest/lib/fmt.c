/** printf-style formatting (pv/fmt.h): a conversion spec is parsed, then printed padded. */
#include <pv/fmt.h>
#include <pv/string.h>
#include <stdbool.h>

struct spec {
	bool left, zero;
	unsigned int width;
	long precision; /* -1: none */
	int longs;      /* 0: int, 1: long, 2: long long */
};

struct out {
	pv_fmt_sink sink;
	void *ctx;
	int count;
};

static void put(struct out *o, char c)
{
	o->sink(o->ctx, c);
	o->count++;
}

static void put_rep(struct out *o, char c, unsigned long n)
{
	while (n--)
		put(o, c);
}

static void put_n(struct out *o, const char *s, unsigned long n)
{
	while (n--)
		put(o, *s++);
}

/* Prints prefix (sign or "0x") and body, padded to the field width. */
static void put_field(struct out *o, const struct spec *sp, const char *prefix, const char *body,
		      unsigned long n)
{
	unsigned long plen = strlen(prefix), total = plen + n;
	unsigned long pad = sp->width > total ? sp->width - total : 0;

	if (!sp->left && !sp->zero)
		put_rep(o, ' ', pad);
	put_n(o, prefix, plen);
	if (!sp->left && sp->zero)
		put_rep(o, '0', pad);
	put_n(o, body, n);
	if (sp->left)
		put_rep(o, ' ', pad);
}

/* Writes v in `base` right-aligned into buf[24]; returns the first digit. */
static char *utoa(unsigned long long v, unsigned int base, bool upper, char *end)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char *p = end;

	do {
		*--p = digits[v % base];
		v /= base;
	} while (v);
	return p;
}

static void put_number(struct out *o, const struct spec *sp, unsigned long long v, bool negative,
		       unsigned int base, bool upper, const char *prefix)
{
	char buf[24], *p = utoa(v, base, upper, buf + sizeof(buf));

	put_field(o, sp, negative ? "-" : prefix, p, (unsigned long)(buf + sizeof(buf) - p));
}

static void put_string(struct out *o, struct spec *sp, const char *s)
{
	unsigned long n;

	if (!s)
		s = "(null)";
	n = sp->precision >= 0 ? strnlen(s, (unsigned long)sp->precision) : strlen(s);
	sp->zero = false;
	put_field(o, sp, "", s, n);
}

static long long arg_signed(const struct spec *sp, va_list *ap)
{
	if (sp->longs == 2)
		return va_arg(*ap, long long);
	if (sp->longs == 1)
		return va_arg(*ap, long);
	return va_arg(*ap, int);
}

static unsigned long long arg_unsigned(const struct spec *sp, va_list *ap)
{
	if (sp->longs == 2)
		return va_arg(*ap, unsigned long long);
	if (sp->longs == 1)
		return va_arg(*ap, unsigned long);
	return va_arg(*ap, unsigned int);
}

/* Parses flags, width, precision and length after '%'; returns the conversion character. */
static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){ .precision = -1 };
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->zero = true;
		else
			break;
	}
	if (*f == '*') {
		int w = va_arg(*ap, int);
		sp->left |= w < 0;
		sp->width = (unsigned int)(w < 0 ? -w : w);
		f++;
	}
	for (; *f >= '0' && *f <= '9'; f++)
		sp->width = sp->width * 10 + (unsigned int)(*f - '0');
	if (*f == '.') {
		f++;
		sp->precision = 0;
		if (*f == '*') {
			sp->precision = va_arg(*ap, int);
			f++;
		}
		for (; *f >= '0' && *f <= '9'; f++)
			sp->precision = sp->precision * 10 + (*f - '0');
	}
	for (; *f == 'l' || *f == 'z'; f++)
		sp->longs = *f == 'z' ? 1 : sp->longs + 1;
	return f;
}

/* Prints one conversion; false if `c` is not one we know. */
static bool convert(struct out *o, struct spec *sp, char c, va_list *ap)
{
	long long s;

	switch (c) {
	case 'd':
	case 'i':
		s = arg_signed(sp, ap);
		put_number(o, sp, s < 0 ? -(unsigned long long)s : (unsigned long long)s, s < 0, 10,
			   false, "");
		return true;
	case 'u':
		put_number(o, sp, arg_unsigned(sp, ap), false, 10, false, "");
		return true;
	case 'x':
	case 'X':
		put_number(o, sp, arg_unsigned(sp, ap), false, 16, c == 'X', "");
		return true;
	case 'p':
		put_number(o, sp, (unsigned long)va_arg(*ap, void *), false, 16, false, "0x");
		return true;
	case 's':
		put_string(o, sp, va_arg(*ap, const char *));
		return true;
	case 'c': {
		char ch = (char)va_arg(*ap, int);
		sp->zero = false;
		put_field(o, sp, "", &ch, 1);
		return true;
	}
	case '%':
		put(o, '%');
		return true;
	}
	return false;
}

int pv_vformat(pv_fmt_sink sink, void *ctx, const char *fmt, va_list ap)
{
	struct out o = { sink, ctx, 0 };
	struct spec sp;
	va_list args;

	va_copy(args, ap);
	while (*fmt) {
		const char *start = fmt;

		if (*fmt != '%') {
			put(&o, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp, &args);
		if (!*fmt || !convert(&o, &sp, *fmt, &args))
			put_n(&o, start, (unsigned long)(fmt - start) + (*fmt != 0));
		if (*fmt)
			fmt++;
	}
	va_end(args);
	return o.count;
}

struct buf_sink {
	char *buf;
	unsigned long size, len;
};

static void buf_put(void *ctx, char c)
{
	struct buf_sink *b = ctx;

	if (b->len + 1 < b->size)
		b->buf[b->len] = c;
	b->len++;
}

int pv_vsnprintf(char *buf, unsigned long size, const char *fmt, va_list ap)
{
	struct buf_sink b = { buf, size, 0 };
	int n = pv_vformat(buf_put, &b, fmt, ap);

	if (size)
		buf[b.len < size ? b.len : size - 1] = '\0';
	return n;
}

int pv_snprintf(char *buf, unsigned long size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = pv_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
