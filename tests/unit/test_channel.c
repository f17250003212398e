/**
 * hyp/channel.c: doorbell ports (one per channel in a child, one per child in root, shared by
 * its channels), ids freed only once both ends closed, many children at once, and a VM that
 * goes away. VMs are made by vm_create over the frame pool (real stage-2 tables).
 */
#include "support.h"

#include <stdio.h>

#include <skiff/channel.h>
#include <skiff/vm.h>
#include <skiff-abi/hypercall.h>

#define RAM_SIZE KiB(128)
#define RING_PAGES 4
#define CHILDREN 40 /* with 4 channels each: 160 channels, 40 of root's 56 doorbell ports */

static struct vm *root;
static int64_t offers[4];

static struct vm *make_vm(const char *name, bool privileged)
{
	return test_make_vm(name, RAM_SIZE, privileged);
}

static int setup(void **state)
{
	test_setup(state);
	fake_mm.input_bits[MM_STAGE2] = 39;
	test_guest_machine(16384);
	root = make_vm("root", true);
	for (unsigned i = 0; i < 4; i++) /* console, heartbeat, shutdown, echo */
		offers[i] = chan_offer(root, i + 1, 0);
	return 0;
}

static int teardown(void **state)
{
	for (unsigned id = 0; id < VM_MAX; id++) /* VM ids and frames back for the next test */
		if (vm_get(id))
			vm_destroy(vm_get(id));
	return test_teardown(state);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/* @child opens offer @o with ring pages number @slot of its RAM; returns the channel id. */
static int64_t open(struct vm *child, unsigned o, unsigned slot)
{
	int64_t id = chan_open(child, (uint32_t)offers[o],
			       VM_RAM_IPA + slot * RING_PAGES * PAGE_SIZE, RING_PAGES);

	if (id < 0)
		fail_msg("chan_open(%s, offer %u): %ld", child->cfg.name, o, (long)id);
	return id;
}

static struct skiff_channel_info info(struct vm *vm, int64_t id)
{
	struct skiff_channel_info i;

	assert_int_equal(chan_info(vm, (uint64_t)id, &i), 0);
	return i;
}

static void test_root_has_one_port_per_child(void **state)
{
	struct vm *a = make_vm("a", false), *b = make_vm("b", false);
	int64_t a0 = open(a, 0, 0), a1 = open(a, 1, 1), a2 = open(a, 2, 2), b0 = open(b, 0, 0);
	uint32_t ra = info(root, a0).my_port;

	(void)state;
	assert_int_equal(info(root, a1).my_port, ra); /* shared by a's channels */
	assert_int_equal(info(root, a2).my_port, ra);
	assert_int_not_equal(info(root, b0).my_port, ra); /* b has its own */
	assert_int_equal(root->ev_peer[ra], a->id);
	assert_int_equal(info(a, a2).peer_port, ra);                    /* what a rings */
	assert_int_not_equal(info(a, a0).my_port, info(a, a1).my_port); /* one each in a */
	/* the shared port stays while any of a's channels is open, then goes */
	assert_int_equal(chan_close(a, (uint64_t)a0), 0);
	assert_int_equal(chan_close(root, (uint64_t)a1), 0);
	assert_int_equal(root->ev_peer[ra], a->id);
	assert_true(root->ev_chan_ports & 1ULL << ra);
	assert_int_equal(chan_close(a, (uint64_t)a2), 0);
	assert_int_equal(root->ev_peer[ra], SKIFF_VM_NONE);
	assert_false(root->ev_chan_ports & 1ULL << ra);
	assert_int_equal(root->ev_peer[info(root, b0).my_port], b->id);
}

static void test_id_free_once_both_ends_closed(void **state)
{
	struct vm *a = make_vm("a", false);
	int64_t id = open(a, 0, 0);
	struct skiff_channel_info i;

	(void)state;
	assert_int_equal(chan_close(a, (uint64_t)id), 0);
	assert_int_equal(info(root, id).state, SKIFF_CHAN_CLOSED);    /* root still has it */
	assert_int_equal(chan_close(a, (uint64_t)id), SKIFF_E_NOENT); /* a's end is closed */
	assert_int_equal(chan_close(root, (uint64_t)id), 0);
	assert_int_equal(chan_info(root, (uint64_t)id, &i), SKIFF_E_NOENT); /* free */
	assert_int_equal(open(a, 1, 1), id);                                /* and reused */
}

/*
 * A VM being destroyed whose vCPU, on another CPU, is still inside CHAN_OPEN after its channels
 * went (vm_destroy's order: state, chan_vm_gone, then the wait for the other CPUs): the open is
 * refused, so nothing is left pinned when its memory is reset.
 */
static void test_a_vm_going_away_opens_nothing(void **state)
{
	struct vm *a = make_vm("a", false);
	struct skiff_channel_info i;

	(void)state;
	a->state = VM_SHUTDOWN;
	chan_vm_gone(a);
	assert_int_equal(chan_open(a, (uint32_t)offers[0], VM_RAM_IPA, RING_PAGES), SKIFF_E_DENIED);
	assert_int_equal(chan_info(root, 0, &i), SKIFF_E_NOENT);
	a->state = VM_RUNNING; /* as vm_destroy finds it: its reset checks that nothing is pinned */
	assert_true(vm_destroy(a));
}

static void test_many_children_with_every_service(void **state)
{
	struct vm *kids[CHILDREN];
	uint32_t ports = 0;

	(void)state;
	for (unsigned k = 0; k < CHILDREN; k++) {
		char name[16];

		snprintf(name, sizeof(name), "kid%02u", k);
		kids[k] = make_vm(name, false);
		for (unsigned o = 0; o < 4; o++)
			open(kids[k], o, o);
	}
	for (unsigned p = SKIFF_EV_FIRST_FREE; p < SKIFF_EV_PORTS; p++)
		ports += root->ev_peer[p] != SKIFF_VM_NONE;
	assert_int_equal(ports, CHILDREN); /* not 4 * CHILDREN, more than root has */
	/* a child that goes away takes its channels and root's port for it along */
	chan_vm_gone(kids[7]);
	ports = 0;
	for (unsigned p = SKIFF_EV_FIRST_FREE; p < SKIFF_EV_PORTS; p++)
		ports += root->ev_peer[p] == kids[7]->id;
	assert_int_equal(ports, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_root_has_one_port_per_child),
		T(test_id_free_once_both_ends_closed),
		T(test_a_vm_going_away_opens_nothing),
		T(test_many_children_with_every_service),
	};

	return cmocka_run_group_tests_name("channel", tests, NULL, NULL);
}
