/** The verbs about VMs: list, info, create, pause, unpause, destroy, reboot, shutdown. */
#include <pv/fmt.h>
#include <pv/string.h>
#include <skiff-abi/channel.h>

#include "hv.h"
#include "json.h"
#include "services.h"
#include "term.h"
#include "verbs.h"

const char *fmt_seconds(char *buf, unsigned long size, unsigned long us)
{
	pv_snprintf(buf, size, "%lu.%03lu", us / 1000000, us / 1000 % 1000);
	return buf;
}

static long refresh(const struct cmd *c)
{
	long n = vms_refresh();

	if (n < 0)
		verb_fail(c, "the hypervisor cannot list VMs: %s", hv_strerror(n));
	return n;
}

struct vm_rec *verb_vm_arg(const struct cmd *c, unsigned int i)
{
	const char *err;
	struct vm_rec *r;

	if (refresh(c) < 0)
		return 0;
	r = vms_find(c->argv[i], &err);
	if (!r)
		verb_fail(c, "%s", err);
	return r;
}

/* "running", or "exited (code 3)" for a VM that shut down. */
static const char *state_text(const struct vm_rec *r, char *buf, unsigned long size)
{
	if (r->st.state != SKIFF_VM_STATE_SHUTDOWN)
		return vm_state_name(r->st.state);
	pv_snprintf(buf, size, "exited(%d)", r->st.exit_code);
	return buf;
}

static unsigned long kib(unsigned long long bytes)
{
	return (unsigned long)(bytes >> 10);
}

/* Never touched: what is promised and in none of the other states. */
static unsigned long long untouched(const struct skiff_vm_status *st)
{
	unsigned long long used =
		st->resident_bytes + st->shared_bytes + st->ballooned_bytes + st->swapped_bytes;

	return used < st->ram_bytes ? st->ram_bytes - used : 0;
}

void verb_json_memory(const struct vm_rec *r)
{
	json_uint("resident_kib", kib(r->st.resident_bytes));
	json_uint("shared_kib", kib(r->st.shared_bytes));
	json_uint("ballooned_kib", kib(r->st.ballooned_bytes));
	json_uint("swapped_kib", kib(r->st.swapped_bytes));
}

static void json_vm(const struct vm_rec *r)
{
	json_object(0);
	json_uint("id", r->st.id);
	json_str("name", r->st.name);
	json_str("state", vm_state_name(r->st.state));
	json_uint("memory_kib", kib(r->st.ram_bytes));
	json_uint("vcpus", r->st.vcpus);
	json_uint("cpu_us", (unsigned long)r->st.cpu_us);
	json_uint("weight", r->st.weight);
	json_uint("cap", r->st.cap);
	json_bool("privileged", r->st.privileged != 0);
	if (r->st.state == SKIFF_VM_STATE_SHUTDOWN)
		json_int("exit_code", r->st.exit_code);
	verb_json_memory(r);
	verb_json_placement(r);
	json_close();
}

int verb_list(const struct cmd *c)
{
	char t[24], s[24], p[24];

	if (refresh(c) < 0)
		return VERB_FAIL;
	if (c->json) {
		verb_json_begin(c);
		json_array("vms");
		for (struct vm_rec *r = vms_next(0); r; r = vms_next(r))
			json_vm(r);
		json_end();
		return VERB_OK;
	}
	term_printf("%-24s %4s %9s %9s %5s %-7s %-10s %10s\n", "Name", "ID", "Mem(KiB)", "RSS(KiB)",
		    "VCPUs", "CPU", "State", "Time(s)");
	for (struct vm_rec *r = vms_next(0); r; r = vms_next(r))
		term_printf("%-24s %4u %9lu %9lu %5u %-7s %-10s %10s\n", r->st.name, r->st.id,
			    kib(r->st.ram_bytes), kib(r->st.resident_bytes), r->st.vcpus,
			    vcpu_placement(&r->st, p, sizeof(p)), state_text(r, s, sizeof(s)),
			    fmt_seconds(t, sizeof(t), (unsigned long)r->st.cpu_us));
	return VERB_OK;
}

