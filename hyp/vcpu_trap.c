/** Portable trap handlers (see vcpu_trap.h) and the common exit path. */
#include <skiff/arch_vcpu.h>
#include <skiff/console.h>
#include <skiff/cpu.h>
#include <skiff/sched.h>
#include <skiff/vcpu_trap.h>
#include <skiff/vm.h>
#include <skiff/vmem.h>
#include <skiff/vmid.h>
#include <skiff-abi/hypercall.h>

extern struct vmid_space vmids;

/*
 * A VM's new VMID, before any CPU may switch to it (under the VMID lock): stage-2 TLB maintenance
 * and every vCPU's VTTBR use it from now on. Only then is its generation published, so a CPU
 * that finds the VM's VMID current finds its vCPUs' VTTBRs current too.
 */
static void assign_vmid(void *ctx, uint16_t vmid)
{
	struct vm *vm = ctx;

	vm->s2.vmid = vmid;
	for (unsigned i = 0; i < vm->nvcpus; i++)
		arch_vcpu_set_stage2(&vm->vcpus[i], vm->s2.root, vmid);
}

/*
 * @prev's EL1 state is in memory now; its x19-x29 will be once this CPU is back at a scheduling
 * point (guest_entry.S saves them after this, on the way to the next guest): both are what
 * another CPU checks before moving @prev (sched_balance.c unloaded).
 */
static void let_go(struct cpu *c, struct vcpu *prev)
{
	if (prev->vtimer_deadline) /* its guest timer is now the scheduler's to watch */
		sched_note_deadline(prev, prev->vtimer_deadline);
	__atomic_store_n(&prev->unload_pass, c->passes, __ATOMIC_RELAXED);
}

/*
 * Switches the hardware to @next if it is not loaded yet, refreshing its VMID on the way; or,
 * for the idle stub (no VM), only saves what is loaded.
 */
static inline __attribute__((always_inline)) void load(struct cpu *c, struct vcpu *next)
{
	struct vm *vm = next->vm;
	struct vcpu *prev = c->loaded;

	if (__builtin_expect(!vm, 0)) {
		arch_vcpu_unload(prev);
		let_go(c, prev);
		__atomic_store_n(&c->loaded, NULL, __ATOMIC_RELEASE);
		return;
	}
	vmid_refresh(&vmids, c->index, &vm->vmid, &vm->vmid_gen, assign_vmid, vm);
	arch_vcpu_switch(prev, next);
	if (prev)
		let_go(c, prev);
	__atomic_store_n(&c->loaded, next, __ATOMIC_RELEASE);
}

static void resume_ack(struct vcpu *v)
{
	uint64_t ports = v->resume_ack;
	uint64_t bits = __atomic_fetch_and(&v->ev_pending, ~ports, __ATOMIC_ACQ_REL);

	v->resume_ack = 0;
	vcpu_events_update(v);
	arch_vcpu_set_reg(&v->arch, 0, bits & ports);
}

struct vcpu *vcpu_exit_resched(struct vcpu *v)
{
	struct cpu *c = this_cpu();
	struct vcpu *next;

	if (__builtin_expect(v && v->repeat_fid, 0)) { /* the handler's x0 does not count */
		arch_vcpu_set_reg(&v->arch, 0, v->repeat_fid);
		v->repeat_fid = 0;
	}
	next = sched_next(v);

	if (next != c->loaded)
		load(c, next);
	if (next->resume_ack) /* it blocked in EVENT_SEND_WAIT: complete the call */
		resume_ack(next);
	c->vcpu = next;
	return next;
}

void vcpu_enter_first(void)
{
	struct cpu *c = this_cpu();
	struct vcpu *next;

	c->vcpu = NULL; /* (after the idle stub: no exit is being handled) */
	next = sched_next(NULL);
	if (next != c->loaded)
		load(c, next);
	if (next->resume_ack)
		resume_ack(next);
	c->vcpu = next;
	arch_vcpu_enter_first(next);
}

struct vcpu *vcpu_wait(struct vcpu *v, bool wfe, uint64_t deadline)
{
	if (wfe)
		sched_yield(v);
	else if (!vcpu_event_ready(v))
		sched_block(v, deadline);
	return vcpu_exit(v);
}

struct vcpu *vcpu_fault(struct vcpu *v, const char *why)
{
	vm_park(v->vm, "%s", why);
	return vcpu_exit(v);
}

/*
 * With no frame free a vCPU waits, trying again every MEM_RETRY_US while reclaim (the sharing
 * scanner on the idle CPU, ...) frees some. Short waits are normal under overcommit; one that
 * lasts MEM_REPORT_MS is reported, and so is its end.
 */
