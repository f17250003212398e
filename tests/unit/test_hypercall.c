/**
 * hyp/hypercall.c and hyp/guest_mem.c through vcpu_hypercall(), as the HVC trap calls it: two VMs
 * made by vm_create (real stage-2 tables over the frame pool, 64 KiB of RAM at IPA 0x40000000),
 * arguments put in the saved registers, results read back from them, and the vCPU the exit path
 * returns checked (a call that blocks or stops its caller runs the other VM).
 */
#include "support.h"

#include <stdio.h>

#include <skiff/console.h>
#include <skiff/cpu.h>
#include <skiff/guest_mem.h>
#include <skiff/mm.h>
#include <skiff/sched.h>
#include <skiff/vcpu_trap.h>
#include <skiff/vm.h>
#include <skiff-abi/hypercall.h>

#define RAM_SIZE KiB(64)
#define RAM_END (VM_RAM_IPA + RAM_SIZE)

static struct vm *alpha, *beta;
static struct vcpu *cur; /* the vCPU running now: only it makes hypercalls */

/* WFI: time passes to the armed deadline. Both VMs idle for good would loop: fail instead. */
static void wfi(void)
{
	if (fake.wfis > 1000)
		fail_msg("the CPU idles forever");
	if (fake.timer_deadline > fake.counter)
		fake.counter = fake.timer_deadline;
}

static int setup(void **state)
{
	test_setup(state);
	fake_mm.input_bits[MM_STAGE2] = 39;
	test_guest_machine(512);
	fake.wfi_hook = wfi;
	alpha = test_make_vm("alpha", RAM_SIZE, false);
	beta = test_make_vm("beta", RAM_SIZE, false);
	cur = vcpu_exit_resched(NULL); /* the first entry */
	assert_ptr_equal(cur, &alpha->vcpus[0]);
	return 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, test_teardown)

/* An id no VM has. */
static uint64_t missing_vm(void)
{
	for (unsigned id = 0; id < VM_MAX; id++)
		if (!vm_get(id))
			return id;
	fail_msg("every VM id is taken");
	return 0;
}

/* Guest memory at @ipa of @vm, as the hypervisor sees it (within that page), made private. */
static char *gmem(struct vm *vm, uint64_t ipa)
{
	paddr_t pa;

	assert_int_equal(vmem_prepare(vm, ipa, true), VMEM_OK);
	assert_int_equal(vmem_page_state(vm, ipa, &pa), VMEM_PRIVATE);
	return (char *)pa_to_ptr(pa) + (ipa & (PAGE_SIZE - 1));
}

/* Writes @n bytes to guest RAM (they may cross pages, which need not be adjacent frames). */
static void gwrite(struct vm *vm, uint64_t ipa, const void *src, size_t n)
{
	assert_int_equal(vmem_write(vm, ipa, src, n), VMEM_OK);
}

static void gfill(struct vm *vm, uint64_t ipa, int c, size_t n)
{
	char buf[SKIFF_CONSOLE_MAX];

	assert_true(n <= sizeof(buf));
	memset(buf, c, n);
	gwrite(vm, ipa, buf, n);
}

static uint64_t reg(unsigned n)
{
	return arch_vcpu_reg(&cur->arch, n);
}

/* The running vCPU calls @fid with x1..x3, x4..x17 set to a pattern; the exit path runs. */
static void call(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
	arch_vcpu_set_reg(&cur->arch, 0, fid);
	arch_vcpu_set_reg(&cur->arch, 1, a1);
	arch_vcpu_set_reg(&cur->arch, 2, a2);
	arch_vcpu_set_reg(&cur->arch, 3, a3);
	for (unsigned n = 4; n <= 17; n++)
		arch_vcpu_set_reg(&cur->arch, n, 0x1111 * n);
	cur = vcpu_hypercall(cur);
	assert_ptr_equal(cpus[0].vcpu, cur);
}

/* call(), then the caller's x0; x4..x17 come back as they were (the ABI promises that). */
static int64_t hvc(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct vcpu *caller = cur;

	call(fid, a1, a2, a3);
	for (unsigned n = 4; n <= 17; n++)
		assert_int_equal(arch_vcpu_reg(&caller->arch, n), 0x1111 * n);
	return (int64_t)arch_vcpu_reg(&caller->arch, 0);
}

