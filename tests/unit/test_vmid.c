/**
 * hyp/vmid.c: VMIDs 1..count-1 per generation, rollover to a new generation with one TLB flush
 * of every guest (fake_vcpu.guest_flushes), and the exit path (vcpu_trap.c) refreshing a VM's
 * VMID when it switches the hardware to one of its vCPUs.
 */
#include "support.h"

#include <skiff/cpu.h>
#include <skiff/sched.h>
#include <skiff/vcpu_trap.h>
#include <skiff/vm.h>
#include <skiff/vmid.h>

extern struct vmid_space vmids; /* vm.c */

static struct vmid_space s;

/* What a VM keeps: its VMID and the generation it belongs to (0 = never had one). */
struct owner {
	uint16_t vmid;
	uint64_t gen;
};

/* CPU @cpu switches to owner @o: true if its VMID or generation changed. */
static bool on_cpu(unsigned cpu, struct owner *o)
{
	return vmid_refresh(&s, cpu, &o->vmid, &o->gen, NULL, NULL);
}

static bool refresh(struct owner *o)
{
	return on_cpu(0, o);
}

static void test_first_generation(void **state)
{
	struct owner o[7] = { { 0, 0 } };

	(void)state;
	vmid_space_init(&s, 8);
	for (unsigned i = 0; i < 7; i++) {
		assert_true(refresh(&o[i]));
		assert_int_equal(o[i].vmid, i + 1); /* in order, VMID 0 never */
		assert_int_equal(o[i].gen, 1);
		assert_int_equal(s.active[0], VMID_TAG(1UL, i + 1));
	}
	assert_int_equal(fake_vcpu.guest_flushes, 0);
}

static void test_vm_keeps_its_vmid_within_a_generation(void **state)
{
	struct owner a = { 0, 0 }, b = { 0, 0 };

	(void)state;
	vmid_space_init(&s, 8);
	assert_true(refresh(&a));
	assert_true(refresh(&b));
	for (int i = 0; i < 100; i++) {
		assert_false(refresh(&a));
		assert_false(refresh(&b));
	}
	assert_int_equal(a.vmid, 1);
	assert_int_equal(b.vmid, 2);
	assert_int_equal(s.next, 3); /* nothing used up by the refreshes */
	assert_int_equal(fake_vcpu.guest_flushes, 0);
}

static void test_rollover_after_count_minus_one(void **state)
{
	struct owner o[8] = { { 0, 0 } };

	(void)state;
	vmid_space_init(&s, 8);
	for (unsigned i = 0; i < 7; i++)
		refresh(&o[i]);
	/* The eighth VM: the generation advances, the TLBs are flushed once, VMIDs restart at 1
	 * (one CPU: the VM it switches away from is not live any more, nothing is reserved). */
	assert_true(refresh(&o[7]));
	assert_int_equal(o[7].vmid, 1);
	assert_int_equal(o[7].gen, 2);
	assert_int_equal(s.gen, 2);
	assert_int_equal(s.rollovers, 1);
	assert_int_equal(fake_vcpu.guest_flushes, 1);
	/* The older VMs get fresh VMIDs as they come back, without more flushes... */
	for (unsigned i = 0; i < 6; i++) {
		assert_true(refresh(&o[i]));
		assert_int_equal(o[i].vmid, i + 2);
		assert_int_equal(o[i].gen, 2);
	}
	assert_int_equal(fake_vcpu.guest_flushes, 1);
	/* ...until this generation runs out too. */
	assert_true(refresh(&o[6]));
	assert_int_equal(o[6].vmid, 1);
	assert_int_equal(o[6].gen, 3);
	assert_int_equal(fake_vcpu.guest_flushes, 2);
	/* A VM of generation 2 is stale now even though its number is unused so far. */
	assert_true(refresh(&o[0]));
	assert_int_equal(o[0].vmid, 2);
	assert_int_equal(o[0].gen, 3);
}

/* Many VMs in turn over few VMIDs: within a generation the valid VMIDs are distinct, never 0. */
static void test_round_robin_over_few_vmids(void **state)
{
	enum { NVMS = 10, COUNT = 4 };
	struct owner o[NVMS] = { { 0, 0 } };

	(void)state;
	vmid_space_init(&s, COUNT);
	for (unsigned step = 0; step < 1000; step++) {
		struct owner *x = &o[(step * 7) % NVMS];
		refresh(x);
		assert_int_equal(x->gen, s.gen);
		assert_in_range(x->vmid, 1, COUNT - 1);
		for (unsigned j = 0; j < NVMS; j++)
			if (&o[j] != x && o[j].gen == s.gen)
				assert_int_not_equal(o[j].vmid, x->vmid);
	}
	assert_int_equal(fake_vcpu.guest_flushes, s.rollovers);
	assert_int_equal(s.gen, 1 + s.rollovers);
	/* Every VM is new in each turn of 10 and 3 fit a generation: roughly one rollover in 3. */
	assert_in_range(s.rollovers, 1000 / 3 - 2, 1000 / 3 + 2);
}

