/**
 * Guests with several vCPUs (hyp/guest_psci.c, the per-vCPU events of hyp/vm.c, IPI_SEND in
 * hyp/hypercall.c, the quiesce token in hyp/sched.c) through vcpu_hypercall(), as the HVC trap
 * calls it: a VM of four vCPUs made by vm_create, arguments in the saved registers, results read
 * back, and the vCPU the exit path returns checked.
 */
#include "support.h"

#include <skiff/cpu.h>
#include <skiff/sched.h>
#include <skiff/smp.h>
#include <skiff/vcpu_trap.h>
#include <skiff/vm.h>
#include <skiff-abi/hypercall.h>

#define RAM_SIZE KiB(64)
#define ENTRY (VM_RAM_IPA + 0x100)

static struct vm *quad;  /* four vCPUs */
static struct vcpu *cur; /* the vCPU running on CPU 0 now */

static void wfi(void)
{
	if (fake.wfis > 1000)
		fail_msg("the CPU idles forever");
	if (fake.timer_deadline > fake.counter)
		fake.counter = fake.timer_deadline;
}

/* The other CPUs pass a scheduling point each time CPU 0 spins (sched_quiesce waits for it). */
static void others_pass(void)
{
	for (unsigned c = 1; c < PLATFORM_MAX_CPUS; c++)
		cpus[c].passes++;
}

/* @n CPUs online (0..n-1), every CPU record fresh; the VM's vCPUs are placed over them. */
static void machine(unsigned n)
{
	if (quad) { /* the idle CPU's scanner must not find VMs of an older frame pool */
		arch_set_this_cpu(&cpus[0]);
		assert_true(vm_destroy(quad));
		quad = NULL;
	}
	fake_mm.input_bits[MM_STAGE2] = 39;
	test_cpus_reset();
	test_guest_machine(512);
	for (unsigned i = 1; i < n; i++)
		cpus[i].state = CPU_READY;
	fake.wfi_hook = wfi;
	fake_smp.relax_hook = others_pass;
	quad = test_make_vm_vcpus("quad", RAM_SIZE, false, 4);
	cur = vcpu_exit_resched(NULL);
	assert_ptr_equal(cur, &quad->vcpus[0]);
}

static int setup(void **state)
{
	test_setup(state);
	machine(1);
	return 0;
}

