/**
 * Memory: size parsing, the BALLOON messages on both ends (pv-guest/lib/balloon_msg.c), the
 * policy's decisions and rounds (pv-guest/root/balloon.c), and the verbs mem-set and mem.
 */
#include <pv/balloon_msg.h>
#include <pv/test.h>
#include <string.h>

#include "balloon.h"
#include "fake.h"
#include "hyplog.h"
#include "shell.h"
#include "term.h"
#include "vms.h"

#define MiB (1ULL << 20)

static void start(void)
{
	fake_reset();
	fake.vms[1].ram_bytes = 64 * MiB;
	fake.services[1] = 1 << SKIFF_CLASS_BALLOON;
	fake.host.host_total = 256 * MiB;
	fake.host.host_free = 100 * MiB;
	fake.balloon_vm = 1;
	hyplog_start();
	shell_start(0);
	term_flush();
	fake_screen();
	vms_refresh();
}

/* The guest's answer to the last packet root sent it. */
static void answer(unsigned long long balloon, unsigned long long free, unsigned long long target)
{
	struct skiff_balloon_status st = { balloon, free, target, 0, 0 };

	balloon_status(fake.balloon_vm, fake.balloon_txid, &st);
}

TEST(balloon_sizes)
{
	unsigned long long b;

	CHECK(parse_size("4096", &b) && b == 4096);
	CHECK(parse_size("64M", &b) && b == 64 * MiB);
	CHECK(parse_size("512k", &b) && b == 512 << 10);
	CHECK(parse_size("1G", &b) && b == 1ULL << 30);
	CHECK(parse_size("2MiB", &b) && b == 2 * MiB);
	CHECK(parse_size("3mb", &b) && b == 3 * MiB);
	CHECK(!parse_size("", &b));
	CHECK(!parse_size("M", &b));
	CHECK(!parse_size("-1", &b));
	CHECK(!parse_size("12X", &b));
	CHECK(!parse_size("1.5G", &b));
	CHECK(!parse_size("64MM", &b));
	CHECK(!parse_size("99999999999999999999", &b));
	CHECK(!parse_size("99999999999G", &b)); /* overflows when shifted */
}

TEST(balloon_guest_decodes_root_packets)
{
	struct skiff_packet pkt = { .type = SKIFF_PKT_BALLOON_TARGET };
	struct skiff_balloon_target t = { 40 * MiB + 1 };
	unsigned long long target;
	unsigned long pages;

	CHECK_EQ(pv_balloon_decode(&pkt, &t, sizeof(t), 64 * MiB, &target, &pages), PV_BALLOON_SET);
	CHECK_EQ(target, 40 * MiB + 4096); /* rounded up to a page */
	CHECK_EQ(pages, (24 * MiB - 4096) / 4096);
	t.target_bytes = 100 * MiB; /* more than RAM: an empty balloon */
	CHECK_EQ(pv_balloon_decode(&pkt, &t, sizeof(t), 64 * MiB, &target, &pages), PV_BALLOON_SET);
	CHECK(target == 64 * MiB && pages == 0);
	t.target_bytes = ~0ULL;
	CHECK_EQ(pv_balloon_decode(&pkt, &t, sizeof(t), 64 * MiB, &target, &pages), PV_BALLOON_SET);
	CHECK_EQ(pages, 0);
	CHECK_EQ(pv_balloon_decode(&pkt, &t, 4, 64 * MiB, &target, &pages), PV_BALLOON_BAD);
	CHECK_EQ(pv_balloon_decode(&pkt, &t, 16, 64 * MiB, &target, &pages), PV_BALLOON_BAD);
	pkt.type = SKIFF_PKT_REQUEST;
	CHECK_EQ(pv_balloon_decode(&pkt, &t, 0, 64 * MiB, &target, &pages), PV_BALLOON_QUERY);
	CHECK_EQ(pv_balloon_decode(&pkt, &t, 8, 64 * MiB, &target, &pages), PV_BALLOON_BAD);
	pkt.type = SKIFF_PKT_DATA;
	CHECK_EQ(pv_balloon_decode(&pkt, &t, 0, 64 * MiB, &target, &pages), PV_BALLOON_BAD);
}

TEST(balloon_root_checks_statuses)
{
	struct skiff_packet pkt = { .type = SKIFF_PKT_BALLOON_STATUS };
	struct skiff_balloon_status st = { 8 * MiB, 20 * MiB, 56 * MiB, 0, 0 }, out;

	CHECK(pv_balloon_check_status(&pkt, &st, sizeof(st), 64 * MiB, &out) == 0);
	CHECK_EQ(out.free_bytes, 20 * MiB);
	CHECK_STREQ(pv_balloon_check_status(&pkt, &st, 8, 64 * MiB, &out),
		    "a status of the wrong size");
	st.balloon_bytes = 65 * MiB;
	CHECK(pv_balloon_check_status(&pkt, &st, sizeof(st), 64 * MiB, &out) != 0);
	st.balloon_bytes = 4097;
	CHECK(pv_balloon_check_status(&pkt, &st, sizeof(st), 64 * MiB, &out) != 0);
	st.balloon_bytes = 0;
	st.free_bytes = 128 * MiB;
	CHECK(pv_balloon_check_status(&pkt, &st, sizeof(st), 64 * MiB, &out) != 0);
	st.free_bytes = 0;
	st.result = 7;
	CHECK_STREQ(pv_balloon_check_status(&pkt, &st, sizeof(st), 64 * MiB, &out),
		    "an unknown result code");
	pkt.type = SKIFF_PKT_DATA;
	CHECK_STREQ(pv_balloon_check_status(&pkt, &st, sizeof(st), 64 * MiB, &out),
		    "not a status packet");
}

