/** The shell and its verbs (pv-guest/root/shell.c, verbs_vm.c, top.c, log.c, console.c). */
#include <pv/test.h>
#include <string.h>

#include "fake.h"
#include "verbs.h"
#include "hyplog.h"
#include "shell.h"
#include "term.h"

static void start(void)
{
	fake_reset();
	hyplog_start(); /* as the root does: the hypervisor's lines come through it */
	shell_start(0);
	term_flush();
	fake_screen();
}

/* Lines of `s` that contain `what`. */
static int count(const char *s, const char *what)
{
	int n = 0;

	for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

TEST(shell_starts_with_first_command_and_prompt)
{
	fake_reset();
	hyplog_start();
	shell_start("list");
	term_flush();
	const char *s = fake_screen();
	CHECK(strstr(s, "Name") != 0);
	CHECK(strstr(s, "ticker") != 0);
	CHECK(strstr(s, "skiff> ") != 0);
}

TEST(shell_list_columns)
{
	start();
	const char *s = fake_run("list");
	CHECK(strstr(
		s,
		"list\nName                       ID  Mem(KiB)  RSS(KiB) VCPUs CPU     State      "
		"   Time(s)\n"));
	CHECK(strstr(s, "root                        0      4096") == 0); /* fake root has 2 MiB */
	CHECK(strstr(s,
		     "hello                       1      2048         0     1 1       running    "
		     "     0.002\n"));
	CHECK(strstr(s, "\nskiff> "));
}

TEST(shell_list_shows_exit_codes)
{
	start();
	fake.vms[2].state = SKIFF_VM_STATE_SHUTDOWN;
	fake.vms[2].exit_code = 225;
	CHECK(strstr(fake_run("list"), "exited(225)"));
}

TEST(shell_list_json)
{
	start();
	const char *s = fake_run("json list");
	CHECK(strstr(
		s, "{\"ok\":true,\"verb\":\"list\",\"vms\":[{\"id\":0,\"name\":\"root\",\"state\":"
		   "\"running\",\"memory_kib\":2048,\"vcpus\":1,\"cpu_us\":1000,\"weight\":256,"
		   "\"cap\":0,\"privileged\":true,\"resident_kib\":0,\"shared_kib\":0,"
		   "\"ballooned_kib\":0,\"swapped_kib\":0,\"vcpu_list\":[{\"vcpu\":0,\"cpu\":0,"
		   "\"state\":\"runnable\",\"affinity\":\"all\"}]},{\"id\":1,"));
	CHECK(strstr(s, "}]}\n"));
	CHECK(strstr(fake_run("list --json"), "{\"ok\":true,\"verb\":\"list\""));
}

TEST(shell_unknown_verb_is_one_line)
{
	start();
	CHECK_STREQ(fake_run("frobnicate 1 2"),
		    "frobnicate 1 2\nskiff: unknown command 'frobnicate': type help\nskiff> ");
	CHECK(strstr(fake_run("json frobnicate"),
		     "{\"ok\":false,\"verb\":\"skiff\",\"error\":\"unknown "
		     "command 'frobnicate': type help\"}\n"));
}

TEST(shell_bad_arguments_are_one_line)
{
	start();
	CHECK_STREQ(fake_run("pause"), "pause\npause: usage: pause <vm>\nskiff> ");
	CHECK_STREQ(fake_run("list extra"), "list extra\nlist: usage: list \nskiff> ");
	CHECK_STREQ(fake_run("a b c d e f g h i j k l"),
		    "a b c d e f g h i j k l\nskiff: too many arguments\nskiff> ");
	CHECK_STREQ(fake_run("log zero"),
		    "log zero\nlog: N must be a number of lines above 0, not 'zero'\nskiff> ");
	CHECK_STREQ(fake_run("top -x 3"), "top -x 3\ntop: usage: top [-n N]\nskiff> ");
	CHECK_STREQ(fake_run("top -n 0"),
		    "top -n 0\ntop: -n wants a number of frames above 0, not '0'\nskiff> ");
	CHECK(strstr(fake_run("json"), "\"error\":\"json needs a verb: json <verb> [args]\"}\n"));
	CHECK_STREQ(fake_run(""), "\nskiff> ");
	CHECK_STREQ(fake_run("   "), "   \nskiff> ");
}

TEST(shell_missing_vms)
{
	start();
	CHECK_STREQ(fake_run("pause nope"),
		    "pause nope\npause: no VM named 'nope' (see list)\nskiff> ");
	CHECK_STREQ(fake_run("info 9"), "info 9\ninfo: no VM with id 9 (see list)\nskiff> ");
	CHECK_STREQ(fake_run("destroy 99999999999999999999"),
		    "destroy 99999999999999999999\ndestroy: no VM with id 999999999999 (see "
		    "list)\nskiff> ");
	fake.list_err = SKIFF_E_DENIED;
	CHECK(strstr(fake_run("list"), "list: the hypervisor cannot list VMs: not allowed\n"));
}

TEST(shell_pause_unpause)
{
	start();
	CHECK(strstr(fake_run("pause hello"), "vm 1 'hello' paused\n"));
	CHECK_EQ(fake.last_ctrl_op, SKIFF_VMCTL_PAUSE);
	CHECK_EQ(fake.vms[1].state, SKIFF_VM_STATE_PAUSED);
	CHECK(strstr(fake_run("pause 1"), "pause: vm 1 'hello' is paused, not running\n"));
	CHECK(strstr(fake_run("unpause 1"), "vm 1 'hello' unpaused\n"));
	CHECK(strstr(fake_run("unpause hello"), "unpause: vm 1 'hello' is running, not paused\n"));
	CHECK(strstr(fake_run("json pause 2"),
		     "{\"ok\":true,\"verb\":\"pause\",\"id\":2,\"name\":\"ticker\",\"result\":"
		     "\"paused\"}"));
}

TEST(shell_refuses_the_root_itself)
{
	start();
	CHECK(strstr(fake_run("destroy root"), "destroy: vm 0 'root' is the root partition running "
					       "this shell ('debug crash' restarts it)\n"));
	CHECK(strstr(fake_run("pause 0"), "pause: vm 0 'root' is the root partition"));
	CHECK_EQ(fake.last_ctrl_op, 0);
}

TEST(shell_destroy_reboot)
{
	start();
	/* the hypervisor says it; the verb prints its line at once */
	CHECK_STREQ(fake_run("reboot ticker"), "reboot ticker\nvm 2 'ticker' rebooting\nskiff> ");
	CHECK_EQ(fake.acked, fake.held_len);
	CHECK_EQ(fake.last_ctrl_op, SKIFF_VMCTL_REBOOT);
	CHECK(strstr(fake_run("json destroy ticker"), "\"result\":\"destroyed\"}"));
	CHECK_EQ(fake.nvms, 2);
	CHECK(strstr(fake_run("info ticker"), "info: no VM named 'ticker' (see list)\n"));
}

TEST(shell_create)
{
	start();
	CHECK_STREQ(fake_run("create spare"),
		    "create spare\nvm 7 'spare' created: 2048 KiB, 1 vCPU, "
		    "weight 256, cap 0%\nskiff> ");
	CHECK(strstr(fake_run("json create extra"),
		     "\"id\":7,\"name\":\"extra\",\"result\":\"created\"}"));
	fake.create_err = SKIFF_E_NOENT;
	CHECK(strstr(fake_run("create nothing"),
		     "create: no VM named 'nothing' in the boot config\n"));
	fake.create_err = SKIFF_E_BUSY;
	CHECK(strstr(fake_run("create hello"),
		     "create: a VM named 'hello' exists and has not exited: "
		     "destroy it first\n"));
	fake.create_err = SKIFF_E_NOMEM;
	CHECK(strstr(fake_run("create big"), "create: cannot create 'big': out of memory\n"));
}

TEST(shell_names_shared_by_a_dead_and_a_live_vm)
{
	start();
	fake.vms[1].state = SKIFF_VM_STATE_SHUTDOWN;
	fake_add(5, "hello", SKIFF_VM_STATE_RUNNING);
	CHECK(strstr(fake_run("pause hello"), "vm 5 'hello' paused\n"));
	fake.vms[3].state = SKIFF_VM_STATE_PARKED;
	CHECK(strstr(fake_run("destroy hello"),
		     "destroy: 2 VMs are named 'hello': use an id (see list)\n"));
}

TEST(shell_info)
{
	start();
	fake.vms[1].cap = 25;
	const char *s = fake_run("info hello");
	CHECK(strstr(s,
		     "vm 1 'hello'\n  state      running\n  memory     2048 KiB promised: 0 "
		     "resident, 0 shared, 0 ballooned, 0 swapped, 2048 untouched\n  balloon    no "
		     "balloon channel\n"));
	CHECK(strstr(s, "  cap        25 % of a CPU\n"));
	CHECK(strstr(s, "  channels   none\n  heartbeat  no heartbeat channel\n"));
	CHECK(strstr(fake_run("info 0"), "vm 0 'root' (root partition)\n"));
	CHECK(strstr(fake_run("json info 1"),
		     "{\"ok\":true,\"verb\":\"info\",\"id\":1,\"name\":\"hello\""));
}

TEST(shell_shutdown_needs_the_channel)
{
	start();
	CHECK(strstr(fake_run("shutdown hello"),
		     "shutdown: vm 1 'hello' has no shutdown channel open: "
		     "'destroy 1' stops it at once\n"));
	fake.services[1] = 1 << 3;
	CHECK(strstr(fake_run("shutdown hello"), "vm 1 'hello' asked to shut down\n"));
	CHECK_EQ(fake.shutdown_requests, 1);
	fake.vms[1].state = SKIFF_VM_STATE_PAUSED;
	CHECK(strstr(fake_run("shutdown hello"), "is paused, not running: unpause it first\n"));
}

TEST(shell_log_last_lines)
{
	start();
	fake.log = "vm 1 'a' parked: x\nvm 2 'b' exited with code 0\nvm 3 'c' rebooting\n";
	CHECK_STREQ(fake_run("log 2"),
		    "log 2\nvm 2 'b' exited with code 0\nvm 3 'c' rebooting\nskiff> ");
	CHECK(strstr(fake_run("log"), "log\nvm 1 'a' parked: x\n"));
	CHECK(strstr(fake_run("json log 1"),
		     "{\"ok\":true,\"verb\":\"log\",\"lines\":[\"vm 3 'c' rebooting\"]}\n"));
	fake.log = "unfinished";
	CHECK_STREQ(fake_run("log"), "log\nunfinished\nskiff> ");
}

TEST(shell_top_until_a_key)
{
	start();
	const char *s = fake_run("top");
	CHECK(strstr(s, "skiff top") == 0); /* first frame after half a second */
	fake.now_us += 500000;
	fake.vms[1].cpu_us += 250000;
	shell_tick(fake.now_us);
	term_flush();
	s = fake_screen();
	CHECK(strstr(s, "skiff top: 3 VMs, 0.500 s interval, any key quits\n"));
	CHECK(strstr(s, "   1 hello                    running     50.0      2048         0        "
			" 0         0 "
			"    1 1            0.252\n"));
	CHECK_EQ(shell_tick(fake.now_us + 1), fake.now_us + 1000000);
	fake_type("q");
	CHECK(strstr(fake_screen(), "skiff> "));
	CHECK_EQ(shell_tick(fake.now_us + 5000000), 0);
}

TEST(shell_top_frames)
{
	start();
	fake_run("top -n 2");
	for (int i = 0; i < 2; i++) {
		fake.now_us += 1000000;
		shell_tick(fake.now_us);
	}
	term_flush();
	const char *s = fake_screen();
	CHECK_EQ(count(s, "skiff top: 3 VMs"), 2);
	CHECK(strstr(s, "skiff> "));
}

TEST(shell_console_needs_the_channel)
{
	start();
	CHECK(strstr(fake_run("console hello"),
		     "console: vm 1 'hello' has no console channel open (its "
		     "lines show as [hello])\n"));
	CHECK(strstr(fake_run("console root"), "console: vm 0 'root' is the root partition"));
	CHECK(strstr(fake_run("json console 1"), "console is interactive"));
}

TEST(shell_console_attach_and_detach)
{
	start();
	fake.services[1] = 1 << 1;
	CHECK(strstr(fake_run("console 1"), "[attached to vm 1 'hello': Ctrl-] returns]\n"));
	CHECK_EQ(shell_attached_vm(), 1);
	fake_type("ls\r");
	CHECK_EQ(fake.console_in_len, 3);
	CHECK(memcmp(fake.console_in, "ls\r", 3) == 0);
	CHECK(!term_notice("[ticker] tick")); /* held while attached */
	fake_type("\x1d");
	const char *s = fake_screen();
	CHECK(strstr(s, "[detached from vm 1 'hello': Ctrl-]]\n"));
	CHECK(strstr(s, "(1 line from other VMs was not shown meanwhile)"));
	CHECK(strstr(s, "skiff> "));
	CHECK_EQ(shell_attached_vm(), SKIFF_VM_NONE);
}

TEST(shell_machine_requests)
{
	start();
	fake_run("list");
	const char *s = fake_run("\x1d\x15@42 pause nope");
	CHECK(strstr(s, "\n@42 begin\npause: no VM named 'nope' (see list)\n@42 end 1\nskiff> "));
	s = fake_run("@43 json list");
	CHECK(strstr(s, "\n@43 begin\n{\"ok\":true,\"verb\":\"list\""));
	CHECK(strstr(s, "}]}\n@43 end 0\nskiff> "));
	CHECK(strstr(fake_run("@44 "), "@44 begin\n@44 end 0\n"));
	fake_type("\x1b[A"); /* machine requests stay out of the history */
	CHECK(strstr(fake_screen(), "list"));
	fake_type("\x15");
	CHECK(strstr(fake_run("@x list"), "skiff: unknown command '@x'"));
}

TEST(shell_machine_top_ends_with_the_marker)
{
	start();
	fake_run("@7 top -n 1");
	CHECK(strstr(fake_raw(), "\x1b[2J") == 0);
	fake.now_us += 600000;
	shell_tick(fake.now_us);
	term_flush();
	const char *s = fake_raw();
	CHECK(strstr(s, "\x1b[2J") == 0); /* no screen control for machines */
	CHECK(strstr(s, "@7 end 0"));
}

TEST(shell_history_from_the_shell)
{
	start();
	fake_run("list");
	fake_run("info 1");
	fake_type("\x1b[A\x1b[A\r");
	CHECK(strstr(fake_screen(), "Name"));
}

TEST(shell_notices_keep_the_prompt)
{
	start();
	fake_type("pau");
	fake_screen();
	CHECK(term_notice("[hello] hello: %d s", 3));
	term_flush();
	CHECK_STREQ(fake_raw(), "\r\x1b[K[hello] hello: 3 s\n\rskiff> pau\x1b[K");
}

TEST(shell_help)
{
	start();
	const char *s = fake_run("help");
	CHECK(strstr(
		s, "  list                 VMs: id, name, memory, vCPUs and their CPUs, state, CPU "
		   "time\n"));
	CHECK(strstr(s, "  console <vm>         attach to a VM's console; Ctrl-] comes back\n"));
	CHECK(strstr(s, "  mem-set <vm> <size>  a VM's memory target"));
	CHECK_STREQ(fake_run("help pause"),
		    "help pause\n  pause <vm>           stop scheduling a VM\nskiff> ");
	CHECK(strstr(fake_run("help nothing"), "help: no verb 'nothing' (help lists them)\n"));
}

TEST(shell_cpu_lists)
{
	unsigned int mask;
	const char *err;
	char buf[48];

	CHECK_EQ(parse_cpu_list("all", &mask, &err), 0);
	CHECK_EQ(mask, 0);
	CHECK_EQ(parse_cpu_list("3", &mask, &err), 0);
	CHECK_EQ(mask, 0x8);
	CHECK_EQ(parse_cpu_list("0-2,5", &mask, &err), 0);
	CHECK_EQ(mask, 0x27);
	CHECK_EQ(parse_cpu_list("7,1-1,31", &mask, &err), 0);
	CHECK_EQ(mask, 0x80000082);
	CHECK_STREQ(cpu_mask_text(0x27, buf, sizeof(buf)), "0-2,5");
	CHECK_STREQ(cpu_mask_text(0x80000082, buf, sizeof(buf)), "1,7,31");
	CHECK_STREQ(cpu_mask_text(0, buf, sizeof(buf)), "all");
	CHECK_STREQ(cpu_mask_text(0xffffffff, buf, sizeof(buf)), "0-31");
	static const char *const bad[] = { "",   "32", "1,", ",1",   "2-0",
					   "1-", "-1", "a",  "1--2", "0x" };
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = 0;
		CHECK_EQ(parse_cpu_list(bad[i], &mask, &err), -1);
		CHECK(err && err[0]);
	}
}