/* Switches the CPU to @v's VM by yielding until it runs (time passes so vruntimes move). */
static void run(struct vm *vm)
{
	for (int i = 0; cur->vm != vm; i++) {
		assert_true(i < 10);
		fake.counter += 1000;
		assert_int_equal(hvc(SKIFF_HVC_YIELD, 0, 0, 0), 0);
	}
}

static void test_identification(void **state)
{
	(void)state;
	assert_int_equal(hvc(SKIFF_HVC_ABI_VERSION, 0, 0, 0),
			 SKIFF_ABI_MAJOR << 16 | SKIFF_ABI_MINOR);
	assert_int_equal(hvc(SKIFF_HVC_CALL_UID, 0, 0, 0), SKIFF_UID_0);
	assert_int_equal(reg(1), SKIFF_UID_1);
	assert_int_equal(reg(2), SKIFF_UID_2);
	assert_int_equal(reg(3), SKIFF_UID_3);
	assert_int_equal(hvc(SKIFF_HVC_REVISION, 0, 0, 0), SKIFF_ABI_MAJOR);
	assert_int_equal(reg(1), SKIFF_ABI_MINOR);
	assert_int_equal(hvc(SKIFF_PSCI_VERSION, 0, 0, 0), 0x10001); /* PSCI 1.1 */
	assert_int_equal(hvc(SKIFF_PSCI_FEATURES, SKIFF_PSCI_SYSTEM_OFF, 0, 0), 0);
	assert_int_equal(hvc(SKIFF_PSCI_FEATURES, SKIFF_PSCI_CPU_ON, 0, 0), 0);
	assert_int_equal(hvc(SKIFF_PSCI_FEATURES, 0xc4000001, 0, 0), -1); /* CPU_SUSPEND: no */
	assert_ptr_equal(cur, &alpha->vcpus[0]);
}

static void test_unknown_functions(void **state)
{
	static const uint64_t ids[] = {
		SKIFF_FN(SKIFF_HVC_COUNT), /* the first Skiff number not assigned */
		SKIFF_FN(0xffff),
		SKIFF_FN(0x10000),              /* bits 23:16 must be zero */
		SKIFF_FN(0) & ~SMCCC_SMC64,     /* an SMC32 ID in Skiff's range */
		SKIFF_FN(0) & ~SMCCC_FAST_CALL, /* a yielding call */
		0x84000001,                     /* PSCI CPU_SUSPEND */
		0x8600ff02,                     /* reserved general query */
		0x12345678,
		0,
		0xffffffff,
	};

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(ids); i++) {
		if (hvc(ids[i], 1, 2, 3) != SKIFF_E_NOT_SUPPORTED)
			fail_msg("function 0x%lx: x0 = 0x%lx, not NOT_SUPPORTED", ids[i], reg(0));
		assert_ptr_equal(cur, &alpha->vcpus[0]);
	}
}

/* MEM_INFO and MEM_RELEASE: a VM sees its own figures, not another's; bad ranges are refused. */
static void test_memory_calls(void **state)
{
	const uint64_t buf = VM_RAM_IPA + 0x6000;
	struct skiff_mem_info mi;
	uint64_t resident;

	(void)state;
	gfill(alpha, VM_RAM_IPA + 0x8000, 'm', 16); /* a page with a frame */
	gfill(alpha, buf, 0, 16); /* the figures' page has one before they count */
	assert_int_equal(hvc(SKIFF_HVC_MEM_INFO, SKIFF_VM_NONE, buf, 0), 0);
	assert_int_equal(guest_copy_from(alpha, &mi, ipa_init(buf), sizeof(mi)), 0);
	assert_int_equal(mi.promised, alpha->cfg.ram_size);
	assert_true(mi.resident >= 3 * PAGE_SIZE); /* image, start info, buffers */
	assert_int_equal(mi.promised,
			 mi.resident + mi.shared + mi.ballooned + mi.swapped + mi.untouched);
	assert_int_equal(mi.host_total, 0); /* host figures are root's */
	resident = mi.resident;
	assert_int_equal(hvc(SKIFF_HVC_MEM_INFO, beta->id, buf, 0), SKIFF_E_DENIED);
	assert_int_equal(hvc(SKIFF_HVC_MEM_INFO, SKIFF_VM_NONE, 0x10, 0), SKIFF_E_FAULT);
	/* Release: the page's frame goes; bad ranges change nothing. */
	assert_int_equal(hvc(SKIFF_HVC_MEM_RELEASE, VM_RAM_IPA + 0x8000, 1, 0), 1);
	assert_int_equal(hvc(SKIFF_HVC_MEM_RELEASE, VM_RAM_IPA + 0x8001, 1, 0), SKIFF_E_INVAL);
	assert_int_equal(hvc(SKIFF_HVC_MEM_RELEASE, VM_RAM_IPA, 0, 0), SKIFF_E_INVAL);
	assert_int_equal(hvc(SKIFF_HVC_MEM_RELEASE, 0, 1, 0), SKIFF_E_INVAL);
	assert_int_equal(hvc(SKIFF_HVC_MEM_RELEASE, VM_RAM_IPA, UINT64_MAX / PAGE_SIZE, 0),
			 SKIFF_E_INVAL);
	assert_int_equal(hvc(SKIFF_HVC_MEM_INFO, SKIFF_VM_NONE, buf, 0), 0);
	assert_int_equal(guest_copy_from(alpha, &mi, ipa_init(buf), sizeof(mi)), 0);
	assert_int_equal(mi.resident, resident - PAGE_SIZE);
	assert_int_equal(mi.ballooned, PAGE_SIZE);
	assert_int_equal(gmem(alpha, VM_RAM_IPA + 0x8000)[0], 0); /* given up: zeros */
}

