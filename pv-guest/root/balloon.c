/** Memory targets and the balloon policy (balloon.h). */
#include <pv/string.h>

#include "balloon.h"
#include "hv.h"
#include "services.h"
#include "term.h"
#include "vms.h"

#define PAGE 4096ULL
#define HV_LOW_MIN_PAGES 64ULL /* the hypervisor's low watermark: 1/64 of RAM, at least this */

static struct {
	bool event;            /* SKIFF_EV_MEMORY came since the last round */
	enum host_level level; /* what the last round found */
	enum host_level told;  /* what the last notice said */
	unsigned long next_us; /* the next round */
} pol = { .level = HOST_OK, .told = HOST_OK };

/* ---- Pure decisions ---- */

enum host_level policy_level(unsigned long long total, unsigned long long free)
{
	unsigned long long low =
		total / 64 > HV_LOW_MIN_PAGES * PAGE ? total / 64 : HV_LOW_MIN_PAGES * PAGE;

	if (free < 2 * low)
		return HOST_SHORT;
	return free > total / 8 ? HOST_PLENTY : HOST_OK;
}

unsigned long long policy_target(enum host_level lvl, unsigned long long promised,
				 const struct balloon_rec *b)
{
	unsigned long long now, give;

	if (!b->known || b->set_target || b->last.balloon_bytes > promised)
		return 0; /* nothing heard, or the operator's target: kept */
	now = promised - b->last.balloon_bytes;
	if (lvl == HOST_SHORT) {
		give = b->last.free_bytes / POLICY_SHARE_DIV;
		give = (give < POLICY_MAX_GIVE ? give : POLICY_MAX_GIVE) / PAGE * PAGE;
		return give >= POLICY_MIN_GIVE && give < now ? now - give : 0;
	}
	if (lvl == HOST_PLENTY && b->policy_target && now < promised)
		return promised;
	return 0;
}

static bool digits_value(const char **p, unsigned long long *v)
{
	const char *s = *p;

	for (*v = 0; **p >= '0' && **p <= '9'; (*p)++) {
		if (*v > (~0ULL - 9) / 10)
			return false;
		*v = *v * 10 + (unsigned long long)(**p - '0');
	}
	return *p != s;
}

static unsigned int unit_shift(char c)
{
	switch (c) {
	case 'k':
	case 'K':
		return 10;
	case 'm':
	case 'M':
		return 20;
	case 'g':
	case 'G':
		return 30;
	default:
		return 0;
	}
}

bool parse_size(const char *s, unsigned long long *bytes)
{
	unsigned long long v;
	unsigned int shift;

	if (!digits_value(&s, &v))
		return false;
	shift = unit_shift(*s);
	if (shift) {
		s++;
		if (*s == 'i' || *s == 'I')
			s++;
		if (*s == 'b' || *s == 'B')
			s++;
	}
	if (*s || v > ~0ULL >> shift)
		return false;
	*bytes = v << shift;
	return true;
}

/* ---- What the guests say ---- */

void balloon_status(unsigned int vm, unsigned long long txid, const struct skiff_balloon_status *st)
{
	struct vm_rec *r = vms_get(vm);
	struct balloon_rec *b;

	if (!r)
		return;
	b = &r->balloon;
	if (!b->known && !b->set_target && st->target_bytes < r->st.ram_bytes)
		b->set_target = st->target_bytes; /* kept by the guest across a root restart */
	b->known = true;
	b->last = *st;
	b->last_txid = txid;
	b->status_us = hv_now_us();
}

void balloon_attached(unsigned int vm)
{
	struct vm_rec *r = vms_get(vm);

	if (!r)
		return;
	r->balloon.known = false;
	r->balloon.policy_target = 0;
	r->balloon.sent_txid = 0;
	if (r->balloon.set_target) /* the VM rebooted: its target still holds */
		balloon_send(r, r->balloon.set_target);
}

/* ---- The policy's rounds ---- */

void balloon_memory_event(void)
{
	pol.event = true;
	pol.next_us = 0;
}

long balloon_host(struct skiff_mem_info *mi)
{
	return hv_mem_info(SKIFF_VM_NONE, mi);
}

/* Sends a target (0: a question) and notes it; the txid or an error. */
long balloon_send(struct vm_rec *r, unsigned long long target)
{
	long txid = services_balloon_send(r->st.id, target);

	if (txid > 0 && target) {
		r->balloon.sent_txid = (unsigned long long)txid;
		r->balloon.sent_us = hv_now_us();
	}
	return txid;
}

/*
 * One VM in a round: a new target if the policy wants one, else a question. Returns the bytes
 * the new target asks the balloon to change by (0: none sent).
 */
static unsigned long long round_vm(struct vm_rec *r, enum host_level lvl, unsigned long now_us)
{
	struct balloon_rec *b = &r->balloon;
	unsigned long long t, now;

	if (b->sent_txid > b->last_txid && now_us - b->sent_us < ANSWER_WAIT_US)
		return 0; /* the last target's answer is still to come: its figures are stale */
	t = policy_target(lvl, r->st.ram_bytes, b);
	if (!t) {
		if (lvl == HOST_SHORT || b->policy_target)
			balloon_send(r, 0); /* fresh figures for the next round */
		return 0;
	}
	if (balloon_send(r, t) <= 0)
		return 0;
	b->policy_target = t < r->st.ram_bytes ? t : 0;
	now = r->st.ram_bytes - b->last.balloon_bytes;
	return t < now ? now - t : t - now;
}

/* One line when the policy starts inflating or deflating (not every round). */
static void tell(enum host_level lvl, const struct skiff_mem_info *mi, unsigned long long bytes,
		 unsigned int nvms)
{
	if (!nvms || lvl == pol.told)
		return;
	pol.told = lvl;
	if (lvl == HOST_SHORT)
		term_notice(
			"root: host memory low (%llu KiB free): balloons of %u VM%s asked for %llu "
			"KiB",
			mi->host_free >> 10, nvms, nvms == 1 ? "" : "s", bytes >> 10);
	else
		term_notice("root: host memory plentiful (%llu KiB free): balloons of %u VM%s "
			    "deflating",
			    mi->host_free >> 10, nvms, nvms == 1 ? "" : "s");
}

static void policy_round(unsigned long now_us)
{
	struct skiff_mem_info mi;
	unsigned long long bytes = 0;
	unsigned int nvms = 0;
	enum host_level lvl;

	if (balloon_host(&mi) < 0 || !mi.host_total)
		return;
	lvl = policy_level(mi.host_total, mi.host_free);
	if (pol.event && lvl != HOST_SHORT)
		lvl = HOST_SHORT; /* the hypervisor saw it below its watermark: act on it */
	pol.event = false;
	pol.level = lvl;
	for (struct vm_rec *r = vms_next(0); r; r = vms_next(r)) {
		unsigned long long b;

		if (r->st.state != SKIFF_VM_STATE_RUNNING ||
		    !services_has(r->st.id, SKIFF_CLASS_BALLOON))
			continue;
		b = round_vm(r, lvl, now_us);
		bytes += b;
		nvms += b != 0;
	}
	tell(lvl, &mi, bytes, nvms);
}

unsigned long balloon_poll(unsigned long now_us)
{
	if (now_us < pol.next_us)
		return pol.next_us;
	policy_round(now_us);
	pol.next_us = now_us + (pol.level == HOST_SHORT ? POLICY_US : POLICY_IDLE_US);
	return pol.next_us;
}