TEST(balloon_policy_decisions)
{
	struct balloon_rec b = { .known = true, .last = { 0, 40 * MiB, 64 * MiB, 0, 0 } };

	CHECK_EQ(policy_level(256 * MiB, 7 * MiB), HOST_SHORT); /* below 2 x 4 MiB */
	CHECK_EQ(policy_level(256 * MiB, 20 * MiB), HOST_OK);
	CHECK_EQ(policy_level(256 * MiB, 40 * MiB), HOST_PLENTY);
	CHECK_EQ(policy_level(8 * MiB, 500 << 10), HOST_SHORT); /* at least 64 pages low */
	/* Short: half the free heap, at most POLICY_MAX_GIVE a round. */
	CHECK_EQ(policy_target(HOST_SHORT, 64 * MiB, &b), 44 * MiB);
	b.last.free_bytes = 1000 * MiB;
	CHECK_EQ(policy_target(HOST_SHORT, 2048 * MiB, &b), 2048 * MiB - POLICY_MAX_GIVE);
	b.last.free_bytes = 300 << 10; /* too little to bother */
	CHECK_EQ(policy_target(HOST_SHORT, 64 * MiB, &b), 0);
	/* OK: nothing; plenty: only what the policy inflated deflates, fully. */
	b.last = (struct skiff_balloon_status){ 20 * MiB, 10 * MiB, 44 * MiB, 0, 0 };
	CHECK_EQ(policy_target(HOST_OK, 64 * MiB, &b), 0);
	CHECK_EQ(policy_target(HOST_PLENTY, 64 * MiB, &b), 0);
	b.policy_target = 44 * MiB;
	CHECK_EQ(policy_target(HOST_PLENTY, 64 * MiB, &b), 64 * MiB);
	/* A mem-set target is the operator's: the policy leaves the VM alone. */
	b.set_target = 44 * MiB;
	CHECK_EQ(policy_target(HOST_SHORT, 64 * MiB, &b), 0);
	CHECK_EQ(policy_target(HOST_PLENTY, 64 * MiB, &b), 0);
	b = (struct balloon_rec){ 0 }; /* nothing heard yet */
	CHECK_EQ(policy_target(HOST_SHORT, 64 * MiB, &b), 0);
}

TEST(balloon_policy_rounds)
{
	start();
	answer(0, 40 * MiB, 64 * MiB); /* the guest's first status */
	fake.now_us += 10000000;
	balloon_poll(fake.now_us); /* 100 MiB free of 256: nothing to do */
	CHECK_EQ(fake.balloon_sends, 0);
	fake.host.host_free = 5 * MiB;
	balloon_memory_event();
	CHECK_EQ(balloon_poll(fake.now_us), fake.now_us + POLICY_US);
	term_flush();
	CHECK(strstr(fake_screen(), "root: host memory low (5120 KiB free): balloons of 1 VM "
				    "asked for 20480 KiB\n"));
	CHECK(fake.balloon_sends == 1 && fake.balloon_vm == 1);
	CHECK_EQ(fake.balloon_target, 44 * MiB);
	/* Until the answer comes, the next rounds wait for it. */
	balloon_poll(fake.now_us += POLICY_US);
	CHECK_EQ(fake.balloon_sends, 1);
	answer(20 * MiB, 20 * MiB, 44 * MiB);
	balloon_poll(fake.now_us += POLICY_US); /* still short: another half */
	CHECK(fake.balloon_sends == 2 && fake.balloon_target == 34 * MiB);
	answer(30 * MiB, 10 * MiB, 34 * MiB);
	CHECK(strstr(fake_run("info hello"),
		     "  balloon    target 34816 KiB (policy), holds 30720 KiB, "
		     "guest free 10240 KiB"));
	fake.host.host_free = 200 * MiB; /* plenty: back to all of it */
	balloon_poll(fake.now_us += POLICY_US);
	CHECK(fake.balloon_sends == 3 && fake.balloon_target == 64 * MiB);
	term_flush();
	CHECK(strstr(fake_screen(), "root: host memory plentiful (204800 KiB free): balloons of 1 "
				    "VM deflating\n"));
	answer(0, 40 * MiB, 64 * MiB);
	balloon_poll(fake.now_us += POLICY_IDLE_US);
	CHECK_EQ(fake.balloon_sends, 3);
}