static void test_console_write(void **state)
{
	static const char text[] = "hello from alpha\n";

	(void)state;
	gwrite(alpha, VM_RAM_IPA + 0x2000, text, strlen(text));
	assert_int_equal(hvc(SKIFF_HVC_CONSOLE_WRITE, VM_RAM_IPA + 0x2000, strlen(text), 0),
			 strlen(text));
	assert_output_contains("[alpha] hello from alpha\n");
	/* A line in pieces comes out whole; a range may cross a page boundary. */
	gwrite(alpha, VM_RAM_IPA + 0x2ffc, "one two\n", 8);
	assert_int_equal(hvc(SKIFF_HVC_CONSOLE_WRITE, VM_RAM_IPA + 0x2ffc, 4, 0), 4);
	assert_int_equal(hvc(SKIFF_HVC_CONSOLE_WRITE, VM_RAM_IPA + 0x3000, 4, 0), 4);
	assert_output_contains("[alpha] one two\n");
	gfill(alpha, VM_RAM_IPA + 0x4000, 'z', SKIFF_CONSOLE_MAX);
	assert_int_equal(hvc(SKIFF_HVC_CONSOLE_WRITE, VM_RAM_IPA + 0x4000, SKIFF_CONSOLE_MAX, 0),
			 SKIFF_CONSOLE_MAX);
	assert_int_equal(hvc(SKIFF_HVC_CONSOLE_WRITE, 0, 0, 0), 0); /* nothing: fine */
}

/* CONSOLE_WRITE of [ipa, ipa+len) must fail with @want and print nothing. */
static void assert_console_rejects(uint64_t ipa, uint64_t len, int64_t want)
{
	int64_t got = hvc(SKIFF_HVC_CONSOLE_WRITE, ipa, len, 0);

	if (got != want)
		fail_msg("CONSOLE_WRITE(0x%lx, %lu) = %ld, expected %ld", ipa, len, got, want);
	assert_null(strstr(test_output_tail(1024), "MARK"));
}

static void test_console_write_bad_arguments(void **state)
{
	(void)state;
	gwrite(alpha, RAM_END - 16, "MARK MARK MARK\n", 15);
	gwrite(alpha, VM_RAM_IPA, "MARK MARK MARK\n", 15);
	assert_console_rejects(VM_RAM_IPA, SKIFF_CONSOLE_MAX + 1, SKIFF_E_INVAL);
	assert_console_rejects(VM_RAM_IPA, ~0ULL, SKIFF_E_INVAL);
	assert_console_rejects(0x1000, 16, SKIFF_E_FAULT);             /* not mapped */
	assert_console_rejects(VM_RAM_IPA - 8, 16, SKIFF_E_FAULT);     /* starts below RAM */
	assert_console_rejects(RAM_END, 16, SKIFF_E_FAULT);            /* just past RAM */
	assert_console_rejects(RAM_END - 16, 32, SKIFF_E_FAULT);       /* crosses the end */
	assert_console_rejects(0xfffffffffffffff0, 32, SKIFF_E_FAULT); /* wraps around */
	assert_console_rejects(1ULL << 39, 16, SKIFF_E_FAULT);         /* past the IPA space */
	assert_console_rejects((1ULL << 39) + VM_RAM_IPA, 16, SKIFF_E_FAULT); /* RAM's alias */
	assert_console_rejects(VM_RAM_IPA | (1ULL << 63), 16, SKIFF_E_FAULT);
	assert_ptr_equal(cur, &alpha->vcpus[0]); /* bad arguments never hurt the caller */
	assert_int_equal(alpha->state, VM_RUNNING);
}

