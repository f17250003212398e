/**
 * VM lifetime: creation from a config (RAM, stage 2, image, start info, vCPUs), park, shutdown,
 * reboot, events and console lines. VM records are allocated from the frame pool and never
 * reused while a CPU might still refer to them (a stopped VM keeps its slot until destroyed).
 */
#include <stdarg.h>
#include <skiff/arch_vcpu.h>
#include <skiff/channel.h>
#include <skiff/console.h>
#include <skiff/cpu.h>
#include <skiff/loader.h>
#include <skiff/mem.h>
#include <skiff/mm.h>
#include <skiff/panic.h>
#include <skiff/sched.h>
#include <skiff/smp.h>
#include <skiff/string.h>
#include <skiff/vm.h>
#include <skiff/vmem.h>
#include <skiff/vmem_table.h>
#include <skiff/vmid.h>
#include <skiff-abi/hypercall.h>

static struct vm *vms[VM_MAX];
static unsigned nvms; /* VMs in vms[] */
static unsigned
	next_slot; /* ids are handed out round-robin, so a destroyed id is not reused at once */
static struct spinlock vms_lock; /* protects vms[], nvms, next_slot; taken before any vm.lock */

struct vmid_space vmids;
static uint64_t vm_serials;

#define VM_PAGES ((sizeof(struct vm) + PAGE_SIZE - 1) / PAGE_SIZE)

struct vm *vm_get(unsigned id)
{
	return id < VM_MAX ? vms[id] : NULL;
}

unsigned vm_count(void)
{
	return nvms;
}

static const char *check_config(const struct vm_config *c)
{
	if (!c->name[0])
		return "VM has no name";
	if (c->vcpus < 1 || c->vcpus > VCPU_MAX_PER_VM)
		return "vcpus must be between 1 and 4";
	if (c->privileged && c->vcpus != 1) /* its restart after a fault needs no quiesce */
		return "the root partition (privileged) must have exactly one vCPU";
	if (c->ram_size < 2 * PAGE_SIZE || !IS_ALIGNED(c->ram_size, PAGE_SIZE) ||
	    c->ram_size > GiB(64))
		return "memory must be a multiple of 4 KiB between 8 KiB and 64 GiB";
	if (c->weight < 1 || c->weight > 65535)
		return "weight must be between 1 and 65535";
	if (c->cap > 100)
		return "cap must be a percentage between 0 (none) and 100";
	return NULL;
}

static void free_vm_memory(struct vm *vm)
{
	/* Flags, not "address != 0": on a Raspberry Pi, RAM starts at physical address 0. */
	if (vm->have_s2) {
		vmem_reset(vm);
		pgtable_destroy(&vm->s2);
	}
	frame_free(&frames, pa_from_ptr(vm), VM_PAGES);
}

static bool ram_write(void *ctx, uint64_t off, const void *src, size_t n)
{
	struct vm *vm = ctx;

	return vmem_write(vm, ipa_addr(vm->ram_ipa) + off, src, n) == VMEM_OK;
}

/* The start-info block in the last page of RAM (include/skiff-abi/hypercall.h). */
static uint64_t write_start_info(struct vm *vm, unsigned vcpu)
{
	uint64_t ipa = ipa_addr(vm->ram_ipa) + vm->cfg.ram_size - PAGE_SIZE;
	struct skiff_start_info si;

	memset(&si, 0, sizeof(si));
	si.magic = SKIFF_START_MAGIC;
	si.abi_major = SKIFF_ABI_MAJOR;
	si.abi_minor = SKIFF_ABI_MINOR;
	si.vm_id = vm->id;
	si.vcpu_id = vcpu;
	si.ram_base = ipa_addr(vm->ram_ipa);
	si.ram_size = vm->cfg.ram_size;
	si.reboots = vm->reboots;
	snprintf(si.name, sizeof(si.name), "%s", vm->cfg.name);
	snprintf(si.args, sizeof(si.args), "%s", vm->cfg.args);
	return vmem_write(vm, ipa, &si, sizeof(si)) == VMEM_OK ? ipa : 0;
}

