/**
 * hyp/console.c: output held for the root partition (console_hold, console_held_read,
 * console_release, console_panic) against a capturing UART. The console is one global, so each
 * test gives the console back at its end, and the panic test comes last.
 */
#include "support.h"

#include <stdio.h>

#include <skiff/console.h>

static int notified;
static void *notified_holder;

static void notify(void *holder)
{
	notified++;
	notified_holder = holder;
}

/* Two holders: the root partition and, for one test, its successor. */
static int root, root2;

/* Reads everything held from @seq; returns the sequence number after it. */
static uint64_t read_all(void *holder, uint64_t seq, char *buf, size_t size)
{
	uint64_t first, end;
	int64_t n = console_held_read(holder, seq, buf, size - 1, &first, &end);

	assert_true(n >= 0);
	assert_int_equal(first, seq);
	assert_int_equal(first + (uint64_t)n, end);
	buf[n] = '\0';
	return end;
}

static void test_printed_when_nobody_holds(void **state)
{
	(void)state;
	kprintf("vm 3 'x' parked: test\n");
	console_output("[x] a guest line\n", 17);
	assert_output_contains("vm 3 'x' parked: test\n[x] a guest line\n");
	assert_log_contains("vm 3 'x' parked: test\n");
	assert_null(strstr(test_log_tail(1024), "a guest line")); /* the log keeps ours only */
}

static void test_held_while_the_root_holds(void **state)
{
	char buf[256];
	uint64_t seq;

	(void)state;
	notified = 0;
	seq = console_hold(&root, notify);
	kprintf("vm 4 'y' exited with code %d\n", 3);
	console_output("[y] its last line\n", 18);
	console_terminal("skiff> ", 7); /* the holder's own bytes go out at once */
	assert_int_equal(notified, 2);
	assert_ptr_equal(notified_holder, &root);
	assert_output_contains("skiff> ");
	assert_null(strstr(test_output_tail(1024), "exited with code 3"));
	assert_log_contains("vm 4 'y' exited with code 3\n");
	seq = read_all(&root, seq, buf, sizeof(buf));
	assert_string_equal(buf, "vm 4 'y' exited with code 3\n[y] its last line\n");
	assert_int_equal(read_all(&root, seq, buf, sizeof(buf)), seq); /* nothing new */
	console_release(&root);
	assert_null(strstr(test_output_tail(1024), "exited with code 3")); /* printed by root */
	kprintf("printed again\n");
	assert_output_contains("printed again\n");
}

static void test_reads_in_pieces_and_acknowledges(void **state)
{
	uint64_t seq = console_hold(&root, notify), first, end;
	char buf[8];

	(void)state;
	kprintf("0123456789\n");
	assert_int_equal(console_held_read(&root, seq, buf, 4, &first, &end), 4);
	assert_memory_equal(buf, "0123", 4);
	assert_int_equal(end - first, 11); /* more to read */
	assert_int_equal(console_held_read(&root, seq + 4, buf, 8, &first, &end), 7);
	assert_memory_equal(buf, "456789\n", 7);
	/* acknowledged up to seq + 4: going back is refused, as is reading past the newest */
	assert_int_equal(console_held_read(&root, seq, buf, 8, &first, &end), -1);
	assert_int_equal(console_held_read(&root, end + 1, buf, 8, &first, &end), -1);
	assert_int_equal(console_held_read(&root2, end, buf, 8, &first, &end), -1); /* not holder */
	console_release(&root2); /* not the holder: nothing happens */
	kprintf("still held\n");
	assert_null(strstr(test_output_tail(1024), "still held"));
	/* the root dies having printed up to seq + 4: the rest is printed for it, once */
	console_release(&root);
	assert_output_contains("456789\nstill held\n");
	assert_null(strstr(test_output_tail(1024), "0123"));
}

static void test_lost_when_the_root_does_not_read(void **state)
{
	uint64_t seq = console_hold(&root, notify), first, end;
	char line[64], buf[64];
	const char *out;

	(void)state;
	for (int i = 0; i < 1000; i++) { /* 30 KiB: more than the 16 KiB held */
		snprintf(line, sizeof(line), "message %03d of a burst .....\n", i);
		kprintf("%s", line);
	}
	assert_true(console_held_read(&root, seq, buf, sizeof(buf), &first, &end) > 0);
	assert_true(first > seq);             /* the oldest went */
	assert_int_equal(end - first, 16384); /* the newest 16 KiB are there */
	console_release(&root);
	out = test_output_tail(20000);
	assert_non_null(strstr(out, "[hypervisor messages were lost here]\nmessage"));
	assert_null(strstr(out, "message 000 ")); /* the oldest is not printed */
	assert_non_null(strstr(out, "message 999 of a burst .....\n"));
}

static void test_a_new_holder_takes_over(void **state)
{
	char buf[128];
	uint64_t seq;

	(void)state;
	console_hold(&root, notify);
	kprintf("for the old root\n");
	seq = console_hold(&root2, notify); /* the old one went without letting go */
	assert_output_contains("for the old root\n");
	kprintf("for the new root\n");
	assert_ptr_equal(notified_holder, &root2);
	read_all(&root2, seq, buf, sizeof(buf));
	assert_string_equal(buf, "for the new root\n");
	console_release(&root2);
}

/* Last: a panic leaves the console with the hypervisor for good. */
static void test_panic_prints_everything(void **state)
{
	uint64_t first, end;
	char buf[64];

	(void)state;
	console_hold(&root, notify);
	kprintf("held before the panic\n");
	console_panic();
	assert_output_contains("held before the panic\n");
	kprintf("after the panic\n");
	assert_output_contains("after the panic\n");
	console_hold(&root, notify); /* refused: the hypervisor keeps the UART */
	kprintf("still ours\n");
	assert_output_contains("still ours\n");
	assert_int_equal(console_held_read(&root, 0, buf, sizeof(buf), &first, &end), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_printed_when_nobody_holds),
		TEST(test_held_while_the_root_holds),
		TEST(test_reads_in_pieces_and_acknowledges),
		TEST(test_lost_when_the_root_does_not_read),
		TEST(test_a_new_holder_takes_over),
		TEST(test_panic_prints_everything),
	};

	return cmocka_run_group_tests_name("console", tests, NULL, NULL);
}
