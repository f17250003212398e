/**
 * Channel calls and the root partition's management calls (include/skiff-abi/hypercall.h,
 * docs/channels.md). Management calls check the caller is privileged first; every guest buffer
 * goes through guest_mem's checked copies.
 */
#include <skiff/channel.h>
#include <skiff/console.h>
#include <skiff/guest_mem.h>
#include <skiff/hypercall.h>
#include <skiff/sched.h>
#include <skiff/string.h>
#include <skiff/timer.h>
#include <skiff/vcpu_trap.h>
#include <skiff/vm.h>
#include <skiff/vmconfig.h>
#include <skiff-abi/hypercall.h>

#define LIST_BATCH 16 /* entries copied per guest_copy_to */

static uint64_t arg(struct vcpu *v, unsigned n)
{
	return arch_vcpu_reg(&v->arch, n);
}

static void ret(struct vcpu *v, int64_t x0)
{
	arch_vcpu_set_reg(&v->arch, 0, (uint64_t)x0);
}

static bool privileged(struct vcpu *v)
{
	if (v->vm->cfg.privileged)
		return true;
	ret(v, SKIFF_E_DENIED);
	return false;
}

void hvc_chan_offer(struct vcpu *v)
{
	if (privileged(v))
		ret(v, chan_offer(v->vm, (uint32_t)arg(v, 1), (uint32_t)arg(v, 2)));
}

void hvc_chan_list(struct vcpu *v)
{
	struct skiff_offer list[OFFER_MAX];
	uint64_t max = MIN(arg(v, 2), (uint64_t)OFFER_MAX);
	unsigned n = chan_list(list, (unsigned)max);
	int err = guest_copy_to(v->vm, ipa_init(arg(v, 1)), list, MIN(n, max) * sizeof(list[0]));

	ret(v, err ? err : (int64_t)n);
}

void hvc_chan_open(struct vcpu *v)
{
	ret(v, chan_open(v->vm, (uint32_t)arg(v, 1), arg(v, 2), arg(v, 3)));
}

void hvc_chan_info(struct vcpu *v)
{
	struct skiff_channel_info info;
	int err = chan_info(v->vm, arg(v, 1), &info);

	if (!err)
		err = guest_copy_to(v->vm, ipa_init(arg(v, 2)), &info, sizeof(info));
	ret(v, err);
}

void hvc_chan_close(struct vcpu *v)
{
	ret(v, chan_close(v->vm, arg(v, 1)));
}

static unsigned state_code(enum vm_state s)
{
	return s == VM_RUNNING || s == VM_REBOOTING ? SKIFF_VM_STATE_RUNNING :
	       s == VM_PAUSED                       ? SKIFF_VM_STATE_PAUSED :
	       s == VM_PARKED                       ? SKIFF_VM_STATE_PARKED :
						      SKIFF_VM_STATE_SHUTDOWN;
}

/* Where each vCPU is (read without the runqueue locks: a snapshot for the operator). */
static void fill_placement(const struct vm *vm, struct skiff_vm_status *st)
{
	static const unsigned char codes[] = {
		[VCPU_OFF] = SKIFF_VCPU_STATE_OFF,
		[VCPU_RUNNABLE] = SKIFF_VCPU_STATE_RUNNABLE,
		[VCPU_RUNNING] = SKIFF_VCPU_STATE_RUNNING,
		[VCPU_BLOCKED] = SKIFF_VCPU_STATE_BLOCKED,
	};

	for (unsigned i = 0; i < ARRAY_SIZE(st->vcpu_cpu); i++) {
		const struct vcpu *c = &vm->vcpus[i];
		bool exists = i < vm->nvcpus && !c->detached;
		st->vcpu_cpu[i] =
			exists ? (unsigned char)__atomic_load_n(&c->cpu, __ATOMIC_RELAXED) : 0xff;
		st->vcpu_state[i] =
			exists ? codes[__atomic_load_n(&c->state, __ATOMIC_RELAXED)] : 0;
		st->vcpu_mask[i] = exists ? __atomic_load_n(&c->cpu_mask, __ATOMIC_RELAXED) : 0;
	}
}

static void fill_status(const struct vm *vm, struct skiff_vm_status *st)
{
	uint64_t ticks = 0;

	for (unsigned i = 0; i < vm->nvcpus; i++)
		ticks += vm->vcpus[i].cpu_ticks;
	*st = (struct skiff_vm_status){
		.id = vm->id,
		.state = state_code(vm->state),
		.vcpus = vm->nvcpus,
		.weight = vm->cfg.weight,
		.cap = vm->cfg.cap,
		.exit_code = vm->exit_code,
		.privileged = vm->cfg.privileged,
		.ram_bytes = vm->cfg.ram_size,
		.cpu_us = timer_ticks_to_us(ticks),
	};
	struct skiff_mem_info mi;

	hypercall_mem_counts(vm, &mi);
	st->resident_bytes = mi.resident;
	st->shared_bytes = mi.shared;
	st->ballooned_bytes = mi.ballooned;
	st->swapped_bytes = mi.swapped;
	snprintf(st->name, sizeof(st->name), "%s", vm->cfg.name);
	fill_placement(vm, st);
}