/* Beta's RAM is not alpha's: the IPA is the same, the memory behind it alpha's own. */
static void test_console_write_reads_own_ram(void **state)
{
	(void)state;
	gwrite(alpha, VM_RAM_IPA + 0x800, "mine\n", 5);
	gwrite(beta, VM_RAM_IPA + 0x800, "MARK\n", 5);
	assert_int_equal(hvc(SKIFF_HVC_CONSOLE_WRITE, VM_RAM_IPA + 0x800, 5, 0), 5);
	assert_output_contains("[alpha] mine\n");
	assert_null(strstr(test_output_tail(1024), "MARK"));
}

static void test_event_bind(void **state)
{
	(void)state;
	assert_int_equal(hvc(SKIFF_HVC_EVENT_BIND, 7, beta->id, 0), SKIFF_E_INVAL);
	assert_int_equal(hvc(SKIFF_HVC_EVENT_BIND, 0, beta->id, 0), SKIFF_E_INVAL);
	assert_int_equal(hvc(SKIFF_HVC_EVENT_BIND, 64, beta->id, 0), SKIFF_E_INVAL);
	assert_int_equal(hvc(SKIFF_HVC_EVENT_BIND, (1ULL << 32) | 9, beta->id, 0), SKIFF_E_INVAL);
	assert_int_equal(hvc(SKIFF_HVC_EVENT_BIND, 9, missing_vm(), 0), SKIFF_E_INVAL); /* no VM */
	assert_int_equal(hvc(SKIFF_HVC_EVENT_BIND, 9, VM_MAX, 0), SKIFF_E_INVAL);
	assert_int_equal(hvc(SKIFF_HVC_EVENT_BIND, 9, (1ULL << 32) | beta->id, 0), SKIFF_E_INVAL);
	for (unsigned p = 0; p < SKIFF_EV_PORTS; p++)
		assert_int_equal(alpha->ev_peer[p], SKIFF_VM_NONE);
	assert_int_equal(hvc(SKIFF_HVC_EVENT_BIND, 8, beta->id, 0), 0);
	assert_int_equal(hvc(SKIFF_HVC_EVENT_BIND, 63, alpha->id, 0), 0); /* itself: fine */
	assert_int_equal(alpha->ev_peer[8], beta->id);
	assert_int_equal(alpha->ev_peer[63], alpha->id);
	assert_int_equal(hvc(SKIFF_HVC_EVENT_BIND, 8, SKIFF_VM_NONE, 0), 0);
	assert_int_equal(alpha->ev_peer[8], SKIFF_VM_NONE);
}

static void test_event_send(void **state)
{
	(void)state;
	assert_int_equal(hvc(SKIFF_HVC_EVENT_BIND, 9, beta->id, 0), 0);
	/* alpha may not send to its own port 9: only beta may. */
	assert_int_equal(hvc(SKIFF_HVC_EVENT_SEND, alpha->id, 9, 0), SKIFF_E_DENIED);
	run(beta);
	assert_int_equal(hvc(SKIFF_HVC_EVENT_SEND, alpha->id, 10, 0), SKIFF_E_DENIED); /* unbound */
	assert_int_equal(hvc(SKIFF_HVC_EVENT_SEND, alpha->id, SKIFF_EV_TIMER, 0), SKIFF_E_DENIED);
	assert_int_equal(hvc(SKIFF_HVC_EVENT_SEND, alpha->id, 64, 0), SKIFF_E_NOENT);
	assert_int_equal(hvc(SKIFF_HVC_EVENT_SEND, missing_vm(), 9, 0), SKIFF_E_NOENT);
	assert_int_equal(hvc(SKIFF_HVC_EVENT_SEND, VM_MAX, 9, 0), SKIFF_E_NOENT);
	assert_int_equal(hvc(SKIFF_HVC_EVENT_SEND, (1ULL << 32) | alpha->id, 9, 0), SKIFF_E_NOENT);
	assert_int_equal(alpha->vcpus[0].ev_pending, 0);
	assert_int_equal(hvc(SKIFF_HVC_EVENT_SEND, alpha->id, 9, 0), 0);
	assert_int_equal(alpha->vcpus[0].ev_pending, 1ULL << 9);
	assert_true(alpha->vcpus[0].arch.virq); /* alpha's virtual IRQ line is up */
	assert_int_equal(beta->vcpus[0].ev_pending, 0);
	assert_false(beta->vcpus[0].arch.virq);
}