#define MEM_RETRY_US 1000
#define MEM_REPORT_MS 100           /* when reclaim cannot help (no swap, swap full) */
#define MEM_REPORT_SWAPPING_MS 5000 /* while swap is working */
#define RECLAIM_BATCH 32            /* pages written out per attempt when no frame was free */
#define PAGE_WAIT_US 10000 /* a page-in waiter looks again by then even if no wake-up came */

static void mem_wait(struct vm *vm, uint64_t ipa)
{
	uint64_t now = arch_counter_now();

	if (!vm->mem_waiting) {
		vm->mem_waiting = true;
		vm->mem_wait_start = now;
	} else if (!vm->mem_wait_told) {
		const char *why = vmem_swap_trouble();
		uint64_t ms = why ? MEM_REPORT_MS : MEM_REPORT_SWAPPING_MS;
		if (now - vm->mem_wait_start <= arch_counter_freq() * ms / 1000)
			return;
		vm->mem_wait_told = true;
		kprintf("vm %u '%s' waits for memory: no free frame for IPA 0x%lx for %lu ms%s%s; "
			"it runs on when memory is freed\n",
			vm->id, vm->cfg.name, ipa, ms, why ? " and " : "", why ? why : "");
	}
}

static void mem_wait_over(struct vm *vm)
{
	if (vm->mem_wait_told)
		kprintf("vm %u '%s' has memory again after %lu ms and runs on\n", vm->id,
			vm->cfg.name,
			(arch_counter_now() - vm->mem_wait_start) * 1000 / arch_counter_freq());
	vm->mem_waiting = vm->mem_wait_told = false;
}

/* Blocks @v until memory for @ipa may be there (vmem said @why); reclaim is started. */
static void wait_for_memory(struct vcpu *v, uint64_t ipa, enum vmem_result why)
{
	uint64_t us = MEM_RETRY_US;

	if (why == VMEM_WAIT) { /* a page on its way back from swap: woken when it is */
		v->page_wait = true;
		us = PAGE_WAIT_US;
	} else {
		mem_wait(v->vm, ipa);
		if (vmem_reclaim_enter()) { /* else another CPU is at it */
			vmem_reclaim(RECLAIM_BATCH);
			vmem_reclaim_leave();
		}
	}
	/* Not blocked (an event is ready): still through the slow exit, which restores repeat_fid.
	 */
	if (!sched_block(v, arch_counter_now() + arch_counter_freq() * us / 1000000)) {
		v->page_wait = false;
		sched_yield(v);
	}
}

void vcpu_repeat_hypercall(struct vcpu *v, uint64_t ipa, enum vmem_result why)
{
	v->repeat_fid = arch_vcpu_reg(&v->arch, 0); /* x0 still holds the function ID */
	arch_vcpu_repeat_call(&v->arch);
	wait_for_memory(v, ipa, why);
}

void vcpu_retry_hypercall(struct vcpu *v)
{
	v->repeat_fid = arch_vcpu_reg(&v->arch, 0);
	arch_vcpu_repeat_call(&v->arch);
	sched_yield(v); /* a scheduling point: what the quiesce token's owner waits for */
}

struct vcpu *vcpu_stage2_fault(struct vcpu *v, uint64_t ipa, bool write)
{
	struct vm *vm = v->vm;
	enum vmem_result r = vmem_fault(vm, ipa, write);

	if (r == VMEM_BAD_ADDRESS)
		return NULL;
	if (r == VMEM_OK && __builtin_expect(vm->mem_waiting, 0))
		mem_wait_over(vm);
	else if (r != VMEM_OK)
		wait_for_memory(v, ipa, r);
	return vcpu_exit(v);
}

struct vcpu *vcpu_interrupted(struct vcpu *v)
{
	return vcpu_exit(v);
}

void vcpu_vtimer_fired(struct vcpu *v)
{
	vcpu_event_raise(v, SKIFF_EV_VTIMER);
}

void vcpu_vtimer_irq(uint32_t intid, void *ctx)
{
	struct vcpu *v = this_cpu()->loaded;

	(void)intid;
	(void)ctx;
	arch_vcpu_vtimer_mask_loaded();
	if (v)
		vcpu_vtimer_fired(v);
}

void console_input_irq(uint32_t intid, void *ctx)
{
	struct vm *root = vm_root();

	(void)intid;
	(void)ctx;
	console_rx_irq(false); /* level-triggered: quiet until root has read what waits */
	if (root)
		vm_event_raise(root, SKIFF_EV_CONSOLE);
}
