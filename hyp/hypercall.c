/**
 * Hypercall dispatch (include/skiff-abi/hypercall.h, docs/hypercall-abi.md). Table-driven by
 * function number; each handler reads its arguments from the saved registers, validates them,
 * writes x0 (and x1..x3) and may block, yield or stop the calling vCPU. Bad arguments are an
 * error code to the guest, never a hypervisor fault.
 */
#include <skiff/console.h>
#include <skiff/cpu.h>
#include <skiff/guest_mem.h>
#include <skiff/hypercall.h>
#include <skiff/panic.h>
#include <skiff/sched.h>
#include <skiff/vcpu_trap.h>
#include <skiff/vm.h>
#include <skiff-abi/hypercall.h>

static uint64_t arg(struct vcpu *v, unsigned n)
{
	return arch_vcpu_reg(&v->arch, n);
}

static void ret(struct vcpu *v, int64_t x0)
{
	arch_vcpu_set_reg(&v->arch, 0, (uint64_t)x0);
}

static void hvc_abi_version(struct vcpu *v)
{
	ret(v, SKIFF_ABI_MAJOR << 16 | SKIFF_ABI_MINOR);
}

static void hvc_console_write(struct vcpu *v)
{
	char buf[SKIFF_CONSOLE_MAX];
	uint64_t len = arg(v, 2);
	int err;

	if (len > sizeof(buf)) {
		ret(v, SKIFF_E_INVAL);
		return;
	}
	err = guest_copy_from(v->vm, buf, ipa_init(arg(v, 1)), len);
	if (!err && v->vm->cfg.privileged)
		console_terminal(buf, len); /* root owns the terminal */
	else if (!err)
		vm_console_put(v->vm, buf, len);
	ret(v, err ? err : (int64_t)len);
}

/* Root reads the UART; it is told input waits by SKIFF_EV_CONSOLE (see console_input_irq). */
static void hvc_console_read(struct vcpu *v)
{
	char buf[SKIFF_CONSOLE_MAX];
	uint64_t size = MIN(arg(v, 2), (uint64_t)sizeof(buf)), n = 0;
	int c, err;

	if (!v->vm->cfg.privileged) {
		ret(v, 0); /* other VMs get input through their console channel */
		return;
	}
	err = guest_prepare_to(v->vm, ipa_init(arg(v, 1)), size); /* before input is taken */
	if (err) {
		ret(v, err);
		return;
	}
	while (n < size && (c = console_getc()) >= 0)
		buf[n++] = (char)c;
	err = n ? guest_copy_to(v->vm, ipa_init(arg(v, 1)), buf, n) : 0;
	if (n < size)
		console_rx_irq(true); /* drained: the next byte raises SKIFF_EV_CONSOLE again */
	ret(v, err ? err : (int64_t)n);
}

static void hvc_yield(struct vcpu *v)
{
	ret(v, 0);
	sched_yield(v);
}

static void hvc_block(struct vcpu *v)
{
	uint64_t deadline = arg(v, 1);

	ret(v, 0);
	if (vcpu_event_ready(v) || (deadline && arch_counter_now() >= deadline))
		return;
	sched_block(v, deadline);
}

static void hvc_timer_set(struct vcpu *v)
{
	sched_set_timer(v, arg(v, 1));
	ret(v, 0);
}

/* EVENT_SEND's checks and delivery: 0 or a negative SKIFF_E_*. */
static int64_t event_send(struct vcpu *v, uint64_t target, uint64_t port)
{
	struct vm *to = target < VM_MAX ? vm_get((unsigned)target) : NULL;

	if (!to || port >= SKIFF_EV_PORTS)
		return SKIFF_E_NOENT;
	if (to->ev_peer[port] != v->vm->id)
		return SKIFF_E_DENIED;
	vm_event_raise(to, (unsigned)port);
	return 0;
}

static void hvc_event_send(struct vcpu *v)
{
	ret(v, event_send(v, arg(v, 1), arg(v, 2)));
}

/* Clears the pending ports of @ports on @v and returns those that were pending. */
static uint64_t ack(struct vcpu *v, uint64_t ports)
{
	uint64_t bits;

	/* None pending: nothing to clear (one raised after this look came after the ack). */
	if (!(__atomic_load_n(&v->ev_pending, __ATOMIC_RELAXED) & ports))
		return 0;
	bits = __atomic_fetch_and(&v->ev_pending, ~ports, __ATOMIC_ACQ_REL);

	vcpu_events_update(v);
	return bits & ports;
}

static void hvc_event_send_wait(struct vcpu *v)
{
	uint64_t ports = arg(v, 3), got;
	int64_t err = arg(v, 1) == SKIFF_VM_NONE ? 0 : event_send(v, arg(v, 1), arg(v, 2));

	if (err) {
		ret(v, err);
		return;
	}
	got = ack(v, ports);
	ret(v, (int64_t)got);
	if (got || vcpu_event_ready(v))
		return;
	v->resume_ack = ports; /* vcpu_exit_resched acknowledges them when v runs again */
	sched_block_at_exit(v);
}

static void hvc_event_mask(struct vcpu *v)
{
	v->ev_mask = (v->ev_mask | arg(v, 1)) & ~arg(v, 2);
	vcpu_events_update(v);
	ret(v, (int64_t)v->ev_mask);
}