/* hello with four vCPUs: on CPUs 1 and 0, the third off, the fourth blocked on CPU 1. */
static void four_vcpus(void)
{
	struct skiff_vm_status *st = &fake.vms[1];

	st->vcpus = 4;
	st->vcpu_cpu[0] = 1, st->vcpu_state[0] = SKIFF_VCPU_STATE_RUNNING;
	st->vcpu_cpu[1] = 0, st->vcpu_state[1] = SKIFF_VCPU_STATE_RUNNABLE;
	st->vcpu_cpu[2] = 0, st->vcpu_state[2] = SKIFF_VCPU_STATE_OFF;
	st->vcpu_cpu[3] = 1, st->vcpu_state[3] = SKIFF_VCPU_STATE_BLOCKED;
	st->vcpu_mask[3] = 0x2;
}

TEST(shell_placement_in_list_info_top)
{
	start();
	four_vcpus();
	CHECK(strstr(fake_run("list"), "hello                       1      2048         0     4 "
				       "1,0,-,1 running "));
	CHECK(strstr(fake_run("info hello"),
		     "  vcpus      4 on CPU 1,0,-,1 (vcpu-list: states, affinity)\n"));
	fake.vms[2].state = SKIFF_VM_STATE_SHUTDOWN;
	fake.vms[2].vcpu_state[0] = SKIFF_VCPU_STATE_OFF;
	CHECK(strstr(fake_run("list"),
		     "ticker                      2      2048         0     1 - "));
	fake_run("top -n 1");
	fake.now_us += 500000;
	shell_tick(fake.now_us);
	term_flush();
	CHECK(strstr(fake_screen(), "    4 1,0,-,1 "));
}

