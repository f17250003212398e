/**
 * The line editor (line.h). The screen follows the buffer with VT100 / ECMA-48 sequences: CUB
 * "ESC [ n D" and CUF "ESC [ n C" move the cursor, EL "ESC [ K" erases to the end of the line.
 * Typing at the end of the line echoes just the character; other edits redraw from the cursor.
 */
#include <pv/string.h>

#include "line.h"
#include "term.h"

#define CTRL(c) ((c)&0x1f)
#define ESC 0x1b
#define DEL 0x7f

void line_init(struct line_editor *ed, const char *prompt)
{
	memset(ed, 0, sizeof(*ed));
	ed->prompt = prompt;
}

void line_start(struct line_editor *ed)
{
	ed->len = ed->cur = 0;
	ed->buf[0] = 0;
	ed->esc = 0;
	ed->browse = 0;
	term_puts(ed->prompt);
}

static void move_left(unsigned int n)
{
	if (n)
		term_printf("\x1b[%uD", n);
}

/* Redraws from the cursor to the end of the line and puts the cursor back. */
static void draw_tail(const struct line_editor *ed)
{
	term_write(ed->buf + ed->cur, ed->len - ed->cur);
	term_puts("\x1b[K");
	move_left(ed->len - ed->cur);
}

void line_redraw(const struct line_editor *ed)
{
	term_puts("\r");
	term_puts(ed->prompt);
	term_write(ed->buf, ed->cur);
	draw_tail(ed);
}

/* Removes buf[from, to) with the cursor at `from` on screen afterwards. */
static void cut(struct line_editor *ed, unsigned int from, unsigned int to)
{
	move_left(ed->cur - from);
	memmove(ed->buf + from, ed->buf + to, ed->len - to + 1);
	ed->len -= to - from;
	ed->cur = from;
	draw_tail(ed);
}

static void insert(struct line_editor *ed, char c)
{
	if (ed->len == LINE_MAX) {
		term_puts("\a");
		return;
	}
	memmove(ed->buf + ed->cur + 1, ed->buf + ed->cur, ed->len - ed->cur + 1);
	ed->buf[ed->cur++] = c;
	ed->len++;
	term_write(&c, 1);
	if (ed->cur < ed->len)
		draw_tail(ed);
}

static void set_cursor(struct line_editor *ed, unsigned int to)
{
	if (to < ed->cur)
		move_left(ed->cur - to);
	else
		term_write(ed->buf + ed->cur, to - ed->cur);
	ed->cur = to;
}

/* The start of the word before the cursor (^W): skip spaces, then the word. */
static unsigned int word_start(const struct line_editor *ed)
{
	unsigned int i = ed->cur;

	while (i && ed->buf[i - 1] == ' ')
		i--;
	while (i && ed->buf[i - 1] != ' ')
		i--;
	return i;
}

/* Replaces the line with `s` (a history entry or the draft), cursor at its end. */
static void load(struct line_editor *ed, const char *s)
{
	move_left(ed->cur);
	ed->len = ed->cur = (unsigned int)strnlen(s, LINE_MAX);
	memcpy(ed->buf, s, ed->len);
	ed->buf[ed->len] = 0;
	term_write(ed->buf, ed->len);
	term_puts("\x1b[K");
}

const char *line_history(const struct line_editor *ed, unsigned int n)
{
	if (n < 1 || n > ed->hist_count)
		return 0;
	return ed->hist[(ed->hist_head + LINE_HISTORY - n) % LINE_HISTORY];
}

void line_history_add(struct line_editor *ed, const char *s)
{
	const char *newest = line_history(ed, 1);
	unsigned long n = strnlen(s, LINE_MAX);

	if (!n || (newest && !strcmp(newest, s)))
		return;
	memcpy(ed->hist[ed->hist_head], s, n);
	ed->hist[ed->hist_head][n] = 0;
	ed->hist_head = (ed->hist_head + 1) % LINE_HISTORY;
	if (ed->hist_count < LINE_HISTORY)
		ed->hist_count++;
}

static void browse(struct line_editor *ed, int step)
{
	unsigned int to = ed->browse + (unsigned int)step;

	if (step < 0 && !ed->browse)
		return;
	if (step > 0 && to > ed->hist_count)
		return;
	if (!ed->browse)
		memcpy(ed->draft, ed->buf, ed->len + 1);
	ed->browse = to;
	load(ed, to ? line_history(ed, to) : ed->draft);
}

/* An editing key, from a control character or an escape sequence. */
enum key {
	K_NONE,
	K_LEFT,
	K_RIGHT,
	K_HOME,
	K_END,
	K_UP,
	K_DOWN,
	K_DELETE,
	K_BACKSPACE,
	K_KILL_START, /* ^U */
	K_KILL_END,   /* ^K */
	K_KILL_WORD,  /* ^W */
	K_REDRAW,     /* ^L */
};