static void hvc_event_ack(struct vcpu *v)
{
	ret(v, (int64_t)ack(v, arg(v, 1)));
}

static void hvc_event_bind(struct vcpu *v)
{
	uint64_t port = arg(v, 1), peer = arg(v, 2);

	if (port < SKIFF_EV_PORTS && (v->vm->ev_chan_ports & (1ULL << port))) {
		ret(v, SKIFF_E_BUSY); /* a channel's doorbell */
		return;
	}
	if (port >= SKIFF_EV_PORTS || port < SKIFF_EV_FIRST_FREE ||
	    (peer != SKIFF_VM_NONE && !vm_get((unsigned)MIN(peer, (uint64_t)VM_MAX)))) {
		ret(v, SKIFF_E_INVAL);
		return;
	}
	v->vm->ev_peer[port] = (uint32_t)peer;
	ret(v, 0);
}

static void hvc_vm_info(struct vcpu *v)
{
	ret(v, v->vm->id);
	arch_vcpu_set_reg(&v->arch, 1, v->id);
	arch_vcpu_set_reg(&v->arch, 2, v->vm->nvcpus);
	arch_vcpu_set_reg(&v->arch, 3, v->vm->cfg.ram_size);
}

static void hvc_shutdown(struct vcpu *v)
{
	vm_shutdown(v->vm, (int)arg(v, 1));
}

static void hvc_reboot(struct vcpu *v)
{
	if (!vm_reboot(v->vm))
		vcpu_retry_hypercall(v);
}

/* A virtual IPI: SKIFF_EV_IPI on vCPU x1 of the caller's own VM (an event send within it). */
static void hvc_ipi_send(struct vcpu *v)
{
	uint64_t n = arg(v, 1);
	struct vcpu *to;

	if (n >= v->vm->nvcpus) {
		ret(v, SKIFF_E_INVAL);
		return;
	}
	to = &v->vm->vcpus[n];
	if (__atomic_load_n(&to->power, __ATOMIC_ACQUIRE) != VCPU_POWER_ON) {
		ret(v, SKIFF_E_NOENT); /* off: CPU_ON clears its events anyway */
		return;
	}
	vcpu_event_raise(to, SKIFF_EV_IPI);
	ret(v, 0);
}

static void (*const skiff_calls[])(struct vcpu *) = {
	[0x00] = hvc_abi_version, [0x01] = hvc_console_write,   [0x02] = hvc_console_read,
	[0x03] = hvc_yield,       [0x04] = hvc_block,           [0x05] = hvc_timer_set,
	[0x06] = hvc_event_send,  [0x07] = hvc_event_mask,      [0x08] = hvc_event_ack,
	[0x09] = hvc_event_bind,  [0x0a] = hvc_vm_info,         [0x0b] = hvc_shutdown,
	[0x0c] = hvc_reboot,      [0x0d] = hvc_chan_offer,      [0x0e] = hvc_chan_list,
	[0x0f] = hvc_chan_open,   [0x10] = hvc_chan_info,       [0x11] = hvc_chan_close,
	[0x12] = hvc_vm_list,     [0x13] = hvc_vm_ctrl,         [0x14] = hvc_vm_create,
	[0x15] = hvc_log_read,    [0x16] = hvc_event_send_wait, [0x17] = hvc_mem_release,
	[0x18] = hvc_mem_info,    [0x19] = hvc_log_take,        [0x1a] = hvc_log_next,
	[0x1b] = hvc_ipi_send,
};
_Static_assert(ARRAY_SIZE(skiff_calls) == SKIFF_HVC_COUNT, "a Skiff call has no handler");

/* SMCCC general queries (DEN0028 section 6); everything else may be guest PSCI. */
static void other_call(struct vcpu *v, uint32_t fid)
{
	switch (fid) {
	case SKIFF_HVC_CALL_UID:
		ret(v, SKIFF_UID_0);
		arch_vcpu_set_reg(&v->arch, 1, SKIFF_UID_1);
		arch_vcpu_set_reg(&v->arch, 2, SKIFF_UID_2);
		arch_vcpu_set_reg(&v->arch, 3, SKIFF_UID_3);
		break;
	case SKIFF_HVC_REVISION:
		ret(v, SKIFF_ABI_MAJOR);
		arch_vcpu_set_reg(&v->arch, 1, SKIFF_ABI_MINOR);
		break;
	default:
		guest_psci_call(v, fid);
	}
}

void hypercall_check_table(void)
{
	for (unsigned i = 0; i < ARRAY_SIZE(skiff_calls); i++)
		CHECK(skiff_calls[i]); /* a gap would be a NULL call any guest could make */
}

struct vcpu *vcpu_hypercall(struct vcpu *v)
{
	uint32_t fid = (uint32_t)arg(v, 0);
	uint32_t n = fid & 0xffff;

	if ((fid & ~0xffffU) != SKIFF_FN(0))
		other_call(v, fid);
	else if (n < SKIFF_HVC_COUNT)
		skiff_calls[n](v);
	else
		ret(v, SKIFF_E_NOT_SUPPORTED);
	return vcpu_exit(v);
}