static int teardown(void **state)
{
	arch_set_this_cpu(&cpus[0]);
	assert_true(vm_destroy(quad));
	quad = NULL;
	return test_teardown(state);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

static uint64_t reg(const struct vcpu *v, unsigned n)
{
	return arch_vcpu_reg(&v->arch, n);
}

/* The running vCPU calls @fid with x1..x3; returns its x0 afterwards. */
static int64_t hvc(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct vcpu *caller = cur;

	arch_vcpu_set_reg(&cur->arch, 0, fid);
	arch_vcpu_set_reg(&cur->arch, 1, a1);
	arch_vcpu_set_reg(&cur->arch, 2, a2);
	arch_vcpu_set_reg(&cur->arch, 3, a3);
	cur = vcpu_hypercall(cur);
	assert_ptr_equal(cpus[0].vcpu, cur);
	return (int64_t)reg(caller, 0);
}

/* Yields until vCPU @v runs on CPU 0 (time passes so that vruntimes move). */
static void run(struct vcpu *v)
{
	for (int i = 0; cur != v; i++) {
		assert_true(i < 20);
		fake.counter += 1000;
		assert_int_equal(hvc(SKIFF_HVC_YIELD, 0, 0, 0), 0);
	}
}

static int64_t cpu_on(uint64_t mpidr, uint64_t entry, uint64_t context)
{
	return hvc(SKIFF_PSCI_CPU_ON, mpidr, entry, context);
}

static int64_t affinity(unsigned vcpu)
{
	return hvc(SKIFF_PSCI_AFFINITY_INFO, vcpu, 0, 0);
}

static void test_secondaries_start_off(void **state)
{
	(void)state;
	assert_int_equal(affinity(0), SKIFF_PSCI_AFF_ON);
	for (unsigned i = 1; i < 4; i++) {
		assert_int_equal(affinity(i), SKIFF_PSCI_AFF_OFF);
		assert_int_equal(quad->vcpus[i].state, VCPU_OFF);
	}
	for (uint64_t f = SKIFF_PSCI_CPU_OFF; f <= SKIFF_PSCI_AFFINITY_INFO_32; f++)
		assert_int_equal(hvc(SKIFF_PSCI_FEATURES, f, 0, 0), 0);
	assert_int_equal(hvc(SKIFF_PSCI_FEATURES, SKIFF_PSCI_AFFINITY_INFO, 0, 0), 0);
}

/* CPU_ON: the target starts at the entry with x0 = context id, reset, runnable. */
static void test_cpu_on_starts_a_vcpu(void **state)
{
	struct vcpu *v1 = &quad->vcpus[1];

	(void)state;
	assert_int_equal(cpu_on(1, ENTRY, 0xc0ffee), 0);
	assert_int_equal(affinity(1), SKIFF_PSCI_AFF_ON);
	assert_int_equal(v1->state, VCPU_RUNNABLE);
	assert_int_equal(v1->arch.entry, ENTRY);
	assert_int_equal(reg(v1, 0), 0xc0ffee);
	run(v1);
	assert_int_equal(hvc(SKIFF_HVC_VM_INFO, 0, 0, 0), quad->id);
	assert_int_equal(reg(v1, 1), 1); /* its vCPU id */
	assert_int_equal(reg(v1, 2), 4);
	/* The SMC32 form: 32-bit arguments, upper halves ignored. */
	assert_int_equal(hvc(SKIFF_PSCI_CPU_ON_32, 0xdead00000002ULL, 0xdead00000000ULL | ENTRY, 7),
			 0);
	assert_int_equal(quad->vcpus[2].arch.entry, ENTRY);
	assert_int_equal(hvc(SKIFF_PSCI_AFFINITY_INFO_32, 0xdead00000002ULL, 0xdead00000000ULL, 0),
			 SKIFF_PSCI_AFF_ON);
}

static void test_cpu_on_errors(void **state)
{
	(void)state;
	assert_int_equal(cpu_on(4, ENTRY, 0), SKIFF_PSCI_E_INVALID_PARAMETERS);
	assert_int_equal(cpu_on(0x101, ENTRY, 0), SKIFF_PSCI_E_INVALID_PARAMETERS); /* Aff1 = 1 */
	assert_int_equal(cpu_on(1ULL << 32 | 1, ENTRY, 0), SKIFF_PSCI_E_INVALID_PARAMETERS);
	assert_int_equal(cpu_on(0x80000001, ENTRY, 0), SKIFF_PSCI_E_INVALID_PARAMETERS);
	assert_int_equal(cpu_on(1, 0, 0), SKIFF_PSCI_E_INVALID_ADDRESS);
	assert_int_equal(cpu_on(1, VM_RAM_IPA - 4, 0), SKIFF_PSCI_E_INVALID_ADDRESS);
	assert_int_equal(cpu_on(1, VM_RAM_IPA + RAM_SIZE, 0), SKIFF_PSCI_E_INVALID_ADDRESS);
	assert_int_equal(cpu_on(1, ~0ULL, 0), SKIFF_PSCI_E_INVALID_ADDRESS);
	assert_int_equal(cpu_on(1, ENTRY + 2, 0), SKIFF_PSCI_E_INVALID_ADDRESS);
	assert_int_equal(cpu_on(0, ENTRY, 0), SKIFF_PSCI_E_ALREADY_ON); /* itself */
	assert_int_equal(affinity(1), SKIFF_PSCI_AFF_OFF);              /* none started */
	assert_int_equal(quad->vcpus[1].state, VCPU_OFF);
	assert_int_equal(hvc(SKIFF_PSCI_AFFINITY_INFO, 1, 1, 0), SKIFF_PSCI_E_INVALID_PARAMETERS);
	assert_int_equal(hvc(SKIFF_PSCI_AFFINITY_INFO, 9, 0, 0), SKIFF_PSCI_E_INVALID_PARAMETERS);
	/* A VM being rebooted (vm_reboot's window) starts nothing. */
	quad->state = VM_REBOOTING;
	assert_int_equal(cpu_on(1, ENTRY, 0), SKIFF_PSCI_E_DENIED);
	quad->state = VM_RUNNING;
	assert_int_equal(affinity(1), SKIFF_PSCI_AFF_OFF);
}

/* Two vCPUs start the same one: the first wins, the second is told it is on. */
static void test_second_cpu_on_of_one_target_loses(void **state)
{
	(void)state;
	assert_int_equal(cpu_on(2, ENTRY, 0), 0);
	run(&quad->vcpus[2]);
	assert_int_equal(cpu_on(1, ENTRY, 2), 0);
	assert_int_equal(reg(&quad->vcpus[1], 0), 2);
	run(&quad->vcpus[0]);
	assert_int_equal(cpu_on(1, ENTRY + 4, 0), SKIFF_PSCI_E_ALREADY_ON);
	assert_int_equal(quad->vcpus[1].arch.entry, ENTRY); /* the winner's start stands */
}

/* CPU_OFF: stopped at once, its live state forgotten, its timer gone; CPU_ON again resets it. */
static void test_cpu_off_and_on_again(void **state)
{
	struct vcpu *v1 = &quad->vcpus[1];

	(void)state;
	assert_int_equal(cpu_on(1, ENTRY, 0), 0);
	run(v1);
	assert_ptr_equal(cpus[0].loaded, v1);
	assert_int_equal(hvc(SKIFF_HVC_TIMER_SET, fake.counter + 100000, 0, 0), 0);
	arch_vcpu_set_reg(&v1->arch, 5, 0x5555);
	hvc(SKIFF_PSCI_CPU_OFF, 0, 0, 0);
	assert_ptr_not_equal(cur, v1); /* it does not return */
	assert_int_equal(v1->state, VCPU_OFF);
	assert_int_equal(v1->timer_deadline, 0);
	assert_ptr_not_equal(cpus[0].loaded, v1);
	assert_int_equal(affinity(1), SKIFF_PSCI_AFF_OFF);
	fake.counter += 200000; /* its old timer would have fired: nothing wakes it */
	assert_int_equal(hvc(SKIFF_HVC_YIELD, 0, 0, 0), 0);
	assert_int_equal(v1->state, VCPU_OFF);
	assert_int_equal(cpu_on(1, ENTRY + 8, 9), 0);
	assert_int_equal(v1->arch.entry, ENTRY + 8);
	assert_int_equal(reg(v1, 0), 9);
	assert_int_equal(reg(v1, 5), 0); /* reset */
	assert_int_equal(v1->ev_pending, 0);
	run(v1);
}

static void test_vcpu0_cannot_go_off(void **state)
{
	(void)state;
	assert_int_equal(hvc(SKIFF_PSCI_CPU_OFF, 0, 0, 0), SKIFF_PSCI_E_DENIED);
	assert_ptr_equal(cur, &quad->vcpus[0]);
	assert_int_equal(affinity(0), SKIFF_PSCI_AFF_ON);
}

/* Shared ports go to vCPU 0; timer, guest timer and IPI ports to the vCPU they concern. */
static void test_events_per_vcpu(void **state)
{
	struct vcpu *v0 = &quad->vcpus[0], *v1 = &quad->vcpus[1];

	(void)state;
	assert_int_equal(cpu_on(1, ENTRY, 0), 0);
	vm_event_raise(quad, 9);
	assert_int_equal(v0->ev_pending, 1ULL << 9);
	assert_int_equal(v1->ev_pending, 0);
	assert_true(v0->arch.virq);
	assert_false(v1->arch.virq);
	vcpu_event_raise(v1, SKIFF_EV_VTIMER);
	assert_int_equal(v1->ev_pending, 1ULL << SKIFF_EV_VTIMER);
	assert_true(v1->arch.virq);
	/* Acknowledging is per vCPU: vCPU 0 does not take vCPU 1's guest timer. */
	assert_int_equal(hvc(SKIFF_HVC_EVENT_ACK, ~0ULL, 0, 0), 1ULL << 9);
	assert_false(v0->arch.virq);
	assert_true(v1->arch.virq);
	/* Masking is per vCPU too. */
	run(v1);
	assert_int_equal(hvc(SKIFF_HVC_EVENT_MASK, 1ULL << SKIFF_EV_VTIMER, 0, 0),
			 1ULL << SKIFF_EV_VTIMER);
	assert_false(v1->arch.virq);
	assert_int_equal(v0->ev_mask, 0);
	assert_int_equal(hvc(SKIFF_HVC_EVENT_ACK, 1ULL << SKIFF_EV_VTIMER, 0, 0),
			 1ULL << SKIFF_EV_VTIMER);
	/* Each vCPU's one-shot timer raises its own port. */
	assert_int_equal(hvc(SKIFF_HVC_TIMER_SET, fake.counter + 500, 0, 0), 0);
	assert_int_equal(hvc(SKIFF_HVC_BLOCK, 0, 0, 0), 0); /* v1 sleeps; v0 runs */
	assert_ptr_equal(cur, v0);
	assert_int_equal(v1->state, VCPU_BLOCKED);
	assert_int_equal(hvc(SKIFF_HVC_BLOCK, fake.counter + 1000, 0, 0), 0);
	assert_ptr_equal(cur, v1); /* woken by its timer */
	assert_int_equal(v1->ev_pending, 1ULL << SKIFF_EV_TIMER);
	assert_int_equal(v0->ev_pending, 0);
}

static void test_ipi_send(void **state)
{
	struct vcpu *v0 = &quad->vcpus[0], *v1 = &quad->vcpus[1];

	(void)state;
	assert_int_equal(hvc(SKIFF_HVC_IPI_SEND, 4, 0, 0), SKIFF_E_INVAL);
	assert_int_equal(hvc(SKIFF_HVC_IPI_SEND, 1ULL << 32, 0, 0), SKIFF_E_INVAL);
	assert_int_equal(hvc(SKIFF_HVC_IPI_SEND, 1, 0, 0), SKIFF_E_NOENT); /* off */
	assert_int_equal(v1->ev_pending, 0);
	assert_int_equal(hvc(SKIFF_HVC_IPI_SEND, 0, 0, 0), 0); /* to itself */
	assert_int_equal(v0->ev_pending, 1ULL << SKIFF_EV_IPI);
	assert_int_equal(hvc(SKIFF_HVC_EVENT_ACK, ~0ULL, 0, 0), 1ULL << SKIFF_EV_IPI);
	/* A blocked sibling wakes, and only it sees the IPI. */
	assert_int_equal(cpu_on(1, ENTRY, 0), 0);
	run(v1);
	assert_int_equal(hvc(SKIFF_HVC_BLOCK, 0, 0, 0), 0);
	assert_ptr_equal(cur, v0);
	assert_int_equal(v1->state, VCPU_BLOCKED);
	assert_int_equal(hvc(SKIFF_HVC_IPI_SEND, 1, 0, 0), 0);
	assert_int_not_equal(v1->state, VCPU_BLOCKED); /* runnable, or running if it ran less */
	assert_int_equal(v1->ev_pending, 1ULL << SKIFF_EV_IPI);
	assert_int_equal(v0->ev_pending, 0);
	/* Another VM's vCPU is out of reach: indices name the caller's own vCPUs only. */
	assert_int_equal(hvc(SKIFF_HVC_IPI_SEND, 0xffffffff, 0, 0), SKIFF_E_INVAL);
}

/* An IPI to a vCPU running on another CPU kicks that CPU (it reads its IRQ line on entry). */
static void test_ipi_kicks_the_other_cpu(void **state)
{
	struct vcpu *v1;

	(void)state;
	machine(2);
	v1 = &quad->vcpus[1];
	assert_int_equal(v1->cpu, 1);
	assert_int_equal(cpu_on(1, ENTRY, 0), 0);
	assert_int_equal(fake_irqchip.ipis[1], 1); /* the wake-up */
	arch_set_this_cpu(&cpus[1]);
	assert_ptr_equal(vcpu_exit_resched(NULL), v1);
	arch_set_this_cpu(&cpus[0]);
	assert_int_equal(hvc(SKIFF_HVC_IPI_SEND, 1, 0, 0), 0);
	assert_true(v1->arch.virq);
	assert_int_equal(fake_irqchip.ipis[1], 2);
}

/* One CPU at a time holds the quiesce token. */
static void test_quiesce_token(void **state)
{
	(void)state;
	machine(2);
	assert_true(sched_quiesce_claim());
	arch_set_this_cpu(&cpus[1]);
	assert_false(sched_quiesce_claim());
	EXPECT_PANIC(sched_quiesce()); /* only its holder may quiesce */
	EXPECT_PANIC(sched_quiesce_release());
	arch_set_this_cpu(&cpus[0]);
	sched_quiesce_release();
	arch_set_this_cpu(&cpus[1]);
	assert_true(sched_quiesce_claim());
	sched_quiesce_release();
	arch_set_this_cpu(&cpus[0]);
}

/* A reboot that finds the token taken does nothing and runs again after a yield. */
static void test_reboot_waits_for_the_token(void **state)
{
	struct vcpu *v0;
	unsigned repeats;

	(void)state;
	machine(2);
	v0 = &quad->vcpus[0];
	repeats = v0->arch.repeats;
	arch_set_this_cpu(&cpus[1]);
	assert_true(sched_quiesce_claim());
	arch_set_this_cpu(&cpus[0]);
	hvc(SKIFF_HVC_REBOOT, 0, 0, 0);
	assert_int_equal(v0->arch.repeats, repeats + 1); /* the HVC runs again */
	assert_int_equal(reg(v0, 0), SKIFF_HVC_REBOOT);
	assert_int_equal(quad->state, VM_RUNNING);
	assert_ptr_equal(cur, v0);
	assert_false(strstr(test_output_tail(200), "rebooting"));
	hvc(SKIFF_PSCI_SYSTEM_RESET, 0, 0, 0); /* PSCI's reset waits the same way */
	assert_int_equal(v0->arch.repeats, repeats + 2);
	assert_int_equal(reg(v0, 0), SKIFF_PSCI_SYSTEM_RESET);
	arch_set_this_cpu(&cpus[1]);
	sched_quiesce_release();
	arch_set_this_cpu(&cpus[0]);
	hvc(SKIFF_HVC_REBOOT, 0, 0, 0);
	assert_output_contains("'quad' rebooting");
	assert_true(sched_quiesce_claim()); /* given back */
	sched_quiesce_release();
}

/* vCPU 2 reboots its VM with every vCPU on: all stop, all reset, vCPU 0 alone starts again. */
static void test_reboot_from_a_secondary(void **state)
{
	(void)state;
	for (unsigned i = 1; i < 4; i++)
		assert_int_equal(cpu_on(i, ENTRY, i), 0);
	run(&quad->vcpus[2]);
	vcpu_event_raise(&quad->vcpus[3], SKIFF_EV_IPI);
	hvc(SKIFF_HVC_REBOOT, 0, 0, 0);
	assert_output_contains("'quad' rebooting");
	assert_int_equal(quad->state, VM_RUNNING);
	assert_ptr_equal(cur, &quad->vcpus[0]);
	assert_int_equal(quad->vcpus[0].arch.entry, VM_RAM_IPA);
	for (unsigned i = 1; i < 4; i++) {
		assert_int_equal(quad->vcpus[i].state, VCPU_OFF);
		assert_int_equal(quad->vcpus[i].power, VCPU_POWER_OFF);
		assert_int_equal(quad->vcpus[i].ev_pending, 0);
	}
	assert_int_equal(affinity(2), SKIFF_PSCI_AFF_OFF);
	assert_int_equal(cpu_on(2, ENTRY, 0), 0); /* and may start them again */
}

/* Shutdown from vCPU 1 stops every vCPU; another VM runs on. */
static void test_shutdown_from_a_secondary(void **state)
{
	struct vm *other = test_make_vm("other", RAM_SIZE, false);

	(void)state;
	for (unsigned i = 1; i < 4; i++)
		assert_int_equal(cpu_on(i, ENTRY, i), 0);
	run(&quad->vcpus[1]);
	hvc(SKIFF_HVC_SHUTDOWN, 3, 0, 0);
	assert_output_contains("'quad' exited with code 3");
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(quad->vcpus[i].state, VCPU_OFF);
	assert_ptr_equal(cur, &other->vcpus[0]);
	assert_int_equal(cpu_on(1, ENTRY, 0), SKIFF_PSCI_E_INVALID_PARAMETERS); /* its own: one */
	assert_true(vm_destroy(other));
}

static void test_root_has_one_vcpu(void **state)
{
	struct vm_config cfg = { .ram_size = RAM_SIZE, .vcpus = 2, .weight = 256 };
	const char *err = NULL;

	(void)state;
	memcpy(cfg.name, "root2", 6);
	cfg.privileged = true;
	cfg.image = test_arm64_image(0x200, 0);
	assert_null(vm_create(&cfg, &err));
	assert_string_equal(err, "the root partition (privileged) must have exactly one vCPU");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_secondaries_start_off),
		T(test_cpu_on_starts_a_vcpu),
		T(test_cpu_on_errors),
		T(test_second_cpu_on_of_one_target_loses),
		T(test_cpu_off_and_on_again),
		T(test_vcpu0_cannot_go_off),
		T(test_events_per_vcpu),
		T(test_ipi_send),
		T(test_ipi_kicks_the_other_cpu),
		T(test_quiesce_token),
		T(test_reboot_waits_for_the_token),
		T(test_reboot_from_a_secondary),
		T(test_shutdown_from_a_secondary),
		T(test_root_has_one_vcpu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