/* Emacs-style control keys, as bash's readline binds them. */
static const enum key ctrl_keys[32] = {
	[CTRL('A')] = K_HOME,     [CTRL('E')] = K_END,       [CTRL('B')] = K_LEFT,
	[CTRL('F')] = K_RIGHT,    [CTRL('P')] = K_UP,        [CTRL('N')] = K_DOWN,
	[CTRL('D')] = K_DELETE,   [CTRL('H')] = K_BACKSPACE, [CTRL('U')] = K_KILL_START,
	[CTRL('K')] = K_KILL_END, [CTRL('W')] = K_KILL_WORD, [CTRL('L')] = K_REDRAW,
};

/* The keys that remove text, and ^L. */
static void remove_text(struct line_editor *ed, enum key k)
{
	switch (k) {
	case K_BACKSPACE:
		if (ed->cur)
			cut(ed, ed->cur - 1, ed->cur);
		break;
	case K_DELETE:
		if (ed->cur < ed->len)
			cut(ed, ed->cur, ed->cur + 1);
		break;
	case K_KILL_START:
		cut(ed, 0, ed->cur);
		break;
	case K_KILL_END:
		ed->len = ed->cur;
		ed->buf[ed->len] = 0;
		term_puts("\x1b[K");
		break;
	case K_KILL_WORD:
		cut(ed, word_start(ed), ed->cur);
		break;
	default: /* K_REDRAW */
		term_puts("\x1b[H\x1b[2J");
		line_redraw(ed);
		break;
	}
}

static void edit(struct line_editor *ed, enum key k)
{
	switch (k) {
	case K_LEFT:
		if (ed->cur)
			set_cursor(ed, ed->cur - 1);
		break;
	case K_RIGHT:
		if (ed->cur < ed->len)
			set_cursor(ed, ed->cur + 1);
		break;
	case K_HOME:
		set_cursor(ed, 0);
		break;
	case K_END:
		set_cursor(ed, ed->len);
		break;
	case K_UP:
		browse(ed, 1);
		break;
	case K_DOWN:
		browse(ed, -1);
		break;
	case K_NONE:
		break;
	default:
		remove_text(ed, k);
	}
}

/* The key an escape sequence's final byte (and CSI "n ~" parameter) names. */
static enum key esc_key(char final, unsigned int param)
{
	switch (final) {
	case 'A':
		return K_UP;
	case 'B':
		return K_DOWN;
	case 'C':
		return K_RIGHT;
	case 'D':
		return K_LEFT;
	case 'H':
		return K_HOME;
	case 'F':
		return K_END;
	case '~':
		return param == 1 || param == 7 ? K_HOME :
		       param == 4 || param == 8 ? K_END :
		       param == 3               ? K_DELETE :
						  K_NONE;
	default:
		return K_NONE;
	}
}

/* One byte of an escape sequence (ed->esc != 0). */
static void escape(struct line_editor *ed, char c)
{
	if (ed->esc == 1) {
		ed->esc = c == '[' ? 2 : c == 'O' ? 3 : 0;
		ed->param = 0;
		return;
	}
	if (ed->esc == 2 && c >= '0' && c <= '9') {
		if (ed->param < 1000)
			ed->param = ed->param * 10 + (unsigned int)(c - '0');
		return;
	}
	if (c >= 0x40 && c <= 0x7e) { /* the final byte (ECMA-48 5.4) */
		ed->esc = 0;
		edit(ed, esc_key(c, ed->param));
	}
	/* parameter separators and intermediate bytes: keep reading */
}

static enum line_event control(struct line_editor *ed, char c)
{
	switch (c) {
	case '\r':
	case '\n':
		if (c == '\n' && ed->prev == '\r')
			return LINE_EDITING;
		term_puts("\n");
		ed->browse = 0;
		return LINE_DONE;
	case CTRL('C'):
		term_puts("^C\n");
		ed->len = ed->cur = 0;
		ed->buf[0] = 0;
		return LINE_CANCEL;
	case ESC:
		ed->esc = 1;
		return LINE_EDITING;
	case DEL:
		edit(ed, K_BACKSPACE);
		return LINE_EDITING;
	default: /* other control characters (^] among them) do nothing */
		edit(ed, ctrl_keys[c & 0x1f]);
		return LINE_EDITING;
	}
}

enum line_event line_key(struct line_editor *ed, char c)
{
	enum line_event ev = LINE_EDITING;

	if (ed->esc)
		escape(ed, c);
	else if (c >= 0x20 && c < DEL)
		insert(ed, c);
	else if (!(c & 0x80))
		ev = control(ed, c);
	ed->prev = c;
	return ev;
}

const char *line_text(const struct line_editor *ed)
{
	return ed->buf;
}