static void test_event_mask_and_ack(void **state)
{
	(void)state;
	vm_event_raise(alpha, 8);
	vm_event_raise(alpha, 9);
	vm_event_raise(alpha, 10);
	assert_true(alpha->vcpus[0].arch.virq);
	/* ACK returns only the pending ports asked for, and clears just those. */
	assert_int_equal(hvc(SKIFF_HVC_EVENT_ACK, 1ULL << 9 | 1ULL << 11, 0, 0), 1ULL << 9);
	assert_int_equal(alpha->vcpus[0].ev_pending, 1ULL << 8 | 1ULL << 10);
	assert_int_equal(hvc(SKIFF_HVC_EVENT_ACK, 1ULL << 9, 0, 0), 0);
	/* MASK returns the new mask; a masked port stays pending but does not count. */
	assert_int_equal(hvc(SKIFF_HVC_EVENT_MASK, 1ULL << 10 | 1ULL << 20, 0, 0),
			 1ULL << 10 | 1ULL << 20);
	assert_int_equal(hvc(SKIFF_HVC_EVENT_MASK, 0, 1ULL << 20, 0), 1ULL << 10);
	assert_int_equal(hvc(SKIFF_HVC_EVENT_ACK, 1ULL << 8, 0, 0), 1ULL << 8);
	assert_int_equal(alpha->vcpus[0].ev_pending, 1ULL << 10);
	assert_false(vcpu_event_ready(&alpha->vcpus[0]));
	assert_false(alpha->vcpus[0].arch.virq);
	vm_event_raise(alpha, 10); /* again, still masked: the line stays down */
	assert_false(alpha->vcpus[0].arch.virq);
	assert_int_equal(hvc(SKIFF_HVC_EVENT_MASK, 0, 1ULL << 10, 0), 0);
	assert_true(vcpu_event_ready(&alpha->vcpus[0]));
	assert_true(alpha->vcpus[0].arch.virq);
	assert_int_equal(hvc(SKIFF_HVC_EVENT_ACK, ~0ULL, 0, 0), 1ULL << 10);
	assert_int_equal(alpha->vcpus[0].ev_pending, 0);
	assert_false(alpha->vcpus[0].arch.virq);
}

static void test_vm_info(void **state)
{
	(void)state;
	assert_int_equal(hvc(SKIFF_HVC_VM_INFO, 0, 0, 0), alpha->id);
	assert_int_equal(reg(1), 0);
	assert_int_equal(reg(2), 1);
	assert_int_equal(reg(3), RAM_SIZE);
	run(beta);
	assert_int_equal(hvc(SKIFF_HVC_VM_INFO, 0, 0, 0), beta->id);
	assert_int_not_equal(alpha->id, beta->id);
}

static void test_block_returns_at_once_if_event_pending(void **state)
{
	(void)state;
	vm_event_raise(alpha, 12);
	assert_int_equal(hvc(SKIFF_HVC_BLOCK, 0, 0, 0), 0);
	assert_ptr_equal(cur, &alpha->vcpus[0]);
	assert_int_equal(alpha->vcpus[0].state, VCPU_RUNNING);
	/* A deadline already past: the same. */
	assert_int_equal(hvc(SKIFF_HVC_EVENT_ACK, ~0ULL, 0, 0), 1ULL << 12);
	fake.counter = 5000;
	assert_int_equal(hvc(SKIFF_HVC_BLOCK, 4000, 0, 0), 0);
	assert_ptr_equal(cur, &alpha->vcpus[0]);
	assert_int_equal(alpha->vcpus[0].state, VCPU_RUNNING);
}