void hvc_vm_list(struct vcpu *v)
{
	struct skiff_vm_status batch[LIST_BATCH];
	uint64_t ipa = arg(v, 1), max = arg(v, 2), n = 0, k = 0;
	int err = 0;

	if (!privileged(v))
		return;
	for (unsigned id = 0; id < VM_MAX && !err; id++) {
		struct vm *vm = vm_get(id);
		if (!vm)
			continue;
		if (n++ >= max)
			continue;
		fill_status(vm, &batch[k++]);
		if (k == LIST_BATCH) {
			err = guest_copy_to(v->vm, ipa_init(ipa), batch, sizeof(batch));
			ipa += sizeof(batch);
			k = 0;
		}
	}
	if (!err && k)
		err = guest_copy_to(v->vm, ipa_init(ipa), batch, k * sizeof(batch[0]));
	ret(v, err ? err : (int64_t)n);
}

#define RETRY 1 /* vm_ctrl: another CPU holds the quiesce token: run the call again later */

/* SKIFF_VMCTL_PIN: vCPU @which (or SKIFF_VCPU_ALL) of @vm to the physical CPUs in @mask. */
static int vm_pin(struct vm *vm, uint64_t which, uint64_t mask)
{
	unsigned first = 0, end = vm->nvcpus;
	int err = 0;

	if (which != SKIFF_VCPU_ALL) {
		if (which >= vm->nvcpus)
			return SKIFF_E_INVAL;
		first = (unsigned)which;
		end = first + 1;
	}
	if (mask > UINT32_MAX)
		return SKIFF_E_INVAL;
	for (unsigned i = first; i < end && !err; i++)
		err = sched_pin(&vm->vcpus[i], (uint32_t)mask);
	return err;
}

static int vm_ctrl(struct vcpu *v, struct vm *vm, uint64_t op)
{
	if (op == SKIFF_VMCTL_PIN)
		return vm_pin(vm, arg(v, 3), arg(v, 4));
	if (op == SKIFF_VMCTL_PAUSE || op == SKIFF_VMCTL_UNPAUSE)
		return vm_pause(vm, op == SKIFF_VMCTL_PAUSE);
	if (op == SKIFF_VMCTL_REBOOT)
		return vm_reboot(vm) ? 0 : RETRY;
	if (op == SKIFF_VMCTL_DESTROY) {
		if (vm == v->vm)
			return SKIFF_E_DENIED; /* root ends itself with SHUTDOWN; it is restarted */
		return vm_destroy(vm) ? 0 : RETRY;
	}
	return SKIFF_E_INVAL;
}

void hvc_vm_ctrl(struct vcpu *v)
{
	struct vm *vm;
	int r;

	if (!privileged(v))
		return;
	vm = arg(v, 1) < VM_MAX ? vm_get((unsigned)arg(v, 1)) : NULL;
	r = vm ? vm_ctrl(v, vm, arg(v, 2)) : SKIFF_E_NOENT;
	if (r == RETRY)
		vcpu_retry_hypercall(v);
	else
		ret(v, r);
}

void hvc_vm_create(struct vcpu *v)
{
	char name[VM_NAME_MAX];
	uint64_t len = arg(v, 2);
	int err;

	if (!privileged(v))
		return;
	if (len == 0 || len >= sizeof(name)) {
		ret(v, SKIFF_E_INVAL);
		return;
	}
	err = guest_copy_from(v->vm, name, ipa_init(arg(v, 1)), len);
	name[len] = '\0';
	ret(v, err ? err : vmconfig_create(name));
}

void hvc_log_read(struct vcpu *v)
{
	char buf[4096];
	size_t n;
	int err;

	if (!privileged(v))
		return;
	n = console_log_read(buf, MIN(arg(v, 2), (uint64_t)sizeof(buf)));
	err = guest_copy_to(v->vm, ipa_init(arg(v, 1)), buf, n);
	ret(v, err ? err : (int64_t)n);
}

/* The root partition holds the hypervisor's output: each new piece is an event for it. */
static void held_output(void *root)
{
	vm_event_raise(root, SKIFF_EV_LOG);
}

void hvc_log_take(struct vcpu *v)
{
	if (!privileged(v))
		return;
	if (arg(v, 1) == 1) {
		ret(v, (int64_t)console_hold(v->vm, held_output));
	} else if (arg(v, 1) == 0) {
		console_release(v->vm);
		ret(v, 0);
	} else {
		ret(v, SKIFF_E_INVAL);
	}
}

void hvc_log_next(struct vcpu *v)
{
	char buf[4096];
	uint64_t first = 0, end = 0;
	int64_t n;
	int err;

	if (!privileged(v))
		return;
	n = console_held_read(v->vm, arg(v, 3), buf, MIN(arg(v, 2), (uint64_t)sizeof(buf)), &first,
			      &end);
	if (n < 0) {
		ret(v, SKIFF_E_INVAL);
		return;
	}
	err = guest_copy_to(v->vm, ipa_init(arg(v, 1)), buf, (size_t)n);
	ret(v, err ? err : n);
	arch_vcpu_set_reg(&v->arch, 1, first);
	arch_vcpu_set_reg(&v->arch, 2, end);
}
