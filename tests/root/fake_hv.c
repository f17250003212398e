/** The fake hypervisor and services (fake.h). */
#include <stdio.h>
#include <string.h>

#include "hv.h"
#include <skiff-abi/channel.h>
#include "services.h"
#include "shell.h"
#include "term.h"
#include "verbs.h"
#include "fake.h"

struct fake fake;
static unsigned long taken; /* fake.out bytes already returned by fake_screen/fake_raw */

struct skiff_vm_status *fake_add(unsigned int id, const char *name, unsigned int state)
{
	struct skiff_vm_status *st = &fake.vms[fake.nvms++];

	memset(st, 0, sizeof(*st));
	st->id = id;
	st->state = state;
	st->vcpus = 1;
	st->weight = 256;
	st->ram_bytes = 2 << 20;
	st->cpu_us = 1000 * (id + 1);
	memset(st->vcpu_cpu, 0xff, sizeof(st->vcpu_cpu));
	st->vcpu_cpu[0] = (unsigned char)(id % 2); /* two CPUs */
	st->vcpu_state[0] =
		state == SKIFF_VM_STATE_RUNNING ? SKIFF_VCPU_STATE_RUNNABLE : SKIFF_VCPU_STATE_OFF;
	snprintf(st->name, sizeof(st->name), "%s", name);
	return st;
}

void fake_reset(void)
{
	memset(&fake, 0, sizeof(fake));
	taken = 0;
	fake_add(0, "root", SKIFF_VM_STATE_RUNNING)->privileged = 1;
	fake_add(1, "hello", SKIFF_VM_STATE_RUNNING);
	fake_add(2, "ticker", SKIFF_VM_STATE_RUNNING);
	fake.log = "";
	fake.now_us = 5000000;
	fake.online = 0x3; /* CPUs 0 and 1 */
}

void fake_type(const char *keys)
{
	shell_input(keys, strlen(keys));
	term_flush();
}

const char *fake_run(const char *line)
{
	fake_type(line);
	fake_type("\r");
	return fake_screen();
}

const char *fake_raw(void)
{
	static char buf[sizeof(fake.out) + 1];

	memcpy(buf, fake.out + taken, fake.out_len - taken);
	buf[fake.out_len - taken] = 0;
	taken = fake.out_len;
	return buf;
}

const char *fake_screen(void)
{
	const char *raw = fake_raw();
	static char buf[sizeof(fake.out) + 1];
	char *o = buf;

	for (const char *p = raw; *p; p++) {
		if (p[0] == 0x1b && p[1] == '[') {
			for (p += 2; *p && !(*p >= 0x40 && *p <= 0x7e); p++)
				;
			if (!*p)
				break;
			continue;
		}
		if (*p != '\r')
			*o++ = *p;
	}
	*o = 0;
	return buf;
}

long hv_console_write(const char *s, unsigned long len)
{
	if (len > SKIFF_CONSOLE_MAX)
		return SKIFF_E_INVAL; /* as the hypervisor answers */
	if (fake.out_len + len > sizeof(fake.out))
		fake.out_len = taken = 0;
	memcpy(fake.out + fake.out_len, s, len);
	fake.out_len += len;
	return (long)len;
}

long hv_console_read(char *buf, unsigned long size)
{
	(void)buf;
	(void)size;
	return 0;
}

long hv_vm_list(struct skiff_vm_status *out, unsigned long max)
{
	if (fake.list_err)
		return fake.list_err;
	for (unsigned int i = 0; i < fake.nvms && i < max; i++)
		out[i] = fake.vms[i];
	return fake.nvms;
}

static struct skiff_vm_status *find(unsigned int id)
{
	for (unsigned int i = 0; i < fake.nvms; i++)
		if (fake.vms[i].id == id)
			return &fake.vms[i];
	return 0;
}

long hv_vm_ctrl(unsigned int id, unsigned int op)
{
	struct skiff_vm_status *st = find(id);

	fake.last_ctrl_id = id;
	fake.last_ctrl_op = op;
	if (!st)
		return SKIFF_E_NOENT;
	/* what the hypervisor says on the console (held for root) */
	if (op == SKIFF_VMCTL_REBOOT || op == SKIFF_VMCTL_DESTROY) {
		char line[80];

		snprintf(line, sizeof(line), "vm %u '%s' %s\n", id, st->name,
			 op == SKIFF_VMCTL_REBOOT ? "rebooting" : "destroyed");
		fake_hold(line);
	}
	if (op == SKIFF_VMCTL_PAUSE)
		st->state = SKIFF_VM_STATE_PAUSED;
	else if (op == SKIFF_VMCTL_UNPAUSE)
		st->state = SKIFF_VM_STATE_RUNNING;
	else if (op == SKIFF_VMCTL_DESTROY)
		*st = fake.vms[--fake.nvms];
	return 0;
}