static void test_block_until_event_from_other_vm(void **state)
{
	(void)state;
	assert_int_equal(hvc(SKIFF_HVC_EVENT_BIND, 9, beta->id, 0), 0);
	/* A masked pending event does not stop the block. */
	assert_int_equal(hvc(SKIFF_HVC_EVENT_MASK, 1ULL << 30, 0, 0), 1ULL << 30);
	vm_event_raise(alpha, 30);
	assert_int_equal(hvc(SKIFF_HVC_BLOCK, 0, 0, 0), 0);
	assert_ptr_equal(cur, &beta->vcpus[0]); /* alpha sleeps, beta runs */
	assert_int_equal(alpha->vcpus[0].state, VCPU_BLOCKED);
	fake.counter += 100000;
	assert_int_equal(hvc(SKIFF_HVC_EVENT_SEND, alpha->id, 9, 0), 0);
	assert_int_equal(alpha->vcpus[0].state, VCPU_RUNNING); /* woken, and it ran less */
	assert_ptr_equal(cur, &alpha->vcpus[0]);
	assert_int_equal(hvc(SKIFF_HVC_EVENT_ACK, 1ULL << 9, 0, 0), 1ULL << 9);
}

/* SEND_WAIT that blocks: the event that ends it comes back in x0, acknowledged. */
static void test_send_wait_returns_the_event_that_woke_it(void **state)
{
	(void)state;
	assert_int_equal(hvc(SKIFF_HVC_EVENT_BIND, 9, beta->id, 0), 0);
	call(SKIFF_HVC_EVENT_SEND_WAIT, SKIFF_VM_NONE, 0, 1ULL << 9);
	assert_ptr_equal(cur, &beta->vcpus[0]);
	assert_int_equal(alpha->vcpus[0].state, VCPU_BLOCKED);
	fake.counter += 100000;
	assert_int_equal(hvc(SKIFF_HVC_EVENT_SEND, alpha->id, 9, 0), 0);
	assert_ptr_equal(cur, &alpha->vcpus[0]);
	assert_int_equal(reg(0), 1ULL << 9);
	assert_int_equal(alpha->vcpus[0].ev_pending & 1ULL << 9, 0);
	assert_int_equal(alpha->vcpus[0].resume_ack, 0);
}

/* What another CPU does inside SEND_WAIT's block: it answers (beta's doorbell to alpha). */
static void answer_meanwhile(void)
{
	fake.lock_hook = NULL;
	vm_event_raise(alpha, 9);
}

/*
 * The answer comes between SEND_WAIT's look at the events and the block (from another CPU): the
 * call does not block and returns it. Nothing is left for a later resumption, which would take
 * the next event of that port unseen and write x0 in the middle of the guest's code.
 */
static void test_send_wait_answered_while_blocking(void **state)
{
	(void)state;
	fake.lock_hook = answer_meanwhile;
	assert_int_equal(hvc(SKIFF_HVC_EVENT_SEND_WAIT, SKIFF_VM_NONE, 0, 1ULL << 9), 1ULL << 9);
	assert_null(fake.lock_hook);
	assert_ptr_equal(cur, &alpha->vcpus[0]);
	assert_int_equal(alpha->vcpus[0].resume_ack, 0);
	/* The next doorbell waits for alpha's own acknowledgement, across a switch and back. */
	vm_event_raise(alpha, 9);
	run(beta);
	run(alpha);
	assert_int_equal(hvc(SKIFF_HVC_EVENT_ACK, 1ULL << 9, 0, 0), 1ULL << 9);
}

