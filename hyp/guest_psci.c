/**
 * Guest PSCI over HVC (Arm DEN0022, PSCI 1.1, section 5): a VM's power control of its own vCPUs
 * (CPU_ON, CPU_OFF, AFFINITY_INFO) and of itself (SYSTEM_OFF, SYSTEM_RESET). A bad argument is a
 * PSCI error code to the guest, never a hypervisor fault.
 *
 * Who may write a vCPU's registers: a vCPU that runs, or has run, keeps its EL1 state live on
 * its CPU ("loaded") until that CPU switches away (saving it into the vCPU) or idles. CPU_OFF
 * therefore forgets that state at once, on its own CPU (arch_vcpu_forget): nothing of it is saved
 * later, so from the moment it is marked OFF, CPU_ON may reset it from any CPU. The power state
 * changes under the VM's lock (docs/smp.md's order: vm.lock, then the runqueue lock), which also
 * makes one of two concurrent CPU_ONs of a vCPU win and the other see ALREADY_ON.
 */
#include <skiff/arch_vcpu.h>
#include <skiff/console.h>
#include <skiff/cpu.h>
#include <skiff/hypercall.h>
#include <skiff/panic.h>
#include <skiff/sched.h>
#include <skiff/vcpu_trap.h>
#include <skiff/vm.h>
#include <skiff-abi/hypercall.h>

#define PSCI_VERSION_1_1 (1 << 16 | 1)

static uint64_t arg(struct vcpu *v, unsigned n)
{
	return arch_vcpu_reg(&v->arch, n);
}

static void ret(struct vcpu *v, int64_t x0)
{
	arch_vcpu_set_reg(&v->arch, 0, (uint64_t)x0);
}

/*
 * The vCPU a PSCI target_cpu names (section 5.1.4: Aff3 in bits [39:32], Aff2..Aff0 in [23:0],
 * the rest zero). vCPU n's VMPIDR_EL2 holds Aff0 = n and no other affinity, so the value is the
 * index itself; anything else is no vCPU of this VM.
 */
static struct vcpu *target(struct vm *vm, uint64_t mpidr)
{
	return mpidr < vm->nvcpus ? &vm->vcpus[mpidr] : NULL;
}

/* An entry point must be an instruction in the VM's RAM (4-byte aligned, section 5.1.4). */
static bool entry_ok(const struct vm *vm, uint64_t entry)
{
	uint64_t base = ipa_addr(vm->ram_ipa);

	return entry >= base && entry - base < vm->cfg.ram_size && !(entry & 3);
}

/* Under vm.lock: @t (OFF, its state held by no CPU) starts at @entry with x0 = @context. */
static void start(struct vcpu *t, uint64_t entry, uint64_t context)
{
	struct vm *vm = t->vm;

	for (unsigned c = 0; c < PLATFORM_MAX_CPUS; c++)
		CHECK(__atomic_load_n(&cpus[c].loaded, __ATOMIC_ACQUIRE) != t);
	arch_vcpu_reset(t, entry, context);
	arch_vcpu_set_stage2(t, vm->s2.root, vm->vmid);
	t->resume_ack = 0;
	t->block_at_exit = false;
	t->ev_mask = 0;
	__atomic_store_n(&t->ev_pending, 0, __ATOMIC_SEQ_CST);
	vcpu_events_update(t); /* after the reset's write of its HCR: an IPI meanwhile is dropped */
	__atomic_store_n(&t->power, VCPU_POWER_ON, __ATOMIC_RELEASE);
	sched_wake(t);
	if (!t->announced) /* once per boot: a CPU_ON/CPU_OFF loop does not flood the console */
		kprintf("vm %u '%s' vCPU %u started on CPU %u\n", vm->id, vm->cfg.name, t->id,
			t->cpu);
	t->announced = true;
}

