/**
 * The memory verbs: `mem-set <vm> <size>` (a VM's memory target, which its balloon follows: it
 * waits up to MEMSET_WAIT_US for the guest's answer, or a key) and `mem` (the host's memory).
 */
#include <pv/string.h>

#include "balloon.h"
#include "hv.h"
#include "json.h"
#include "services.h"
#include "term.h"
#include "verbs.h"

static struct {
	struct cmd cmd;
	unsigned int vm;
	unsigned long long txid, target;
	unsigned long deadline_us;
} ms;

static unsigned long kib(unsigned long long bytes)
{
	return (unsigned long)(bytes >> 10);
}

static bool answered(const struct vm_rec *r)
{
	return r && r->balloon.known && r->balloon.last_txid == ms.txid;
}

static void memset_json(const struct vm_rec *r, bool got, bool reached)
{
	const struct skiff_balloon_status *st = &r->balloon.last;

	verb_json_begin(&ms.cmd);
	json_uint("id", r->st.id);
	json_str("name", r->st.name);
	json_uint("memory_kib", kib(r->st.ram_bytes));
	json_uint("target_kib", kib(ms.target));
	json_bool("answered", got);
	if (got) {
		json_uint("balloon_kib", kib(st->balloon_bytes));
		json_uint("free_kib", kib(st->free_bytes));
		json_bool("reached", reached);
	}
	json_end();
}

/* The guest's answer (or its absence) as the verb's output. */
static int memset_report(void)
{
	struct vm_rec *r = vms_get(ms.vm);
	const struct skiff_balloon_status *st;
	bool got = answered(r), reached;

	if (!r)
		return verb_fail(&ms.cmd, "vm %u left before it answered", ms.vm);
	st = &r->balloon.last;
	reached = got && r->st.ram_bytes - st->balloon_bytes <= ms.target;
	if (ms.cmd.json)
		memset_json(r, got, reached);
	else if (!got)
		term_printf(
			"vm %u '%s' memory target %lu KiB: sent, no answer from its balloon yet\n",
			r->st.id, r->st.name, kib(ms.target));
	else
		term_printf("vm %u '%s' memory target %lu KiB: balloon %lu KiB, guest free %lu "
			    "KiB%s\n",
			    r->st.id, r->st.name, kib(ms.target), kib(st->balloon_bytes),
			    kib(st->free_bytes), reached ? "" : " (all its heap could give)");
	return VERB_OK;
}

static unsigned long memset_tick(unsigned long now_us)
{
	if (!answered(vms_get(ms.vm)) && now_us < ms.deadline_us)
		return ms.deadline_us;
	shell_finish(memset_report());
	return 0;
}

static void memset_input(char c)
{
	(void)c;
	shell_finish(memset_report());
}

static const struct verb_mode memset_mode = { memset_input, memset_tick };

int verb_mem_set(const struct cmd *c)
{
	struct vm_rec *r = verb_vm_arg(c, 0);
	unsigned long long bytes;
	long txid;

	if (!r)
		return VERB_FAIL;
	if (!parse_size(c->argv[1], &bytes) || !bytes)
		return verb_fail(c, "bad size '%.24s': bytes, or a number with K, M or G (64M)",
				 c->argv[1]);
	if (bytes > r->st.ram_bytes)
		return verb_fail(c, "vm %u '%s' was promised %lu KiB: the target cannot be more",
				 r->st.id, r->st.name, kib(r->st.ram_bytes));
	if (!services_has(r->st.id, SKIFF_CLASS_BALLOON))
		return verb_fail(c, "vm %u '%s' has no balloon channel open", r->st.id, r->st.name);
	txid = balloon_send(r, bytes);
	if (txid < 0)
		return verb_fail(c, "cannot send vm %u '%s' its target: %s", r->st.id, r->st.name,
				 hv_strerror(txid));
	r->balloon.set_target = bytes < r->st.ram_bytes ? bytes : 0; /* all of it: none */
	r->balloon.policy_target = 0;
	ms.cmd = *c;
	ms.vm = r->st.id;
	ms.txid = (unsigned long long)txid;
	ms.target = bytes;
	ms.deadline_us = hv_now_us() + MEMSET_WAIT_US;
	shell_enter(&memset_mode);
	return VERB_ASYNC;
}

/* ---- mem ---- */

/* What the balloons hold as the guests report it; *released: pages the hypervisor counts as
 * ballooned (released and not touched since, deflated balloons' pages included). */
static unsigned long long balloons_total(unsigned int *nvms, unsigned long long *released)
{
	unsigned long long sum = 0;

	*nvms = 0;
	*released = 0;
	for (struct vm_rec *r = vms_next(0); r; r = vms_next(r)) {
		unsigned long long held = r->balloon.known ? r->balloon.last.balloon_bytes : 0;

		sum += held;
		*nvms += held != 0;
		*released += r->st.ballooned_bytes;
	}
	return sum;
}

static void mem_json(const struct cmd *c, const struct skiff_mem_info *mi,
		     unsigned long long balloons, unsigned long long released)
{
	verb_json_begin(c);
	json_uint("total_kib", kib(mi->host_total));
	json_uint("free_kib", kib(mi->host_free));
	json_uint("shared_frames_kib", kib(mi->host_shared_frames));
	json_uint("shared_pages_kib", kib(mi->host_shared_pages));
	json_uint("zero_pages_kib", kib(mi->host_zero_pages));
	json_uint("swap_total_kib", kib(mi->host_swap_total));
	json_uint("swap_used_kib", kib(mi->host_swap_used));
	json_uint("balloons_kib", kib(balloons));
	json_uint("ballooned_kib", kib(released));
	json_end();
}

int verb_mem(const struct cmd *c)
{
	struct skiff_mem_info mi;
	unsigned long long balloons, released;
	unsigned int nvms;
	long err = balloon_host(&mi);

	if (err < 0)
		return verb_fail(c, "the hypervisor cannot report memory: %s", hv_strerror(err));
	if ((err = vms_refresh()) < 0)
		return verb_fail(c, "the hypervisor cannot list VMs: %s", hv_strerror(err));
	balloons = balloons_total(&nvms, &released);
	if (c->json) {
		mem_json(c, &mi, balloons, released);
		return VERB_OK;
	}
	term_printf("total      %lu KiB\n", kib(mi.host_total));
	term_printf("free       %lu KiB\n", kib(mi.host_free));
	term_printf("shared     %lu KiB of frames hold %lu KiB of guest pages\n",
		    kib(mi.host_shared_frames), kib(mi.host_shared_pages));
	term_printf("zero       %lu KiB of guest pages read the zero frame\n",
		    kib(mi.host_zero_pages));
	if (mi.host_swap_total)
		term_printf("swap       %lu KiB used of %lu KiB\n", kib(mi.host_swap_used),
			    kib(mi.host_swap_total));
	else
		term_printf("swap       none\n");
	term_printf("balloons   %lu KiB held by %u VM%s; %lu KiB of pages released and not "
		    "touched since\n",
		    kib(balloons), nvms, nvms == 1 ? "" : "s", kib(released));
	return VERB_OK;
}