/* With 16-bit VMIDs the last one, 65535, is used and none truncates to 0. */
static void test_sixteen_bit_vmids(void **state)
{
	struct owner o = { 0, 0 };

	(void)state;
	vmid_space_init(&s, 65536);
	for (unsigned i = 1; i < 65536; i++) {
		o.gen = 0;
		refresh(&o);
		assert_int_equal(o.vmid, i);
	}
	o.gen = 0;
	refresh(&o);
	assert_int_equal(o.vmid, 1);
	assert_int_equal(fake_vcpu.guest_flushes, 1);
}

/* ---- Several CPUs: what each runs keeps its VMID across a rollover ---- */

/*
 * Four CPUs each run a VM; a fifth CPU goes through VMs until the generation rolls over. The
 * four live VMIDs are reserved: nobody else gets them, and their VMs keep them when they are
 * switched in again in the new generation.
 */
static void test_rollover_keeps_live_vmids(void **state)
{
	struct owner live[4] = { { 0, 0 } }, other[20] = { { 0, 0 } };

	(void)state;
	vmid_space_init(&s, 8); /* VMIDs 1..7 */
	for (unsigned c = 0; c < 4; c++)
		on_cpu(c, &live[c]); /* VMIDs 1..4 */
	for (unsigned i = 0; i < 20; i++) {
		on_cpu(4, &other[i]);
		for (unsigned c = 0; c < 4; c++) /* never a VMID live elsewhere */
			assert_int_not_equal(other[i].vmid, live[c].vmid);
		for (unsigned j = 0; j < i; j++) /* nor one another VM holds in this generation */
			if (other[j].gen == s.gen)
				assert_int_not_equal(other[j].vmid, other[i].vmid);
	}
	assert_true(s.rollovers >= 5); /* 3 free VMIDs a generation */
	for (unsigned c = 0; c < 4; c++) {
		assert_int_equal(live[c].vmid, c + 1);
		assert_true(on_cpu(c, &live[c]));      /* back in the current generation... */
		assert_int_equal(live[c].vmid, c + 1); /* ...with the same VMID */
		assert_int_equal(live[c].gen, s.gen);
	}
	assert_int_equal(fake_vcpu.guest_flushes, s.rollovers);
}

/* A CPU that switched to another VM since no longer reserves the first one's VMID. */
static void test_vmid_no_longer_live_is_not_reserved(void **state)
{
	struct owner a = { 0, 0 }, b = { 0, 0 }, x[3] = { { 0, 0 } };

	(void)state;
	vmid_space_init(&s, 4); /* VMIDs 1..3 */
	on_cpu(1, &a);          /* 1, live on CPU 1 */
	on_cpu(1, &b);          /* 2: CPU 1 runs b now, a is not live anywhere */
	on_cpu(0, &x[0]);       /* 3 */
	on_cpu(0, &x[1]);       /* rollover: b's 2 reserved (CPU 1); CPU 0's own x[0] not */
	assert_int_equal(s.rollovers, 1);
	assert_int_equal(x[1].vmid, 1);
	on_cpu(0, &x[2]);
	assert_int_equal(x[2].vmid, 3); /* 2 skipped */
	assert_true(on_cpu(0, &a));     /* a comes back: not live at the rollover, a new one */
	assert_int_not_equal(a.vmid, 2);
	assert_true(on_cpu(1, &b)); /* b keeps 2 */
	assert_int_equal(b.vmid, 2);
}

/*
 * The race the ordering closes: a CPU found its VM's generation current, then a rollover ran
 * before it checked again. If the rollover saw what the CPU published, the VMID is reserved;
 * the CPU's second look sees the new generation either way and takes the slow path, where the
 * VM keeps its (reserved) VMID.
 */