TEST(balloon_mem_set)
{
	start();
	CHECK_STREQ(fake_run("mem-set hello 16M"), "mem-set hello 16M\n");
	CHECK(fake.balloon_vm == 1 && fake.balloon_target == 16 * MiB);
	answer(48 * MiB, 1 * MiB, 16 * MiB);
	shell_tick(fake.now_us);
	term_flush();
	CHECK_STREQ(fake_screen(), "vm 1 'hello' memory target 16384 KiB: balloon 49152 KiB, guest "
				   "free 1024 KiB\nskiff> ");
	/* The policy leaves it alone now, even when memory is short. */
	fake.host.host_free = 1 * MiB;
	balloon_memory_event();
	balloon_poll(fake.now_us += 1000);
	CHECK_EQ(fake.balloon_sends, 1);
	/* A target the heap cannot reach; JSON; no answer in time. */
	fake_run("json mem-set 1 1M");
	answer(50 * MiB, 0, 1 * MiB);
	shell_tick(fake.now_us);
	term_flush();
	CHECK_STREQ(fake_screen(),
		    "{\"ok\":true,\"verb\":\"mem-set\",\"id\":1,\"name\":\"hello\","
		    "\"memory_kib\":65536,\"target_kib\":1024,\"answered\":true,"
		    "\"balloon_kib\":51200,\"free_kib\":0,\"reached\":false}\nskiff> ");
	fake_run("mem-set hello 64M");
	CHECK_EQ(shell_tick(fake.now_us), fake.now_us + MEMSET_WAIT_US);
	shell_tick(fake.now_us + MEMSET_WAIT_US);
	term_flush();
	CHECK(strstr(fake_screen(), "vm 1 'hello' memory target 65536 KiB: sent, no answer from "
				    "its balloon yet\n"));
	CHECK_EQ(vms_get(1)->balloon.set_target, 0); /* all of it: no target kept */
}

TEST(balloon_mem_set_errors_are_one_line)
{
	start();
	CHECK_STREQ(fake_run("mem-set ghost 1M"),
		    "mem-set ghost 1M\nmem-set: no VM named 'ghost' (see list)\nskiff> ");
	CHECK_STREQ(fake_run("mem-set hello lots"),
		    "mem-set hello lots\nmem-set: bad size 'lots': "
		    "bytes, or a number with K, M or G (64M)\nskiff> ");
	CHECK_STREQ(fake_run("mem-set hello 0"),
		    "mem-set hello 0\nmem-set: bad size '0': bytes, or a "
		    "number with K, M or G (64M)\nskiff> ");
	CHECK_STREQ(fake_run("mem-set hello 65M"), "mem-set hello 65M\nmem-set: vm 1 'hello' was "
						   "promised 65536 KiB: the target cannot be "
						   "more\nskiff> ");
	CHECK_STREQ(fake_run("mem-set ticker 1M"),
		    "mem-set ticker 1M\nmem-set: vm 2 'ticker' has no "
		    "balloon channel open\nskiff> ");
	CHECK_STREQ(fake_run("mem-set hello"), "mem-set hello\nmem-set: usage: mem-set <vm> "
					       "<size>\nskiff> ");
	CHECK(strstr(fake_run("json mem-set root 1M"),
		     "{\"ok\":false,\"verb\":\"mem-set\",\"error\":\"vm 0 'root' has no balloon "
		     "channel open\"}\n"));
	CHECK_EQ(fake.balloon_sends, 0);
}

TEST(balloon_mem_verb)
{
	start();
	fake.host = (struct skiff_mem_info){ .host_total = 256 * MiB,
					     .host_free = 100 * MiB,
					     .host_shared_frames = 1 * MiB,
					     .host_shared_pages = 30 * MiB,
					     .host_zero_pages = 2 * MiB };
	fake.vms[1].ballooned_bytes = 8 * MiB;
	vms_refresh();
	answer(6 * MiB, 0, 58 * MiB);
	const char *s = fake_run("mem");
	CHECK(strstr(s,
		     "mem\ntotal      262144 KiB\nfree       102400 KiB\nshared     1024 KiB of "
		     "frames hold 30720 KiB of guest pages\nzero       2048 KiB of guest pages "
		     "read the zero frame\nswap       none\nballoons   6144 KiB held by 1 VM; 8192 "
		     "KiB of pages released and not touched since\nskiff> "));
	fake.host.host_swap_total = 128 * MiB;
	fake.host.host_swap_used = 4 * MiB;
	CHECK(strstr(fake_run("mem"), "swap       4096 KiB used of 131072 KiB\n"));
	CHECK(strstr(
		fake_run("mem --json"),
		"{\"ok\":true,\"verb\":\"mem\",\"total_kib\":262144,\"free_kib\":102400,"
		"\"shared_frames_kib\":1024,\"shared_pages_kib\":30720,\"zero_pages_kib\":2048,"
		"\"swap_total_kib\":131072,\"swap_used_kib\":4096,\"balloons_kib\":6144,"
		"\"ballooned_kib\":8192}\n"));
	fake.mem_err = SKIFF_E_DENIED;
	CHECK(strstr(fake_run("mem"), "mem: the hypervisor cannot report memory: not allowed\n"));
}