TEST(shell_vcpu_list)
{
	start();
	four_vcpus();
	const char *s = fake_run("vcpu-list hello");
	CHECK(strstr(s, "Name                       ID VCPU  CPU  State     Affinity\n"
			"hello                       1    0    1  running   all\n"
			"hello                       1    1    0  runnable  all\n"
			"hello                       1    2    0  off       all\n"
			"hello                       1    3    1  blocked   1\n"));
	CHECK(strstr(s, "root") == 0);
	s = fake_run("vcpu-list");
	CHECK(strstr(s, "root                        0    0    0  runnable  all\n"));
	CHECK(strstr(s, "ticker                      2    0    0  runnable  all\n"));
	CHECK(strstr(fake_run("json vcpu-list 1"),
		     "{\"ok\":true,\"verb\":\"vcpu-list\",\"vms\":[{\"id\":1,\"name\":\"hello\","
		     "\"vcpu_list\":[{\"vcpu\":0,\"cpu\":1,\"state\":\"running\",\"affinity\":"
		     "\"all\"},"));
	CHECK(strstr(fake_run("vcpu-list nosuch"), "vcpu-list: no VM named 'nosuch' (see list)\n"));
}

TEST(shell_vcpu_pin)
{
	start();
	four_vcpus();
	CHECK(strstr(fake_run("vcpu-pin hello 2 1"), "vm 1 'hello' vCPU 2 pinned to CPUs 1\n"));
	CHECK_EQ(fake.last_pin_vcpu, 2);
	CHECK_EQ(fake.last_pin_mask, 0x2);
	CHECK_EQ(fake.vms[1].vcpu_mask[2], 0x2);
	CHECK(strstr(fake_run("vcpu-pin 1 all 0-1"),
		     "vm 1 'hello' all vCPUs pinned to CPUs 0-1\n"));
	CHECK_EQ(fake.last_pin_vcpu, SKIFF_VCPU_ALL);
	CHECK_EQ(fake.vms[1].vcpu_mask[0], 0x3);
	CHECK(strstr(fake_run("vcpu-pin hello all all"), "all vCPUs pinned to CPUs all\n"));
	CHECK_EQ(fake.vms[1].vcpu_mask[3], 0);
	CHECK(strstr(fake_run("json vcpu-pin hello 0 1"),
		     "{\"ok\":true,\"verb\":\"vcpu-pin\",\"id\":1,\"name\":\"hello\",\"result\":"
		     "\"vCPU 0 pinned to CPUs 1\"}"));
	/* Refused before the hypervisor is asked, or by it: one line each, nothing changed. */
	fake.last_pin_mask = 0x55;
	CHECK(strstr(fake_run("vcpu-pin hello 4 1"),
		     "vcpu-pin: vm 1 'hello' has vCPUs 0 to 3 (or all), not '4'\n"));
	CHECK(strstr(fake_run("vcpu-pin hello 0 2-0"),
		     "vcpu-pin: '2-0': a CPU range runs from low to high (0-2, not 2-0)\n"));
	CHECK(strstr(fake_run("vcpu-pin hello 0 x"), "vcpu-pin: 'x': CPUs are numbers from 0"));
	CHECK_EQ(fake.last_pin_mask, 0x55);
	CHECK(strstr(fake_run("vcpu-pin hello 0 5-7"), "vcpu-pin: none of CPUs 5-7 is online\n"));
	CHECK_EQ(fake.vms[1].vcpu_mask[0], 0x2); /* as the JSON pin left it */
	fake.pin_err = SKIFF_E_DENIED;
	CHECK(strstr(fake_run("vcpu-pin hello 0 1"), "vcpu-pin: cannot pin vm 1 'hello': "));
	CHECK(strstr(fake_run("vcpu-pin nosuch 0 1"),
		     "vcpu-pin: no VM named 'nosuch' (see list)\n"));
	CHECK(strstr(fake_run("vcpu-pin hello 0"), "vcpu-pin: usage: vcpu-pin <vm> <vcpu|all> "
						   "<cpus|all>\n"));
}