static void test_block_until_deadline_and_timer(void **state)
{
	uint64_t deadline;

	(void)state;
	fake.counter = 1000;
	deadline = fake.counter + 50000;
	assert_int_equal(hvc(SKIFF_HVC_BLOCK, deadline, 0, 0), 0);
	assert_ptr_equal(cur, &beta->vcpus[0]);
	assert_int_equal(fake.timer_deadline, deadline);
	/* The timer interrupt arrives while beta runs; the exit path switches back to alpha. */
	fake.counter = deadline;
	sched_timer_irq();
	cur = vcpu_interrupted(cur);
	assert_ptr_equal(cur, &alpha->vcpus[0]);
	assert_int_equal(alpha->vcpus[0].ev_pending, 0);
	/* A one-shot timer (TIMER_SET) raises port 0 when it passes, waking a BLOCK without one. */
	deadline = fake.counter + 30000;
	assert_int_equal(hvc(SKIFF_HVC_TIMER_SET, deadline, 0, 0), 0);
	assert_int_equal(hvc(SKIFF_HVC_BLOCK, 0, 0, 0), 0);
	assert_ptr_equal(cur, &beta->vcpus[0]);
	assert_int_equal(fake.timer_deadline, deadline);
	fake.counter = deadline;
	sched_timer_irq();
	cur = vcpu_interrupted(cur);
	assert_ptr_equal(cur, &alpha->vcpus[0]);
	assert_int_equal(alpha->vcpus[0].ev_pending, 1ULL << SKIFF_EV_TIMER);
	assert_true(alpha->vcpus[0].arch.virq);
}

static void test_yield(void **state)
{
	(void)state;
	fake.counter += 1000; /* alpha has run; beta has not */
	assert_int_equal(hvc(SKIFF_HVC_YIELD, 0, 0, 0), 0);
	assert_ptr_equal(cur, &beta->vcpus[0]);
	assert_int_equal(alpha->vcpus[0].state, VCPU_RUNNABLE);
}

static void test_shutdown_stops_the_vm(void **state)
{
	(void)state;
	hvc(SKIFF_HVC_SHUTDOWN, 7, 0, 0);
	assert_ptr_equal(cur, &beta->vcpus[0]);
	assert_int_equal(alpha->state, VM_SHUTDOWN);
	assert_int_equal(alpha->exit_code, 7);
	assert_int_equal(alpha->vcpus[0].state, VCPU_OFF);
	{
		char want[64];
		snprintf(want, sizeof(want), "vm %u 'alpha' exited with code 7\n", alpha->id);
		assert_log_contains(want);
	}
	/* It never runs again, events or not; beta keeps running. */
	run(beta);
	assert_int_equal(hvc(SKIFF_HVC_EVENT_BIND, 9, beta->id, 0), 0); /* beta's own port */
	vm_event_raise(alpha, 9);
	for (int i = 0; i < 20; i++) {
		fake.counter += 100000;
		assert_int_equal(hvc(SKIFF_HVC_YIELD, 0, 0, 0), 0);
		assert_ptr_equal(cur, &beta->vcpus[0]);
	}
	assert_int_equal(alpha->vcpus[0].state, VCPU_OFF);
}

static void test_psci_system_off(void **state)
{
	(void)state;
	hvc(SKIFF_PSCI_SYSTEM_OFF, 0, 0, 0);
	assert_ptr_equal(cur, &beta->vcpus[0]);
	assert_int_equal(alpha->state, VM_SHUTDOWN);
	assert_int_equal(alpha->exit_code, 0);
}

static void test_reboot_restarts_from_the_image(void **state)
{
	struct skiff_start_info *si = (void *)gmem(alpha, RAM_END - PAGE_SIZE);

	(void)state;
	gfill(alpha, VM_RAM_IPA + 0x2000, 'x', 0x100); /* the guest's own mess */
	vm_event_raise(alpha, 9);
	assert_int_equal(hvc(SKIFF_HVC_EVENT_MASK, 1ULL << 5, 0, 0), 1ULL << 5);
	call(SKIFF_HVC_REBOOT, 0, 0, 0); /* registers reset: not hvc() */
	{
		char want[64];
		snprintf(want, sizeof(want), "vm %u 'alpha' rebooting\n", alpha->id);
		assert_log_contains(want);
	}
	assert_int_equal(alpha->vcpus[0].ev_pending, 0);
	assert_int_equal(alpha->vcpus[0].ev_mask, 0);
	assert_false(alpha->vcpus[0].arch.virq);
	assert_int_equal(gmem(alpha, VM_RAM_IPA + 0x2000)[0], 0); /* RAM cleared, image reloaded */
	assert_int_equal((uint8_t)gmem(alpha, VM_RAM_IPA + 0x100)[0], 0x00);
	assert_int_equal((uint8_t)gmem(alpha, VM_RAM_IPA + 0x101)[0], 0x01);
	assert_int_equal(si->magic, SKIFF_START_MAGIC);
	assert_string_equal(si->name, "alpha");
	assert_int_equal(alpha->vcpus[0].arch.entry, VM_RAM_IPA);
	assert_int_equal(arch_vcpu_reg(&alpha->vcpus[0].arch, 0), RAM_END - PAGE_SIZE);
	assert_int_not_equal(alpha->vcpus[0].state, VCPU_OFF); /* runnable again */
	run(alpha);
	assert_int_equal(hvc(SKIFF_HVC_VM_INFO, 0, 0, 0), alpha->id);
}

