/**
 * The shell's line editor: keystrokes in, terminal output (through term.h) and finished lines out.
 * Keys: printable characters insert at the cursor; Backspace (DEL or ^H) and ^D/Delete remove;
 * Left/Right, ^B/^F move; Home/End, ^A/^E jump; ^U kills to the start, ^K to the end, ^W the word
 * before the cursor; Up/Down (^P/^N) walk the history of the last LINE_HISTORY lines; ^L redraws;
 * ^C cancels the line; Enter (CR or LF, a CR LF pair counts once) finishes it. Escape sequences:
 * ECMA-48 CSI ("ESC [" params final) and SS3 ("ESC O" final), as VT100/xterm keys send them.
 */
#ifndef ROOT_LINE_H
#define ROOT_LINE_H

#include <stdbool.h>

#define LINE_MAX 200
#define LINE_HISTORY 32

/** What a keystroke did. */
enum line_event {
	LINE_EDITING, /* nothing for the caller */
	LINE_DONE,    /* Enter: line_text() is the line */
	LINE_CANCEL,  /* ^C: the line was dropped */
};

struct line_editor {
	const char *prompt;
	char buf[LINE_MAX + 1]; /* NUL-terminated */
	unsigned int len, cur;
	/* Escape-sequence decoder. */
	unsigned int esc;   /* 0: none, 1: after ESC, 2: in CSI/SS3 */
	unsigned int param; /* the CSI numeric parameter so far */
	char prev;          /* the previous byte (a CR LF pair is one Enter) */
	/* History: a ring of the last LINE_HISTORY lines, newest at (head - 1). */
	char hist[LINE_HISTORY][LINE_MAX + 1];
	unsigned int hist_count, hist_head;
	unsigned int browse;      /* 0: editing a new line, n: showing the n-th newest entry */
	char draft[LINE_MAX + 1]; /* the new line, kept while browsing */
};

/** Prepares `ed` with `prompt` (kept by pointer) and an empty history. */
void line_init(struct line_editor *ed, const char *prompt);

/** Starts a new, empty line and draws the prompt. */
void line_start(struct line_editor *ed);

/** Draws the prompt and the line again, cursor in place (after a notice erased them). */
void line_redraw(const struct line_editor *ed);

/** Feeds one byte. */
enum line_event line_key(struct line_editor *ed, char c);

/** The finished line (valid after LINE_DONE until the next line_start). */
const char *line_text(const struct line_editor *ed);

/** Adds `s` to the history unless it is empty or equals the newest entry. */
void line_history_add(struct line_editor *ed, const char *s);

/** The n-th newest history entry (1 = newest) or NULL. */
const char *line_history(const struct line_editor *ed, unsigned int n);

#endif
