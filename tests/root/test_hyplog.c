/**
 * The hypervisor's held output on the root's terminal (pv-guest/root/hyplog.c): lines at a line
 * boundary above the prompt, which comes back with the half-typed line; waiting while top owns
 * the screen; acknowledged only once printed; losses and broken lines.
 */
#include <pv/test.h>
#include <string.h>

#include "fake.h"
#include "hyplog.h"
#include "shell.h"
#include "term.h"

static void start(void)
{
	fake_reset();
	shell_start(0);
	hyplog_start();
	term_flush();
	fake_screen();
}

/* The hypervisor holds `s` and raises SKIFF_EV_LOG; the main loop polls. */
static void hold(const char *s)
{
	fake_hold(s);
	hyplog_kick();
	hyplog_poll();
	term_flush();
}

TEST(hyplog_line_above_a_half_typed_command)
{
	start();
	fake_type("lis");
	fake_screen();
	hold("vm 3 'bad' parked: data abort\n");
	/* erased, the message, then the prompt and what was typed */
	CHECK_STREQ(fake_raw(), "\r\x1b[Kvm 3 'bad' parked: data abort\n\rskiff> lis\x1b[K");
	CHECK_EQ(fake.acked, fake.held_len); /* printed, so acknowledged */
	fake_type("t\r");                    /* the line is still "lis": it runs as "list" */
	CHECK(strstr(fake_screen(), "t\nName "));
}

TEST(hyplog_several_lines_and_guest_lines)
{
	start();
	hold("vm 4 'x' exited with code 0\n[y] before its console channel\x1b[2J\n");
	const char *s = fake_screen();
	CHECK(strstr(s, "vm 4 'x' exited with code 0\nskiff> "));
	CHECK(strstr(s, "[y] before its console channel?[2J\nskiff> ")); /* no raw escapes */
}

TEST(hyplog_waits_while_top_owns_the_screen)
{
	start();
	fake_type("top\r");
	fake_screen();
	hold("vm 5 'z' rebooting\n");
	CHECK(strstr(fake_screen(), "rebooting") == 0);
	CHECK_EQ(fake.acked, 0); /* not printed: not acknowledged (the hypervisor keeps it) */
	fake_type("q");
	hyplog_poll();
	term_flush();
	CHECK(strstr(fake_screen(), "vm 5 'z' rebooting\nskiff> "));
	CHECK_EQ(fake.acked, fake.held_len);
}

TEST(hyplog_half_a_line_waits_for_the_rest)
{
	start();
	hold("vm 6 'w' par");
	CHECK_STREQ(fake_screen(), "");
	CHECK_EQ(fake.acked, 0);
	hold("ked: x\n");
	CHECK(strstr(fake_screen(), "vm 6 'w' parked: x\nskiff> "));
}

TEST(hyplog_says_what_was_lost)
{
	start();
	fake_hold("lost 1\nlost 2\nkept 3\n");
	fake.held_oldest = 10; /* the hypervisor kept only its newest bytes: "st 2\nkept 3\n" */
	hold("kept 4\n");
	const char *s = fake_screen();
	CHECK(strstr(s, "root: 10 bytes of the hypervisor's messages were lost\n"));
	CHECK(strstr(s, "st 2") == 0); /* the cut line is left out */
	CHECK(strstr(s, "kept 3\nskiff> "));
	CHECK(strstr(s, "kept 4\nskiff> "));
}

TEST(hyplog_without_take_the_hypervisor_prints)
{
	fake_reset();
	fake.take_err = SKIFF_E_NOT_SUPPORTED;
	shell_start(0);
	hyplog_start();
	term_flush();
	CHECK(strstr(fake_screen(), "root: the hypervisor prints its messages itself"));
	hold("vm 7 'v' parked: y\n");
	CHECK(strstr(fake_screen(), "parked") == 0); /* not ours to print */
}