/* Image and start-info page, into untouched RAM (what they do not write stays without frames). */
static const char *load_image(struct vm *vm)
{
	struct loader_sink sink = { .write = ram_write, .ctx = vm };
	const char *err;

	/* The image may use all RAM but the start-info page. */
	err = loader_load(pa_to_ptr(vm->cfg.image.begin), pa_range_size(vm->cfg.image), &sink,
			  ipa_addr(vm->ram_ipa), vm->cfg.ram_size - PAGE_SIZE, &vm->entry);
	if (!err && !write_start_info(vm, 0)) /* its page now has a frame: rewrites cannot fail */
		err = "not enough free memory for its start-info page";
	return err;
}

/* RAM is promised, not allocated: only the stage-2 root and the image's pages take frames. */
static const char *build_memory(struct vm *vm)
{
	vm->ram_ipa = ipa_init(VM_RAM_IPA);
	vm->have_s2 = pgtable_init(&vm->s2, MM_STAGE2, 0, &frames);
	if (!vm->have_s2)
		return "not enough free memory for its stage-2 tables";
	vmem_vm_init(vm);
	return load_image(vm);
}

/* Every vCPU reset with no events; vCPU 0 starts, the others wait for guest PSCI CPU_ON. */
static void start_vcpus(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		arch_vcpu_reset(v, i ? 0 : vm->entry, i ? 0 : write_start_info(vm, 0));
		v->timer_deadline = v->block_deadline = v->resume_ack = 0;
		v->block_at_exit = false;
		v->ev_pending = v->ev_mask = 0;
		v->power = i ? VCPU_POWER_OFF : VCPU_POWER_ON;
		v->announced = false;
		arch_vcpu_set_stage2(v, vm->s2.root, vm->vmid);
	}
	sched_wake(&vm->vcpus[0]);
}

static bool attach_vcpus(struct vm *vm)
{
	vm->nvcpus = vm->cfg.vcpus;
	for (unsigned i = 0; i < vm->nvcpus; i++) {
		vm->vcpus[i].vm = vm;
		vm->vcpus[i].id = i;
		if (!sched_attach(&vm->vcpus[i])) {
			while (i--)
				sched_detach(&vm->vcpus[i]);
			return false;
		}
	}
	return true;
}

static struct vm *new_vm_record(const struct vm_config *cfg)
{
	paddr_t pa;
	struct vm *vm;

	if (!frame_alloc(&frames, VM_PAGES, 1, &pa))
		return NULL;
	vm = pa_to_ptr(pa);
	memset(vm, 0, sizeof(*vm));
	vm->cfg = *cfg;
	vm->serial = __atomic_add_fetch(&vm_serials, 1, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < ARRAY_SIZE(vm->ev_peer); i++)
		vm->ev_peer[i] = SKIFF_VM_NONE;
	return vm;
}

static bool insert_vm(struct vm *vm)
{
	bool ok = false;

	arch_spin_lock(&vms_lock);
	for (unsigned i = 0; i < VM_MAX && !ok; i++) {
		unsigned id = (next_slot + i) % VM_MAX;
		if (vms[id])
			continue;
		vm->id = id;
		vms[id] = vm;
		next_slot = id + 1;
		nvms++;
		ok = true;
	}
	arch_spin_unlock(&vms_lock);
	return ok;
}

static void sched_detach_all(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nvcpus; i++)
		sched_detach(&vm->vcpus[i]);
}

struct vm *vm_create(const struct vm_config *cfg, const char **err)
{
	struct vm *vm;

