/**
 * String functions (pv/string.h). Built with -fno-tree-loop-distribute-patterns so GCC does not
 * turn these loops back into calls to themselves.
 *
 * memset and pv_memcpy_strict move 8-byte words once the pointers allow it, but only aligned
 * ones: -mstrict-align forbids the compiler unaligned accesses, and with the MMU off all memory is
 * Device memory, where they fault. memcpy itself is arch/memcpy.S (SIMD, any alignment), which
 * hands over to pv_memcpy_strict while the MMU is off.
 */
#include <pv/string.h>
#include <stdbool.h>
#include <stdint.h>

typedef uint64_t __attribute__((may_alias)) word;

#define WORD sizeof(word)

static bool aligned(const void *p)
{
	return ((uintptr_t)p & (WORD - 1)) == 0;
}

void *memset(void *s, int c, size_t n)
{
	unsigned char *p = s;
	word w = 0x0101010101010101ULL * (unsigned char)c;

	for (; n && !aligned(p); n--)
		*p++ = (unsigned char)c;
	for (; n >= WORD; n -= WORD, p += WORD)
		*(word *)p = w;
	while (n--)
		*p++ = (unsigned char)c;
	return s;
}

/* Eight words per round: GCC makes LDP/STP pairs of them. */
static void copy_words(unsigned char *d, const unsigned char *s, size_t n)
{
	word *dw = (word *)d;
	const word *sw = (const word *)s;

	for (; n >= 8 * WORD; n -= 8 * WORD, dw += 8, sw += 8) {
		word a = sw[0], b = sw[1], c = sw[2], e = sw[3], f = sw[4], g = sw[5], h = sw[6],
		     i = sw[7];

		dw[0] = a;
		dw[1] = b;
		dw[2] = c;
		dw[3] = e;
		dw[4] = f;
		dw[5] = g;
		dw[6] = h;
		dw[7] = i;
	}
	for (; n >= WORD; n -= WORD)
		*dw++ = *sw++;
}

void *pv_memcpy_strict(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if ((((uintptr_t)d ^ (uintptr_t)s) & (WORD - 1)) == 0) {
		for (; n && !aligned(d); n--)
			*d++ = *s++;
		copy_words(d, s, n);
		d += n & ~(WORD - 1);
		s += n & ~(WORD - 1);
		n &= WORD - 1;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++)
		if (*a != *b || !*a)
			return (unsigned char)*a - (unsigned char)*b;
	return 0;
}

int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, ~(size_t)0);
}