static int64_t cpu_on(struct vcpu *v, uint64_t mpidr, uint64_t entry, uint64_t context)
{
	struct vm *vm = v->vm;
	struct vcpu *t = target(vm, mpidr);
	int64_t err = 0;
	uint64_t flags;

	if (!t)
		return SKIFF_PSCI_E_INVALID_PARAMETERS;
	if (!entry_ok(vm, entry))
		return SKIFF_PSCI_E_INVALID_ADDRESS;
	flags = vm_lock(vm);
	if (vm->state != VM_RUNNING) /* stopping or rebooting (vm_reboot): it stays off */
		err = SKIFF_PSCI_E_DENIED;
	else if (t->power == VCPU_POWER_ON)
		err = SKIFF_PSCI_E_ALREADY_ON;
	else
		start(t, entry, context);
	vm_unlock(vm, flags);
	return err;
}

/*
 * The caller stops for good (no return on success). Its one-shot timer goes with it; its EL1
 * state is forgotten here, on its own CPU, before it is marked OFF (see the top of the file).
 * vCPU 0 receives the VM's shared events and may not go.
 */
static void cpu_off(struct vcpu *v)
{
	struct vm *vm = v->vm;
	uint64_t flags;

	if (v->id == 0) {
		ret(v, SKIFF_PSCI_E_DENIED);
		return;
	}
	sched_set_timer(v, 0);
	flags = vm_lock(vm);
	arch_vcpu_forget(v);
	sched_stop(v);
	__atomic_store_n(&v->power, VCPU_POWER_OFF, __ATOMIC_RELEASE);
	vm_unlock(vm, flags);
}

/* CPU_ON completes within the call, so a vCPU is never seen ON_PENDING. */
static int64_t affinity_info(struct vcpu *v, uint64_t mpidr, uint64_t lowest_level)
{
	struct vcpu *t = target(v->vm, mpidr);

	if (!t || lowest_level != 0)
		return SKIFF_PSCI_E_INVALID_PARAMETERS;
	return __atomic_load_n(&t->power, __ATOMIC_ACQUIRE) == VCPU_POWER_ON ? SKIFF_PSCI_AFF_ON :
									       SKIFF_PSCI_AFF_OFF;
}

static bool supported(uint64_t fid)
{
	switch (fid) {
	case SKIFF_PSCI_VERSION:
	case SKIFF_PSCI_FEATURES:
	case SKIFF_PSCI_CPU_ON:
	case SKIFF_PSCI_CPU_ON_32:
	case SKIFF_PSCI_CPU_OFF:
	case SKIFF_PSCI_AFFINITY_INFO:
	case SKIFF_PSCI_AFFINITY_INFO_32:
	case SKIFF_PSCI_SYSTEM_OFF:
	case SKIFF_PSCI_SYSTEM_RESET:
		return true;
	default:
		return false;
	}
}

/* SMC32 functions take their arguments in w1..w3 (DEN0028 section 2.6). */
static uint64_t arg32(struct vcpu *v, unsigned n)
{
	return (uint32_t)arg(v, n);
}

void guest_psci_call(struct vcpu *v, uint32_t fid)
{
	switch (fid) {
	case SKIFF_PSCI_VERSION:
		ret(v, PSCI_VERSION_1_1);
		break;
	case SKIFF_PSCI_FEATURES: /* 0: supported, no feature flags (section 5.1.14) */
		ret(v, supported(arg32(v, 1)) ? 0 : SKIFF_PSCI_E_NOT_SUPPORTED);
		break;
	case SKIFF_PSCI_CPU_ON:
		ret(v, cpu_on(v, arg(v, 1), arg(v, 2), arg(v, 3)));
		break;
	case SKIFF_PSCI_CPU_ON_32:
		ret(v, cpu_on(v, arg32(v, 1), arg32(v, 2), arg32(v, 3)));
		break;
	case SKIFF_PSCI_CPU_OFF:
		cpu_off(v);
		break;
	case SKIFF_PSCI_AFFINITY_INFO:
		ret(v, affinity_info(v, arg(v, 1), arg(v, 2)));
		break;
	case SKIFF_PSCI_AFFINITY_INFO_32:
		ret(v, affinity_info(v, arg32(v, 1), arg32(v, 2)));
		break;
	case SKIFF_PSCI_SYSTEM_OFF:
		vm_shutdown(v->vm, 0);
		break;
	case SKIFF_PSCI_SYSTEM_RESET:
		if (!vm_reboot(v->vm))
			vcpu_retry_hypercall(v);
		break;
	default:
		ret(v, SKIFF_E_NOT_SUPPORTED);
	}
}