	if ((*err = check_config(cfg)))
		return NULL;
	vm = new_vm_record(cfg);
	if (!vm) {
		*err = "too many VMs or no memory for the VM record";
		return NULL;
	}
	if ((*err = build_memory(vm)) || !attach_vcpus(vm)) {
		if (!*err && sched_place(&vm->vcpus[0]) == SCHED_NO_CPU)
			*err = "none of the CPUs its \"cpus\" property names is online";
		else if (!*err)
			*err = "the scheduler's runqueue is full";
		free_vm_memory(vm);
		return NULL;
	}
	if (!insert_vm(vm)) {
		*err = "too many VMs";
		sched_detach_all(vm);
		free_vm_memory(vm);
		return NULL;
	}
	vm->state = VM_RUNNING;
	start_vcpus(vm);
	return vm;
}

static void stop_vcpus(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nvcpus; i++)
		sched_stop(&vm->vcpus[i]);
}

struct vm *vm_root(void)
{
	for (unsigned i = 0; i < VM_MAX; i++)
		if (vms[i] && vms[i]->cfg.privileged && vms[i]->state != VM_SHUTDOWN)
			return vms[i];
	return NULL;
}

/* Tells the root partition that some VM changed state (it refreshes `list` and `top`). */
static void tell_root(const struct vm *changed)
{
	struct vm *root = vm_root();

	if (root && root != changed && root->state == VM_RUNNING)
		vm_event_raise(root, SKIFF_EV_VMSTATE);
}

/* A VM stopped running: its channels and offers go, root hears of it; a dead root restarts. */
static void vm_stopped(struct vm *vm)
{
	stop_vcpus(vm);
	chan_vm_gone(vm);
	tell_root(vm);
	if (vm->cfg.privileged) {
		kprintf("vm %u '%s' is the root partition: restarting it\n", vm->id, vm->cfg.name);
		CHECK(vm_reboot(vm)); /* root needs no token: see vm_reboot */
	}
}

void vm_park(struct vm *vm, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	vm->state = VM_PARKED;
	console_release(vm); /* a root partition's terminal: the hypervisor prints again */
	kprintf("vm %u '%s' parked: %s\n", vm->id, vm->cfg.name, why);
	vm_stopped(vm);
}

void vm_shutdown(struct vm *vm, int code)
{
	vm->state = VM_SHUTDOWN;
	vm->exit_code = code;
	console_release(vm);
	kprintf("vm %u '%s' exited with code %d\n", vm->id, vm->cfg.name, code);
	vm_stopped(vm);
}

/* From now on no guest PSCI CPU_ON starts a vCPU of @vm (it checks the state under the lock). */
static void set_rebooting(struct vm *vm)
{
	uint64_t flags = vm_lock(vm);

	vm->state = VM_REBOOTING;
	vm_unlock(vm, flags);
}

/*
 * Root (privileged) has one vCPU (check_config) and only root itself restarts it, on that vCPU,
 * so no other CPU can hold its state and it needs neither the token nor a quiesce: its restart
 * after a fault, which cannot be retried, never has to wait. Any other VM takes the token,
 * which also keeps a second reboot or a destroy (root's) off it meanwhile.
 */
bool vm_reboot(struct vm *vm)
{
	struct vcpu *self = this_cpu()->vcpu;
	bool alone = self && self->vm == vm && vm->nvcpus == 1; /* nothing of it elsewhere */
	const char *err;

	CHECK(alone || !vm->cfg.privileged);
	if (!vm->cfg.privileged && !sched_quiesce_claim())
		return false;
	set_rebooting(vm);
	console_release(vm);
	stop_vcpus(vm);
	if (!alone)
		sched_quiesce(); /* no other CPU runs its vCPUs or holds their state any more */
	chan_vm_gone(vm);
	vmem_reset(vm);
	vm->mem_waiting = vm->mem_wait_told = false;
	vm->reboots++;
	err = load_image(vm);
	if (err) { /* it loaded the first time: only memory can be short now */
		vm->state = VM_PARKED;
		kprintf("vm %u '%s' cannot reboot: %s\n", vm->id, vm->cfg.name, err);
		tell_root(vm);
	} else {
		for (unsigned i = 0; i < ARRAY_SIZE(vm->ev_peer); i++)
			vm->ev_peer[i] = SKIFF_VM_NONE;
		vm->ev_chan_ports = 0;
		vm->state = VM_RUNNING;
		kprintf("vm %u '%s' rebooting\n", vm->id, vm->cfg.name);
		start_vcpus(vm); /* the reset vCPUs start with the virtual IRQ line low */
		tell_root(vm);
	}
	if (!vm->cfg.privileged)
		sched_quiesce_release();
	return true;
}