/* When the last heartbeat came back: "0.412 s ago (round trip 35 us)", or why there is none. */
static const char *heartbeat_text(const struct vm_rec *r, char *buf, unsigned long size)
{
	char t[24];

	if (!services_has(r->st.id, SKIFF_CLASS_HEARTBEAT))
		return "no heartbeat channel";
	if (!r->heartbeat_us)
		return "none answered yet";
	pv_snprintf(buf, size, "%s s ago (round trip %lu us)",
		    fmt_seconds(t, sizeof(t), hv_now_us() - r->heartbeat_us), r->heartbeat_rtt_us);
	return buf;
}

/* The balloon line of `info`: its target and what the guest said last. */
static const char *balloon_text(const struct vm_rec *r, char *buf, unsigned long size)
{
	const struct balloon_rec *b = &r->balloon;
	char t[24];

	if (!services_has(r->st.id, SKIFF_CLASS_BALLOON))
		return "no balloon channel";
	if (!b->known)
		return "no status yet";
	pv_snprintf(buf, size, "target %lu KiB (%s), holds %lu KiB, guest free %lu KiB, %s s ago",
		    kib(b->last.target_bytes),
		    b->set_target    ? "mem-set" :
		    b->policy_target ? "policy" :
				       "none set",
		    kib(b->last.balloon_bytes), kib(b->last.free_bytes),
		    fmt_seconds(t, sizeof(t), hv_now_us() - b->status_us));
	return buf;
}

static void info_json_balloon(const struct vm_rec *r)
{
	const struct balloon_rec *b = &r->balloon;

	json_uint("untouched_kib", kib(untouched(&r->st)));
	if (!b->known)
		return;
	json_object("balloon");
	json_uint("target_kib", kib(b->last.target_bytes));
	json_str("target_by", b->set_target ? "mem-set" : b->policy_target ? "policy" : "none");
	json_uint("balloon_kib", kib(b->last.balloon_bytes));
	json_uint("free_kib", kib(b->last.free_bytes));
	json_close();
}

static void info_json(const struct cmd *c, const struct vm_rec *r, const char *chans)
{
	verb_json_begin(c);
	json_uint("id", r->st.id);
	json_str("name", r->st.name);
	json_str("state", vm_state_name(r->st.state));
	json_uint("memory_kib", kib(r->st.ram_bytes));
	json_uint("vcpus", r->st.vcpus);
	json_uint("cpu_us", (unsigned long)r->st.cpu_us);
	json_uint("weight", r->st.weight);
	json_uint("cap", r->st.cap);
	json_bool("privileged", r->st.privileged != 0);
	json_int("exit_code", r->st.exit_code);
	json_str("channels", chans);
	if (r->heartbeat_us)
		json_uint("heartbeat_age_us", hv_now_us() - r->heartbeat_us);
	verb_json_memory(r);
	verb_json_placement(r);
	info_json_balloon(r);
	json_end();
}

int verb_info(const struct cmd *c)
{
	struct vm_rec *r = verb_vm_arg(c, 0);
	char chans[64], t[24], s[24], hb[64], bl[128], p[24];

	if (!r)
		return VERB_FAIL;
	services_describe(r->st.id, chans, sizeof(chans));
	if (c->json) {
		info_json(c, r, chans);
		return VERB_OK;
	}
	term_printf("vm %u '%s'%s\n", r->st.id, r->st.name,
		    r->st.privileged ? " (root partition)" : "");
	term_printf("  state      %s\n", state_text(r, s, sizeof(s)));
	term_printf("  memory     %lu KiB promised: %lu resident, %lu shared, %lu ballooned, %lu "
		    "swapped, %lu untouched\n",
		    kib(r->st.ram_bytes), kib(r->st.resident_bytes), kib(r->st.shared_bytes),
		    kib(r->st.ballooned_bytes), kib(r->st.swapped_bytes), kib(untouched(&r->st)));
	term_printf("  balloon    %s\n", balloon_text(r, bl, sizeof(bl)));
	term_printf("  vcpus      %u on CPU %s (vcpu-list: states, affinity)\n", r->st.vcpus,
		    vcpu_placement(&r->st, p, sizeof(p)));
	term_printf("  weight     %u\n", r->st.weight);
	if (r->st.cap)
		term_printf("  cap        %u %% of a CPU\n", r->st.cap);
	else
		term_printf("  cap        none\n");
	term_printf("  cpu time   %s s\n", fmt_seconds(t, sizeof(t), (unsigned long)r->st.cpu_us));
	term_printf("  channels   %s\n", chans);
	term_printf("  heartbeat  %s\n", heartbeat_text(r, hb, sizeof(hb)));
	return VERB_OK;
}

