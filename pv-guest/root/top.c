/**
 * top: CPU % and memory per VM, a frame a second (the first after half a second) until a key is
 * hit, or `-n N` frames. CPU % is the VM's CPU time over the frame's wall time, all vCPUs summed
 * (so a VM with two busy vCPUs shows 200 %). Machine requests get frames without screen control;
 * `json top` answers one 1-second sample.
 */
#include <pv/args.h>
#include <pv/fmt.h>
#include <pv/string.h>

#include "hv.h"
#include "json.h"
#include "term.h"
#include "verbs.h"

#define FIRST_FRAME_US 500000UL
#define FRAME_US 1000000UL

static struct {
	struct cmd cmd;
	unsigned long frames_left; /* 0: until a key */
	unsigned long sample_us;   /* when the CPU times in the records were sampled */
	unsigned long next_us;
} top;

static void sample(void)
{
	for (struct vm_rec *r = vms_next(0); r; r = vms_next(r))
		r->top_cpu_us = (unsigned long)r->st.cpu_us;
	top.sample_us = hv_now_us();
}

/* Per mille of one CPU used by `r` since the last sample. */
static unsigned long permille(const struct vm_rec *r, unsigned long wall_us)
{
	unsigned long used = (unsigned long)r->st.cpu_us - r->top_cpu_us;

	if ((unsigned long)r->st.cpu_us < r->top_cpu_us || !wall_us)
		return 0; /* new since the last sample, or rebooted */
	return used * 1000 / wall_us;
}

static void frame_json(unsigned long wall_us)
{
	verb_json_begin(&top.cmd);
	json_uint("interval_us", wall_us);
	json_array("vms");
	for (struct vm_rec *r = vms_next(0); r; r = vms_next(r)) {
		json_object(0);
		json_uint("id", r->st.id);
		json_str("name", r->st.name);
		json_str("state", vm_state_name(r->st.state));
		json_uint("cpu_permille", permille(r, wall_us));
		json_uint("memory_kib", (unsigned long)(r->st.ram_bytes / 1024));
		verb_json_memory(r);
		verb_json_placement(r);
		json_close();
	}
	json_end();
}

static void frame_text(unsigned long wall_us, long n)
{
	char t[24], p[24];

	if (!top.cmd.machine)
		term_puts("\x1b[H\x1b[2J"); /* cursor home, erase screen */
	term_printf("skiff top: %ld VMs, %s s interval%s\n", n, fmt_seconds(t, sizeof(t), wall_us),
		    top.frames_left ? "" : ", any key quits");
	term_printf("%4s %-24s %-8s %7s %9s %9s %9s %9s %5s %-7s %10s\n", "ID", "Name", "State",
		    "CPU%", "Mem(KiB)", "RSS(KiB)", "Shr(KiB)", "Swap(KiB)", "VCPUs", "CPU",
		    "Time(s)");
	for (struct vm_rec *r = vms_next(0); r; r = vms_next(r)) {
		unsigned long pm = permille(r, wall_us);

		term_printf("%4u %-24s %-8s %5lu.%lu %9lu %9lu %9lu %9lu %5u %-7s %10s\n", r->st.id,
			    r->st.name, vm_state_name(r->st.state), pm / 10, pm % 10,
			    (unsigned long)(r->st.ram_bytes >> 10),
			    (unsigned long)(r->st.resident_bytes >> 10),
			    (unsigned long)(r->st.shared_bytes >> 10),
			    (unsigned long)(r->st.swapped_bytes >> 10), r->st.vcpus,
			    vcpu_placement(&r->st, p, sizeof(p)),
			    fmt_seconds(t, sizeof(t), (unsigned long)r->st.cpu_us));
	}
}

/* One frame; false when it was the last. */
static bool frame(unsigned long now_us)
{
	unsigned long wall = now_us - top.sample_us;
	long n = vms_refresh();

	if (n < 0) {
		verb_fail(&top.cmd, "the hypervisor cannot list VMs: %s", hv_strerror(n));
		return false;
	}
	if (top.cmd.json)
		frame_json(wall);
	else
		frame_text(wall, n);
	sample();
	top.next_us = now_us + FRAME_US;
	return !top.frames_left || --top.frames_left;
}

static unsigned long tick(unsigned long now_us)
{
	if (now_us < top.next_us)
		return top.next_us;
	if (frame(now_us))
		return top.next_us;
	shell_finish(VERB_OK);
	return 0;
}

static void input(char c)
{
	(void)c;
	shell_finish(VERB_OK);
}

static const struct verb_mode top_mode = { input, tick };

int verb_top(const struct cmd *c)
{
	unsigned long n = 0;
	long err = vms_refresh();

	if (c->argc == 1 || (c->argc == 2 && strcmp(c->argv[0], "-n")))
		return verb_fail(c, "usage: top [-n N]");
	if (c->argc == 2 && (pv_parse_ulong(c->argv[1], strlen(c->argv[1]), &n) || !n))
		return verb_fail(c, "-n wants a number of frames above 0, not '%.16s'", c->argv[1]);
	if (err < 0)
		return verb_fail(c, "the hypervisor cannot list VMs: %s", hv_strerror(err));
	top.cmd = *c;
	top.frames_left = c->json ? 1 : n;
	sample();
	top.next_us = top.sample_us + (c->json ? FRAME_US : FIRST_FRAME_US);
	shell_enter(&top_mode);
	return VERB_ASYNC;
}
