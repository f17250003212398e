/**
 * Where vCPUs run: `vcpu-list [vm]` (each vCPU's physical CPU, state and affinity, as
 * `xl vcpu-list`) and `vcpu-pin <vm> <vcpu|all> <cpus|all>` (as `xl vcpu-pin`: CPU lists like
 * "1", "0-2,5" or "all"), plus the placement text `list`, `info` and `top` show.
 */
#include <pv/args.h>
#include <pv/fmt.h>
#include <pv/string.h>

#include "hv.h"
#include "json.h"
#include "term.h"
#include "verbs.h"

/* The hypervisor reports at most this many vCPUs per VM (struct skiff_vm_status). */
#define VCPUS_LISTED (sizeof(((struct skiff_vm_status *)0)->vcpu_cpu))
#define CPUS_MAX 32 /* bits in a CPU mask */

static unsigned int vcpus_of(const struct skiff_vm_status *st)
{
	return st->vcpus < VCPUS_LISTED ? st->vcpus : (unsigned int)VCPUS_LISTED;
}

static const char *vcpu_state_name(unsigned int s)
{
	static const char *const names[] = { "off", "runnable", "running", "blocked" };

	return s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

/* Appends to buf[*at..size) like snprintf, never past the end. */
static void put(char *buf, unsigned long size, unsigned long *at, const char *fmt, unsigned a,
		unsigned b)
{
	if (*at < size)
		*at += (unsigned long)pv_snprintf(buf + *at, size - *at, fmt, a, b);
}

const char *vcpu_placement(const struct skiff_vm_status *st, char *buf, unsigned long size)
{
	unsigned long at = 0;

	buf[0] = 0;
	for (unsigned int i = 0; i < vcpus_of(st); i++) {
		if (st->vcpu_state[i] == SKIFF_VCPU_STATE_OFF || st->vcpu_cpu[i] == 0xff)
			put(buf, size, &at, i ? ",-" : "-", 0, 0);
		else
			put(buf, size, &at, i ? ",%u" : "%u", st->vcpu_cpu[i], 0);
	}
	return buf;
}

const char *cpu_mask_text(unsigned int mask, char *buf, unsigned long size)
{
	unsigned long at = 0;

	buf[0] = 0;
	if (!mask)
		return "all";
	for (unsigned int c = 0; c < CPUS_MAX; c++) {
		unsigned int end = c;
		if (!(mask >> c & 1))
			continue;
		while (end + 1 < CPUS_MAX && (mask >> (end + 1) & 1))
			end++;
		put(buf, size, &at, at ? "," : "", 0, 0);
		put(buf, size, &at, end == c ? "%u" : "%u-%u", c, end);
		c = end;
	}
	return buf;
}

/* One CPU number of a list: 0 and *cpu, or -1 after setting *err. */
static int parse_cpu(const char *s, unsigned long len, unsigned int *cpu, const char **err)
{
	unsigned long n;

	if (pv_parse_ulong(s, len, &n) || n >= CPUS_MAX) {
		*err = "CPUs are numbers from 0 to 31, in a list like 1 or 0-2,5, or all";
		return -1;
	}
	*cpu = (unsigned int)n;
	return 0;
}

/* Characters of s before `c` or the end. */
static unsigned long span_to(const char *s, char c)
{
	unsigned long n = 0;

	while (s[n] && s[n] != c)
		n++;
	return n;
}

int parse_cpu_list(const char *s, unsigned int *mask, const char **err)
{
	*mask = 0;
	if (!strcmp(s, "all"))
		return 0;
	if (!*s) {
		*err = "no CPUs named: a list like 1 or 0-2,5, or all";
		return -1;
	}
	while (*s) {
		unsigned long len = span_to(s, ','), lo_len = span_to(s, '-');
		bool comma = s[len] == ',', dash = lo_len < len;
		unsigned int lo, hi;

		if (parse_cpu(s, dash ? lo_len : len, &lo, err) ||
		    (dash && parse_cpu(s + lo_len + 1, len - lo_len - 1, &hi, err)))
			return -1;
		if (!dash)
			hi = lo;
		if (hi < lo) {
			*err = "a CPU range runs from low to high (0-2, not 2-0)";
			return -1;
		}
		for (unsigned int c = lo; c <= hi; c++)
			*mask |= 1U << c;
		if (!comma)
			break;
		s += len + 1;
		if (!*s) {
			*err = "the CPU list ends with a comma";
			return -1;
		}
	}
	return 0;
}

void verb_json_placement(const struct vm_rec *r)
{
	char m[48];

	json_array("vcpu_list");
	for (unsigned int i = 0; i < vcpus_of(&r->st); i++) {
		json_object(0);
		json_uint("vcpu", i);
		if (r->st.vcpu_cpu[i] != 0xff)
			json_uint("cpu", r->st.vcpu_cpu[i]);
		json_str("state", vcpu_state_name(r->st.vcpu_state[i]));
		json_str("affinity", cpu_mask_text(r->st.vcpu_mask[i], m, sizeof(m)));
		json_close();
	}
	json_close();
}

static void list_vm_vcpus(const struct vm_rec *r)
{
	char m[48];

	for (unsigned int i = 0; i < vcpus_of(&r->st); i++) {
		char cpu[8] = "-";
		if (r->st.vcpu_cpu[i] != 0xff)
			pv_snprintf(cpu, sizeof(cpu), "%u", r->st.vcpu_cpu[i]);
		term_printf("%-24s %4u %4u %4s  %-9s %s\n", r->st.name, r->st.id, i, cpu,
			    vcpu_state_name(r->st.vcpu_state[i]),
			    cpu_mask_text(r->st.vcpu_mask[i], m, sizeof(m)));
	}
}

int verb_vcpu_list(const struct cmd *c)
{
	struct vm_rec *one = 0;
	long n;

	if (c->argc && !(one = verb_vm_arg(c, 0)))
		return VERB_FAIL;
	if (!c->argc && (n = vms_refresh()) < 0)
		return verb_fail(c, "the hypervisor cannot list VMs: %s", hv_strerror(n));
	if (c->json) {
		verb_json_begin(c);
		json_array("vms");
		for (struct vm_rec *r = one ? one : vms_next(0); r; r = one ? 0 : vms_next(r)) {
			json_object(0);
			json_uint("id", r->st.id);
			json_str("name", r->st.name);
			verb_json_placement(r);
			json_close();
		}
		json_end();
		return VERB_OK;
	}
	term_printf("%-24s %4s %4s %4s  %-9s %s\n", "Name", "ID", "VCPU", "CPU", "State",
		    "Affinity");
	for (struct vm_rec *r = one ? one : vms_next(0); r; r = one ? 0 : vms_next(r))
		list_vm_vcpus(r);
	return VERB_OK;
}

/* The vCPU argument of vcpu-pin: an index below the VM's count or "all". */
static int parse_vcpu(const struct cmd *c, const struct vm_rec *r, unsigned int *vcpu)
{
	unsigned long n;
	const char *s = c->argv[1];

	if (!strcmp(s, "all")) {
		*vcpu = SKIFF_VCPU_ALL;
		return 0;
	}
	if (pv_parse_ulong(s, strlen(s), &n) || n >= r->st.vcpus)
		return verb_fail(c, "vm %u '%s' has vCPUs 0 to %u (or all), not '%.16s'", r->st.id,
				 r->st.name, r->st.vcpus - 1, s);
	*vcpu = (unsigned int)n;
	return 0;
}

int verb_vcpu_pin(const struct cmd *c)
{
	struct vm_rec *r = verb_vm_arg(c, 0);
	unsigned int vcpu = 0, mask;
	const char *err;
	char what[96], m[48], v[16];
	long rc;

	if (!r || parse_vcpu(c, r, &vcpu))
		return VERB_FAIL;
	if (parse_cpu_list(c->argv[2], &mask, &err))
		return verb_fail(c, "'%.24s': %s", c->argv[2], err);
	rc = hv_vm_pin(r->st.id, vcpu, mask);
	if (rc == SKIFF_E_INVAL)
		return verb_fail(c, "none of CPUs %s is online", cpu_mask_text(mask, m, sizeof(m)));
	if (rc < 0)
		return verb_fail(c, "cannot pin vm %u '%s': %s", r->st.id, r->st.name,
				 hv_strerror(rc));
	vms_refresh();
	if (vcpu == SKIFF_VCPU_ALL)
		pv_snprintf(v, sizeof(v), "all vCPUs");
	else
		pv_snprintf(v, sizeof(v), "vCPU %u", vcpu);
	pv_snprintf(what, sizeof(what), "%s pinned to CPUs %s", v,
		    cpu_mask_text(mask, m, sizeof(m)));
	return verb_done(c, r, what, false);
}