/*
 * LOG_TAKE and LOG_NEXT: alpha, made the root partition, takes the hypervisor's output; a
 * message is then held for it (SKIFF_EV_LOG), read with a sequence number, and what it had not
 * acknowledged when it reboots is printed by the hypervisor.
 */
static void test_root_takes_the_hypervisors_output(void **state)
{
	static const char msg[] = "vm 9 'held' parked: for the root\n";
	const uint64_t buf = VM_RAM_IPA + 0x3000, len = sizeof(msg) - 1;
	int64_t seq;

	(void)state;
	run(beta);
	assert_int_equal(hvc(SKIFF_HVC_LOG_TAKE, 1, 0, 0), SKIFF_E_DENIED); /* not privileged */
	assert_int_equal(hvc(SKIFF_HVC_LOG_NEXT, buf, 64, 0), SKIFF_E_DENIED);
	run(alpha);
	alpha->cfg.privileged = true;
	assert_int_equal(hvc(SKIFF_HVC_LOG_NEXT, buf, 64, 0), SKIFF_E_INVAL); /* not taken yet */
	seq = hvc(SKIFF_HVC_LOG_TAKE, 1, 0, 0);
	assert_true(seq >= 0);
	assert_int_equal(hvc(SKIFF_HVC_LOG_TAKE, 2, 0, 0), SKIFF_E_INVAL);
	assert_int_equal(hvc(SKIFF_HVC_EVENT_MASK, 0, 1ULL << SKIFF_EV_LOG, 0), 0);
	kprintf("%s", msg);
	assert_null(strstr(test_output_tail(1024), "for the root"));
	assert_true(alpha->vcpus[0].ev_pending & 1ULL << SKIFF_EV_LOG);
	assert_int_equal(hvc(SKIFF_HVC_LOG_NEXT, buf, 64, (uint64_t)seq), len);
	assert_memory_equal(gmem(alpha, buf), msg, len);
	assert_int_equal(reg(1), seq);
	assert_int_equal(reg(2), seq + len);
	assert_int_equal(hvc(SKIFF_HVC_LOG_NEXT, buf, 64, (uint64_t)seq + 40), SKIFF_E_INVAL);
	assert_int_equal(hvc(SKIFF_HVC_LOG_NEXT, 0x1000, 64, (uint64_t)seq), SKIFF_E_FAULT);
	/* printed: the next read acknowledges it */
	assert_int_equal(hvc(SKIFF_HVC_LOG_NEXT, buf, 64, (uint64_t)seq + len), 0);
	kprintf("not yet printed by the root\n");
	call(SKIFF_HVC_REBOOT, 0, 0, 0); /* acknowledged up to seq: the rest is ours to print */
	assert_output_contains("not yet printed by the root\n");
	assert_null(strstr(test_output_tail(1024), "for the root"));
	assert_output_contains("'alpha' rebooting\n"); /* printed again */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_identification),
		T(test_unknown_functions),
		T(test_console_write),
		T(test_console_write_bad_arguments),
		T(test_console_write_reads_own_ram),
		T(test_event_bind),
		T(test_event_send),
		T(test_event_mask_and_ack),
		T(test_vm_info),
		T(test_block_returns_at_once_if_event_pending),
		T(test_block_until_event_from_other_vm),
		T(test_block_until_deadline_and_timer),
		T(test_send_wait_returns_the_event_that_woke_it),
		T(test_send_wait_answered_while_blocking),
		T(test_yield),
		T(test_memory_calls),
		T(test_shutdown_stops_the_vm),
		T(test_psci_system_off),
		T(test_reboot_restarts_from_the_image),
		T(test_root_takes_the_hypervisors_output),
	};

	return cmocka_run_group_tests_name("hypercall", tests, NULL, NULL);
}
