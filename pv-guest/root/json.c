/** The JSON writer (json.h): a stack of open containers, each remembering if it has members. */
#include <stdbool.h>

#include "json.h"
#include "term.h"

#define DEPTH 8

static struct {
	char close[DEPTH]; /* '}' or ']' per open container */
	bool has_member[DEPTH];
	unsigned int depth;
} js;

/* A string with the escapes RFC 8259 section 7 requires (quote, backslash, controls). */
static void string(const char *s)
{
	term_puts("\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			term_printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			term_printf("\\u%04x", c);
		else
			term_write(s, 1);
	}
	term_puts("\"");
}

/* The comma before a member and its key. */
static void member(const char *key)
{
	if (js.depth && js.has_member[js.depth - 1])
		term_puts(",");
	if (js.depth)
		js.has_member[js.depth - 1] = true;
	if (key) {
		string(key);
		term_puts(":");
	}
}

/* The verbs nest at most three deep: a deeper container is left out rather than overflow. */
static void open(const char *key, char opener, char closer)
{
	if (js.depth == DEPTH)
		return;
	member(key);
	term_write(&opener, 1);
	js.close[js.depth] = closer;
	js.has_member[js.depth] = false;
	js.depth++;
}

void json_begin(void)
{
	js.depth = 0;
	open(0, '{', '}');
}

void json_close(void)
{
	if (!js.depth)
		return;
	js.depth--;
	term_write(&js.close[js.depth], 1);
}

void json_end(void)
{
	while (js.depth)
		json_close();
	term_puts("\n");
}

void json_object(const char *key)
{
	open(key, '{', '}');
}

void json_array(const char *key)
{
	open(key, '[', ']');
}

void json_str(const char *key, const char *value)
{
	member(key);
	string(value);
}

void json_uint(const char *key, unsigned long value)
{
	member(key);
	term_printf("%lu", value);
}

void json_int(const char *key, long value)
{
	member(key);
	term_printf("%ld", value);
}

void json_bool(const char *key, bool value)
{
	member(key);
	term_puts(value ? "true" : "false");
}
