/**
 * A small vsnprintf: the subset of C99 formatting the hypervisor uses. Output is always
 * NUL-terminated when size > 0; the return value is the length that would have been written.
 */
#include <stdarg.h>
#include <skiff/console.h>

struct out {
	char *buf;
	size_t size;
	size_t len;
};

struct spec {
	bool left;
	char pad;
	int width;
	int prec;
	int lmod; /* 0, 1 (l, z), 2 (ll) */
};

static void out_char(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_padded(struct out *o, const char *s, size_t n, const struct spec *sp)
{
	size_t pad = sp->width > 0 && (size_t)sp->width > n ? (size_t)sp->width - n : 0;

	if (!sp->left)
		while (pad--)
			out_char(o, sp->pad);
	for (size_t i = 0; i < n; i++)
		out_char(o, s[i]);
	if (sp->left)
		while (pad--)
			out_char(o, ' ');
}

static void out_number(struct out *o, uint64_t v, bool neg, unsigned base, bool upper,
		       struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	size_t n = sizeof(tmp);

	do {
		tmp[--n] = digits[v % base];
		v /= base;
	} while (v);
	if (neg && sp->pad == '0') {
		out_char(o, '-');
		if (sp->width > 0)
			sp->width--;
	} else if (neg) {
		tmp[--n] = '-';
	}
	out_padded(o, tmp + n, sizeof(tmp) - n, sp);
}

static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){ .pad = ' ', .prec = -1 };
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->pad = '0';
		else
			break;
	}
	if (*f == '*') {
		int w = va_arg(*ap, int);
		/* A negative width argument is a '-' flag and a positive width (C11 7.21.6.1p5). */
		sp->left |= w < 0;
		sp->width = w < 0 ? (w < -INT32_MAX ? INT32_MAX : -w) : w;
		f++;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (*f++ - '0');
	if (*f == '.') {
		sp->prec = 0;
		if (*++f == '*') {
			sp->prec = va_arg(*ap, int);
			f++;
		}
		for (; *f >= '0' && *f <= '9'; f++)
			sp->prec = sp->prec * 10 + (*f - '0');
	}
	for (; *f == 'l' || *f == 'z'; f++)
		sp->lmod++;
	return f;
}

static uint64_t arg_unsigned(const struct spec *sp, va_list *ap)
{
	return sp->lmod ? va_arg(*ap, uint64_t) : va_arg(*ap, unsigned int);
}

static int64_t arg_signed(const struct spec *sp, va_list *ap)
{
	return sp->lmod ? va_arg(*ap, int64_t) : va_arg(*ap, int);
}

static void format_one(struct out *o, char conv, struct spec *sp, va_list *ap)
{
	switch (conv) {
	case 'c': {
		char c = (char)va_arg(*ap, int);
		out_padded(o, &c, 1, sp);
		break;
	}
	case 's': {
		const char *s = va_arg(*ap, const char *);
		size_t n = 0;
		if (!s)
			s = "(null)";
		while (s[n] && (sp->prec < 0 || n < (size_t)sp->prec))
			n++;
		out_padded(o, s, n, sp);
		break;
	}
	case 'd':
	case 'i': {
		int64_t v = arg_signed(sp, ap);
		out_number(o, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, 10, false, sp);
		break;
	}
	case 'u':
		out_number(o, arg_unsigned(sp, ap), false, 10, false, sp);
		break;
	case 'x':
	case 'X':
		out_number(o, arg_unsigned(sp, ap), false, 16, conv == 'X', sp);
		break;
	case 'p':
		out_char(o, '0');
		out_char(o, 'x');
		out_number(o, (uintptr_t)va_arg(*ap, void *), false, 16, false, sp);
		break;
	default:
		out_char(o, '%');
		out_char(o, conv);
	}
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { .buf = buf, .size = size };
	struct spec sp;
	va_list args;

	va_copy(args, ap);
	for (const char *f = fmt; *f; f++) {
		if (*f != '%') {
			out_char(&o, *f);
			continue;
		}
		f = parse_spec(f + 1, &sp, &args);
		if (!*f)
			break;
		if (*f == '%')
			out_char(&o, '%');
		else
			format_one(&o, *f, &sp, &args);
	}
	va_end(args);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