static void test_rollover_between_the_two_looks(void **state)
{
	struct owner a = { 0, 0 }, y[3] = { { 0, 0 } };

	(void)state;
	vmid_space_init(&s, 4);
	on_cpu(0, &a); /* 1 on CPU 0 */
	on_cpu(1, &y[0]);
	on_cpu(1, &y[1]); /* 2, 3 */
	/* CPU 0 switches to a again: it publishes a's VMID (as the fast path does) ... */
	s.active[0] = VMID_TAG(a.gen, a.vmid);
	on_cpu(1, &y[2]); /* ... and CPU 1 rolls over meanwhile */
	assert_int_equal(s.rollovers, 1);
	assert_int_not_equal(y[2].vmid, a.vmid);
	assert_true(on_cpu(0, &a)); /* its second look: stale, but reserved: kept */
	assert_int_equal(a.vmid, 1);
	assert_int_equal(a.gen, s.gen);
}

static struct vm guests[3];

/* Three VMs (the second with two vCPUs) on CPU 0, started. */
static void three_vms(void)
{
	test_guest_machine(16);
	memset(guests, 0, sizeof(guests));
	for (unsigned i = 0; i < 3; i++) {
		struct vm *vm = &guests[i];
		vm->id = i;
		vm->state = VM_RUNNING;
		vm->cfg.weight = 256;
		vm->nvcpus = i == 1 ? 2 : 1;
		vm->s2.root = pa_init(0x100000 * (i + 1)); /* only recorded by the fake */
		for (unsigned j = 0; j < vm->nvcpus; j++) {
			vm->vcpus[j].vm = vm;
			vm->vcpus[j].id = j;
			assert_true(sched_attach(&vm->vcpus[j]));
		}
		sched_wake(&vm->vcpus[0]);
	}
}

static void test_exit_path_gives_each_vm_a_vmid(void **state)
{
	struct vcpu *v;

	(void)state;
	three_vms(); /* the fake's 256 VMIDs */
	v = vcpu_exit_resched(NULL);
	for (unsigned n = 0; n < 9; n++) {
		struct vm *vm = v->vm;
		assert_ptr_equal(fake_vcpu.loaded, v);
		assert_ptr_equal(cpus[0].loaded, v);
		assert_int_equal(vm->vmid, vm->id + 1);     /* first come, first numbered */
		for (unsigned j = 0; j < vm->nvcpus; j++) { /* every vCPU of the VM uses it */
			assert_int_equal(vm->vcpus[j].arch.vmid, vm->vmid);
			assert_int_equal(vm->vcpus[j].arch.vttbr_root, pa_addr(vm->s2.root));
		}
		fake.counter += 1000;
		sched_yield(v);
		v = vcpu_exit_resched(v);
	}
	assert_int_equal(fake_vcpu.switches, 10);
	assert_int_equal(fake_vcpu.guest_flushes, 0);
}

static void test_exit_path_rolls_over(void **state)
{
	struct vcpu *v;
	unsigned switches = 0;

	(void)state;
	three_vms();
	vmid_space_init(&vmids, 3); /* VMIDs 1 and 2 for three VMs (one CPU: nothing reserved) */
	v = vcpu_exit_resched(NULL);
	for (unsigned n = 0; n < 30; n++) {
		struct vcpu *next;
		assert_int_equal(v->arch.vmid, v->vm->vmid);
		assert_int_equal(v->vm->vmid_gen, vmids.gen);
		assert_in_range(v->vm->vmid, 1, 2);
		for (unsigned i = 0; i < 3; i++)
			if (&guests[i] != v->vm && guests[i].vmid_gen == vmids.gen)
				assert_int_not_equal(guests[i].vmid, v->vm->vmid);
		fake.counter += 1000;
		sched_yield(v);
		next = vcpu_exit_resched(v);
		switches += next != v;
		v = next;
	}
	/* Round robin over three VMs with two VMIDs: a rollover every other switch. */
	assert_int_equal(switches, 30);
	assert_in_range(fake_vcpu.guest_flushes, 14, 16);
	assert_int_equal(vmids.gen, 1 + fake_vcpu.guest_flushes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_first_generation),
		TEST(test_vm_keeps_its_vmid_within_a_generation),
		TEST(test_rollover_after_count_minus_one),
		TEST(test_round_robin_over_few_vmids),
		TEST(test_sixteen_bit_vmids),
		TEST(test_rollover_keeps_live_vmids),
		TEST(test_vmid_no_longer_live_is_not_reserved),
		TEST(test_rollover_between_the_two_looks),
		TEST(test_exit_path_gives_each_vm_a_vmid),
		TEST(test_exit_path_rolls_over),
	};

	return cmocka_run_group_tests_name("vmid", tests, NULL, NULL);
}
