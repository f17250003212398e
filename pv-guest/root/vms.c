/** The VM table (vms.h). */
#include <pv/args.h>
#include <pv/fmt.h>
#include <pv/string.h>

#include "hv.h"
#include "vms.h"

static struct vm_rec recs[ROOT_VMS_MAX];
static struct skiff_vm_status list[ROOT_VMS_MAX];
static void (*changed)(struct vm_rec *r, unsigned int old_state);

void vms_on_change(void (*fn)(struct vm_rec *r, unsigned int old_state))
{
	changed = fn;
}

/* Takes one VM_LIST entry; a VM new to this id starts with a clean record. */
static void take(const struct skiff_vm_status *st, bool *seen)
{
	struct vm_rec *r = &recs[st->id];
	unsigned int old = r->present ? r->st.state : 0;

	if (!r->present || strncmp(r->st.name, st->name, sizeof(st->name)))
		memset(r, 0, sizeof(*r));
	r->st = *st;
	r->st.name[sizeof(r->st.name) - 1] = 0;
	r->present = true;
	seen[st->id] = true;
	if (old != st->state && changed)
		changed(r, old);
}

long vms_refresh(void)
{
	static bool seen[ROOT_VMS_MAX];
	long n = hv_vm_list(list, ROOT_VMS_MAX);

	if (n < 0)
		return n;
	memset(seen, 0, sizeof(seen));
	for (long i = 0; i < n && i < ROOT_VMS_MAX; i++)
		if (list[i].id < ROOT_VMS_MAX)
			take(&list[i], seen);
	for (unsigned int id = 0; id < ROOT_VMS_MAX; id++) {
		if (!recs[id].present || seen[id])
			continue;
		recs[id].present = false; /* gone (destroyed) */
		if (changed)
			changed(&recs[id], recs[id].st.state);
	}
	return n;
}

struct vm_rec *vms_get(unsigned int id)
{
	return id < ROOT_VMS_MAX && recs[id].present ? &recs[id] : 0;
}

struct vm_rec *vms_next(const struct vm_rec *prev)
{
	for (unsigned int id = prev ? prev->st.id + 1 : 0; id < ROOT_VMS_MAX; id++)
		if (recs[id].present)
			return &recs[id];
	return 0;
}

bool vm_is_live(const struct vm_rec *r)
{
	return r->st.state == SKIFF_VM_STATE_RUNNING || r->st.state == SKIFF_VM_STATE_PAUSED;
}

static struct vm_rec *find_id(const char *arg, const char **err)
{
	static char msg[64];
	unsigned long id;
	struct vm_rec *r;

	if (!pv_parse_ulong(arg, strlen(arg), &id) && id < ROOT_VMS_MAX &&
	    (r = vms_get((unsigned int)id)))
		return r;
	pv_snprintf(msg, sizeof(msg), "no VM with id %.12s (see list)", arg);
	*err = msg;
	return 0;
}

static struct vm_rec *find_name(const char *arg, const char **err)
{
	static char msg[96];
	struct vm_rec *match = 0, *live = 0;
	unsigned int n = 0, nlive = 0;

	for (struct vm_rec *r = vms_next(0); r; r = vms_next(r)) {
		if (strcmp(r->st.name, arg))
			continue;
		match = r, n++;
		if (vm_is_live(r))
			live = r, nlive++;
	}
	if (n == 1 || nlive == 1)
		return n == 1 ? match : live;
	if (n)
		pv_snprintf(msg, sizeof(msg), "%u VMs are named '%.32s': use an id (see list)", n,
			    arg);
	else
		pv_snprintf(msg, sizeof(msg), "no VM named '%.32s' (see list)", arg);
	*err = msg;
	return 0;
}

struct vm_rec *vms_find(const char *arg, const char **err)
{
	bool digits = *arg != 0;

	for (const char *p = arg; *p; p++)
		digits = digits && *p >= '0' && *p <= '9';
	return digits ? find_id(arg, err) : find_name(arg, err);
}

const char *vm_state_name(unsigned int state)
{
	switch (state) {
	case SKIFF_VM_STATE_RUNNING:
		return "running";
	case SKIFF_VM_STATE_PAUSED:
		return "paused";
	case SKIFF_VM_STATE_PARKED:
		return "parked";
	case SKIFF_VM_STATE_SHUTDOWN:
		return "exited";
	default:
		return "unknown";
	}
}