int verb_create(const struct cmd *c)
{
	long id = hv_vm_create(c->argv[0]);
	struct vm_rec *r;

	if (id == SKIFF_E_NOENT)
		return verb_fail(c, "no VM named '%.32s' in the boot config", c->argv[0]);
	if (id == SKIFF_E_BUSY)
		return verb_fail(c,
				 "a VM named '%.32s' exists and has not exited: destroy it first",
				 c->argv[0]);
	if (id < 0)
		return verb_fail(c, "cannot create '%.32s': %s", c->argv[0], hv_strerror(id));
	if (refresh(c) < 0)
		return VERB_FAIL;
	r = vms_get((unsigned int)id);
	if (!r)
		return verb_fail(c, "created VM %ld is not in the hypervisor's list", id);
	return verb_done(c, r, "created", true);
}

/* The target of a VM_CTRL verb, refusing the root itself (it runs this shell). */
static struct vm_rec *target(const struct cmd *c)
{
	struct vm_rec *r = verb_vm_arg(c, 0);

	if (r && (r->st.privileged || r->st.id == hv_self_id())) {
		verb_fail(c,
			  "vm %u '%s' is the root partition running this shell "
			  "('debug crash' restarts it)",
			  r->st.id, r->st.name);
		return 0;
	}
	return r;
}

/* VM_CTRL `op` on the target when it is in state `need` (0: any state). */
static int control(const struct cmd *c, unsigned int op, unsigned int need, const char *done,
		   bool hv_says)
{
	struct vm_rec *r = target(c);
	long err;

	if (!r)
		return VERB_FAIL;
	if (need && r->st.state != need)
		return verb_fail(c, "vm %u '%s' is %s, not %s", r->st.id, r->st.name,
				 vm_state_name(r->st.state), vm_state_name(need));
	err = hv_vm_ctrl(r->st.id, op);
	if (err < 0)
		return verb_fail(c, "cannot %s vm %u '%s': %s", c->verb, r->st.id, r->st.name,
				 hv_strerror(err));
	vms_refresh();
	return verb_done(c, r, done, hv_says);
}

int verb_pause(const struct cmd *c)
{
	return control(c, SKIFF_VMCTL_PAUSE, SKIFF_VM_STATE_RUNNING, "paused", false);
}

int verb_unpause(const struct cmd *c)
{
	return control(c, SKIFF_VMCTL_UNPAUSE, SKIFF_VM_STATE_PAUSED, "unpaused", false);
}

int verb_destroy(const struct cmd *c)
{
	return control(c, SKIFF_VMCTL_DESTROY, 0, "destroyed", true);
}

int verb_reboot(const struct cmd *c)
{
	return control(c, SKIFF_VMCTL_REBOOT, 0, "rebooting", true);
}

int verb_shutdown(const struct cmd *c)
{
	struct vm_rec *r = target(c);
	long err;

	if (!r)
		return VERB_FAIL;
	if (r->st.state != SKIFF_VM_STATE_RUNNING)
		return verb_fail(c, "vm %u '%s' is %s, not running%s", r->st.id, r->st.name,
				 vm_state_name(r->st.state),
				 r->st.state == SKIFF_VM_STATE_PAUSED ? ": unpause it first" : "");
	if (!services_has(r->st.id, SKIFF_CLASS_SHUTDOWN))
		return verb_fail(c,
				 "vm %u '%s' has no shutdown channel open: 'destroy %u' stops it "
				 "at once",
				 r->st.id, r->st.name, r->st.id);
	err = services_request_shutdown(r->st.id);
	if (err < 0)
		return verb_fail(c, "cannot ask vm %u '%s' to shut down: %s", r->st.id, r->st.name,
				 hv_strerror(err));
	return verb_done(c, r, "asked to shut down", false);
}