long hv_vm_pin(unsigned int id, unsigned int vcpu, unsigned int mask)
{
	struct skiff_vm_status *st = find(id);

	fake.last_ctrl_id = id;
	fake.last_ctrl_op = SKIFF_VMCTL_PIN;
	fake.last_pin_vcpu = vcpu;
	fake.last_pin_mask = mask;
	if (!st)
		return SKIFF_E_NOENT;
	if (fake.pin_err)
		return fake.pin_err;
	if ((mask && !(mask & fake.online)) || (vcpu != SKIFF_VCPU_ALL && vcpu >= st->vcpus))
		return SKIFF_E_INVAL; /* as the hypervisor answers */
	for (unsigned int i = 0; i < st->vcpus && i < 4; i++)
		if (vcpu == SKIFF_VCPU_ALL || vcpu == i)
			st->vcpu_mask[i] = mask;
	return 0;
}

long hv_vm_create(const char *name)
{
	if (fake.create_err)
		return fake.create_err;
	char line[80];

	fake_add(7, name, SKIFF_VM_STATE_RUNNING);
	snprintf(line, sizeof(line), "vm 7 '%s' created: 2048 KiB, 1 vCPU, weight 256, cap 0%%\n",
		 name);
	fake_hold(line);
	return 7;
}

long hv_log_read(char *buf, unsigned long size)
{
	unsigned long n = strlen(fake.log);
	unsigned long from = n > size ? n - size : 0;

	memcpy(buf, fake.log + from, n - from);
	return (long)(n - from);
}

void fake_hold(const char *s)
{
	unsigned long n = strlen(s);

	memcpy(fake.held + fake.held_len, s, n);
	fake.held_len += n;
}

long hv_log_take(unsigned long *seq)
{
	if (fake.take_err)
		return fake.take_err;
	*seq = fake.acked;
	return 0;
}

long hv_log_next(unsigned long seq, char *buf, unsigned long size, unsigned long *first,
		 unsigned long *end)
{
	unsigned long from = seq > fake.held_oldest ? seq : fake.held_oldest, n;

	if (seq < fake.acked || seq > fake.held_len)
		return SKIFF_E_INVAL;
	fake.acked = seq;
	n = fake.held_len - from < size ? fake.held_len - from : size;
	memcpy(buf, fake.held + from, n);
	*first = from;
	*end = fake.held_len;
	return (long)n;
}

long hv_mem_info(unsigned int id, struct skiff_mem_info *out)
{
	if (fake.mem_err)
		return fake.mem_err;
	*out = id == SKIFF_VM_NONE ? fake.host : (struct skiff_mem_info){ 0 };
	return 0;
}

unsigned int hv_self_id(void)
{
	return 0;
}

unsigned long hv_now_us(void)
{
	return fake.now_us;
}

/* ---- services ---- */

void services_start(void)
{
}

unsigned long services_poll(unsigned long now_us)
{
	(void)now_us;
	return 0;
}

bool services_has(unsigned int vm, unsigned int class_id)
{
	return vm < FAKE_VMS && (fake.services[vm] >> class_id & 1);
}

long services_request_shutdown(unsigned int vm)
{
	(void)vm;
	fake.shutdown_requests++;
	return 0;
}

long services_balloon_send(unsigned int vm, unsigned long long target_bytes)
{
	if (!services_has(vm, SKIFF_CLASS_BALLOON))
		return SKIFF_E_NOENT;
	fake.balloon_vm = vm;
	fake.balloon_target = target_bytes;
	fake.balloon_txid++;
	if (target_bytes)
		fake.balloon_sends++;
	else
		fake.balloon_queries++;
	return (long)fake.balloon_txid;
}

long services_console_send(unsigned int vm, const char *s, unsigned long len)
{
	if (!services_has(vm, 1))
		return SKIFF_E_NOENT;
	memcpy(fake.console_in + fake.console_in_len, s, len);
	fake.console_in_len += len;
	return 0;
}

void services_describe(unsigned int vm, char *buf, unsigned long size)
{
	snprintf(buf, size, "%s", fake.services[vm < FAKE_VMS ? vm : 0] ? "some" : "none");
}

int verb_debug(const struct cmd *c)
{
	return verb_fail(c, "not on the host");
}