int vm_pause(struct vm *vm, bool pause)
{
	if (vm->state != (pause ? VM_RUNNING : VM_PAUSED))
		return SKIFF_E_INVAL;
	vm->state = pause ? VM_PAUSED : VM_RUNNING; /* the scheduler picks only RUNNING VMs */
	for (unsigned i = 0; i < vm->nvcpus; i++)
		sched_yield(&vm->vcpus[i]);
	tell_root(vm);
	return 0;
}

bool vm_destroy(struct vm *vm)
{
	struct cpu *c = this_cpu();

	if (!sched_quiesce_claim())
		return false;
	console_release(vm);
	kprintf("vm %u '%s' destroyed\n", vm->id, vm->cfg.name);
	vm->state = VM_SHUTDOWN;
	stop_vcpus(vm);
	chan_vm_gone(vm);
	sched_detach_all(vm);
	for (unsigned i = 0; i < vm->nvcpus; i++)
		if (c->loaded == &vm->vcpus[i])
			c->loaded = NULL; /* its EL1 state in the registers is not worth saving */
	arch_spin_lock(&vms_lock);
	vms[vm->id] = NULL;
	nvms--;
	arch_spin_unlock(&vms_lock);
	tell_root(vm);
	/* Unlisted: no CPU finds it any more; then wait until none still uses what it found. */
	sched_quiesce();
	free_vm_memory(vm);
	sched_quiesce_release();
	return true;
}

void vm_vcpu_notify(struct vcpu *v)
{
	/* After the pending bit (sequentially consistent): see sched_block and sched_next. */
	enum vcpu_state s = __atomic_load_n(&v->state, __ATOMIC_SEQ_CST);

	if (s == VCPU_BLOCKED)
		sched_wake(v);
	else if (s == VCPU_RUNNING && v->cpu != this_cpu()->index)
		smp_kick(v->cpu);
}

/* Inlined in both callers: vm_event_raise is every doorbell's path (make bench event_send). */
static inline __attribute__((always_inline)) void raise(struct vcpu *v, unsigned port)
{
	uint64_t bit = 1ULL << port;

	__atomic_fetch_or(&v->ev_pending, bit, __ATOMIC_SEQ_CST);
	if (v->ev_mask & bit)
		return;
	vcpu_events_update(v);
	vm_vcpu_notify(v);
}

void vcpu_event_raise(struct vcpu *v, unsigned port)
{
	raise(v, port);
}

void vm_event_raise(struct vm *vm, unsigned port)
{
	raise(&vm->vcpus[0], port);
}

uint64_t vm_lock(struct vm *vm)
{
	return vmem_lock_vm(vm);
}

void vm_unlock(struct vm *vm, uint64_t flags)
{
	vmem_unlock_vm(vm, flags);
}

void vm_console_put(struct vm *vm, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool eol = s[i] == '\n';
		if (!eol && s[i] != '\r')
			vm->line[vm->line_len++] = s[i];
		if (eol || vm->line_len == sizeof(vm->line) - 1) {
			char out[VM_NAME_MAX + sizeof(vm->line) + 4];
			int len = snprintf(out, sizeof(out), "[%s] %.*s\n", vm->cfg.name,
					   (int)vm->line_len, vm->line);
			console_output(out, (size_t)MIN(len, (int)sizeof(out) - 1));
			vm->line_len = 0;
		}
	}
}
