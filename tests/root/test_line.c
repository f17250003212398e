/** The line editor (pv-guest/root/line.c): keys, escape sequences, history. */
#include <pv/test.h>
#include <stdio.h>
#include <string.h>

#include "fake.h"
#include "line.h"
#include "term.h"

static struct line_editor ed;

/* Feeds `keys`; returns the last event. */
static enum line_event keys(const char *s)
{
	enum line_event ev = LINE_EDITING;

	for (; *s; s++)
		ev = line_key(&ed, *s);
	term_flush();
	return ev;
}

static void start(void)
{
	fake_reset();
	line_init(&ed, "> ");
	line_start(&ed);
	term_flush();
	fake_raw();
}

TEST(line_typing_and_enter)
{
	start();
	CHECK_EQ(keys("list"), LINE_EDITING);
	CHECK_STREQ(fake_raw(), "list");
	CHECK_EQ(keys("\r"), LINE_DONE);
	CHECK_STREQ(line_text(&ed), "list");
	CHECK_STREQ(fake_raw(), "\n");
}

TEST(line_crlf_is_one_enter)
{
	start();
	CHECK_EQ(keys("a\r"), LINE_DONE);
	line_start(&ed);
	CHECK_EQ(keys("\n"), LINE_EDITING); /* the LF of the CR LF pair */
	CHECK_EQ(keys("\n"), LINE_DONE);    /* a lone LF is an Enter */
}

TEST(line_backspace_and_delete)
{
	start();
	keys("abcd\x7f\x08");
	CHECK_STREQ(line_text(&ed), "ab");
	keys("\x01\x1b[3~"); /* Home, Delete */
	CHECK_STREQ(line_text(&ed), "b");
	keys("\x7f"); /* at the start: nothing */
	CHECK_STREQ(line_text(&ed), "b");
	keys("\x04"); /* ^D deletes under the cursor */
	CHECK_STREQ(line_text(&ed), "");
}

TEST(line_insert_in_the_middle)
{
	start();
	keys("pase\x1b[D\x1b[D"
	     "u");
	CHECK_STREQ(line_text(&ed), "pause");
	CHECK_EQ(ed.cur, 3);
	keys("\x05!");
	CHECK_STREQ(line_text(&ed), "pause!");
	keys("\x1b[H>\x1b[F<"); /* xterm Home and End */
	CHECK_STREQ(line_text(&ed), ">pause!<");
	keys("\x1b[1~[\x1b[4~]\x1bOH(\x1bOF)"); /* VT220 and SS3 Home/End */
	CHECK_STREQ(line_text(&ed), "([>pause!<])");
}

TEST(line_moves_stop_at_the_ends)
{
	start();
	keys("ab\x1b[C\x1b[C\x02\x02\x02\x1b[Dx\x06\x06\x06y");
	CHECK_STREQ(line_text(&ed), "xaby");
}

TEST(line_kill_keys)
{
	start();
	keys("destroy hello now\x17");
	CHECK_STREQ(line_text(&ed), "destroy hello ");
	keys("\x17");
	CHECK_STREQ(line_text(&ed), "destroy ");
	keys("\x01\x1b[C\x1b[C\x0b");
	CHECK_STREQ(line_text(&ed), "de");
	keys("\x15");
	CHECK_STREQ(line_text(&ed), "");
	keys("info 3\x1b[D\x15");
	CHECK_STREQ(line_text(&ed), "3");
	CHECK_EQ(ed.cur, 0);
}

TEST(line_ctrl_c_cancels)
{
	start();
	keys("half a comm");
	CHECK_EQ(keys("\x03"), LINE_CANCEL);
	CHECK_STREQ(line_text(&ed), "");
	CHECK(strstr(fake_screen(), "^C\n") != 0);
}

TEST(line_history_walk)
{
	start();
	line_history_add(&ed, "list");
	line_history_add(&ed, "info 1");
	line_history_add(&ed, "info 1"); /* same as the newest: kept once */
	line_history_add(&ed, "");
	CHECK_EQ(ed.hist_count, 2);
	keys("draft\x1b[A");
	CHECK_STREQ(line_text(&ed), "info 1");
	keys("\x1b[A\x1b[A"); /* past the oldest: stays */
	CHECK_STREQ(line_text(&ed), "list");
	keys("\x1b[B");
	CHECK_STREQ(line_text(&ed), "info 1");
	keys("\x1b[B");
	CHECK_STREQ(line_text(&ed), "draft");
	keys("\x1b[B"); /* below the draft: stays */
	CHECK_STREQ(line_text(&ed), "draft");
	keys("\x10"); /* ^P */
	CHECK_STREQ(line_text(&ed), "info 1");
}

TEST(line_history_keeps_the_last_32)
{
	char s[16];

	start();
	for (int i = 0; i < 40; i++) {
		snprintf(s, sizeof(s), "cmd %d", i);
		line_history_add(&ed, s);
	}
	CHECK_EQ(ed.hist_count, LINE_HISTORY);
	CHECK_STREQ(line_history(&ed, 1), "cmd 39");
	CHECK_STREQ(line_history(&ed, 32), "cmd 8");
	CHECK(line_history(&ed, 33) == 0);
	CHECK(line_history(&ed, 0) == 0);
}

TEST(line_overlong_and_odd_bytes)
{
	start();
	for (int i = 0; i < LINE_MAX + 10; i++)
		keys("x");
	CHECK_EQ(ed.len, LINE_MAX);
	CHECK(strchr(fake_raw(), '\a') != 0);
	keys("\x15\xc3\xa9\x1d\x1b[99;5X\x1b[Zq"); /* UTF-8, ^], unknown CSIs */
	CHECK_STREQ(line_text(&ed), "q");
}

TEST(line_redraw_after_a_notice)
{
	start();
	keys("pau");
	term_set_mode(TERM_PROMPT, 0);
	fake_raw();
	line_redraw(&ed);
	term_flush();
	CHECK_STREQ(fake_screen(), "> pau");
}
