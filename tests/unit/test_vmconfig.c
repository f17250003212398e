/**
 * hyp/vmconfig.c on VM configs compiled by dtc from tests/unit/dts/vm-config*.dts, and the config
 * checks of vm_create (hyp/vm.c): what a good node yields, defaults included, the sentence for
 * each bad one, nothing left allocated by a rejected VM, and a boot config with good and bad VMs
 * where the good ones still start.
 */
#include "support.h"

#include <stdio.h>

#include <libfdt.h>
#include <skiff/cpu.h>
#include <skiff/mem.h>
#include <skiff/mm.h>
#include <skiff/vm.h>
#include <skiff/vmconfig.h>

static struct platform plat;
static const void *fdt;

/* tests/unit/dts/@name.dts as compiled into build/unit/dts/, in page-aligned host memory. */
static struct pa_range load_dtb(const char *name)
{
	size_t n;
	const void *bytes = test_dtb_file(name, &n);
	void *buf = test_ram(n, PAGE_SIZE);

	memcpy(buf, bytes, n);
	return (struct pa_range){ test_pa(buf), pa_add(test_pa(buf), (uint64_t)n) };
}

static void add_module(const char *args, struct pa_range range)
{
	struct platform_module *m = &plat.modules[plat.nmodules++];

	snprintf(m->args, sizeof(m->args), "%s", args);
	snprintf(m->compatible, sizeof(m->compatible), "multiboot,module");
	m->range = range;
}

/* A platform with the config @dtb as "skiff-config", an arm64 Image "hello", a text "spare". */
static void platform_with(const char *dtb)
{
	static const char spare[] = "not an image at all, just some text in a boot module";
	char *s = test_ram(sizeof(spare), PAGE_SIZE);

	memset(&plat, 0, sizeof(plat));
	memcpy(s, spare, sizeof(spare));
	add_module(VMCONFIG_MODULE_ARGS, load_dtb(dtb));
	add_module("hello", test_arm64_image(0x1800, 0));
	add_module("spare", (struct pa_range){ test_pa(s), test_pa(s + sizeof(spare)) });
	fdt = pa_to_ptr(plat.modules[0].range.begin);
}

static int setup(void **state)
{
	test_setup(state);
	test_guest_machine(512);
	platform_with("vm-config");
	return 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, test_teardown)

static const char *parse(const char *node_name, struct vm_config *cfg)
{
	int vms = fdt_path_offset(fdt, "/vms");
	int node = fdt_subnode_offset(fdt, vms, node_name);

	assert_true(vms >= 0);
	if (node < 0)
		fail_msg("no node /vms/%s in the test config", node_name);
	return vmconfig_parse_vm(fdt, node, &plat, cfg);
}

static void assert_parse_error(const char *node_name, const char *want)
{
	struct vm_config cfg;
	const char *err = parse(node_name, &cfg);

	if (!err)
		fail_msg("/vms/%s accepted, expected \"%s\"", node_name, want);
	if (strcmp(err, want))
		fail_msg("/vms/%s: \"%s\", expected \"%s\"", node_name, err, want);
}

static void test_defaults(void **state)
{
	struct vm_config cfg;

	(void)state;
	memset(&cfg, 0x5a, sizeof(cfg)); /* every field must be set by the parser */
	assert_null(parse("defaults", &cfg));
	assert_string_equal(cfg.name, "defaults");
	assert_string_equal(cfg.args, "");
	assert_int_equal(pa_addr(cfg.image.begin), pa_addr(plat.modules[1].range.begin));
	assert_int_equal(pa_addr(cfg.image.end), pa_addr(plat.modules[1].range.end));
	assert_int_equal(cfg.ram_size, KiB(64));
	assert_int_equal(cfg.vcpus, 1);
	assert_int_equal(cfg.weight, 256);
	assert_int_equal(cfg.cap, 0);
	assert_int_equal(cfg.cpu_mask, 0); /* any CPU */
	assert_false(cfg.privileged);
}

static void test_cpus_pin_a_vm(void **state)
{
	struct vm_config cfg;

	(void)state;
	assert_null(parse("pinned", &cfg));
	assert_int_equal(cfg.cpu_mask, 1U << 0 | 1U << 2 | 1U << 7);
	assert_parse_error("cpus-out-of-range", "\"cpus\" names a CPU number of 8 or more");
	assert_parse_error("cpus-empty", "\"cpus\" is not a list of CPU numbers (32-bit cells)");
	assert_parse_error("cpus-bytes", "\"cpus\" is not a list of CPU numbers (32-bit cells)");
}

static void test_every_property(void **state)
{
	struct vm_config cfg;

	(void)state;
	assert_null(parse("everything", &cfg));
	assert_string_equal(cfg.name, "everything");
	assert_string_equal(cfg.args, "period-ms=10 name=x");
	assert_int_equal(pa_addr(cfg.image.begin), pa_addr(plat.modules[2].range.begin));
	assert_int_equal(cfg.ram_size, MiB(2));
	assert_int_equal(cfg.vcpus, 2);
	assert_int_equal(cfg.weight, 1000);
	assert_int_equal(cfg.cap, 30);
	assert_true(cfg.privileged);
}

static void test_name_length(void **state)
{
	struct vm_config cfg;

	(void)state;
	assert_null(parse("abcdefghijklmnopqrstuvwxyz01234", &cfg));
	assert_string_equal(cfg.name, "abcdefghijklmnopqrstuvwxyz01234");
	assert_parse_error("abcdefghijklmnopqrstuvwxyz012345",
			   "VM node name is missing or longer than 31 characters");
}

static void test_image_rejections(void **state)
{
	(void)state;
	assert_parse_error("no-image", "no \"image\" string property");
	assert_parse_error("image-not-a-string", "no \"image\" string property");
	assert_parse_error("image-unknown", "its image is not among the boot modules");
	assert_parse_error("image-prefix", "its image is not among the boot modules");
}

static void test_memory_rejections(void **state)
{
	(void)state;
	assert_parse_error("no-memory", "no memory-kib property");
	assert_parse_error("zero-memory", "no memory-kib property");
	assert_parse_error("memory-two-cells", "a numeric property is not one 32-bit cell");
}

static void test_numbers_must_be_one_cell(void **state)
{
	(void)state;
	assert_parse_error("weight-two-cells", "a numeric property is not one 32-bit cell");
	assert_parse_error("cap-64-bit", "a numeric property is not one 32-bit cell");
	assert_parse_error("vcpus-one-byte", "a numeric property is not one 32-bit cell");
	assert_parse_error("vcpus-empty", "a numeric property is not one 32-bit cell");
}

static void test_args(void **state)
{
	struct vm_config cfg;

	(void)state;
	assert_null(parse("args-127", &cfg));
	assert_int_equal(strlen(cfg.args), 127);
	assert_int_equal(cfg.args[126], 'a');
	assert_parse_error("args-128", "\"args\" is not a string of at most 127 characters");
	assert_parse_error("args-unterminated",
			   "\"args\" is not a string of at most 127 characters");
	assert_parse_error("args-empty", "\"args\" is not a string of at most 127 characters");
}

static struct vm_config good_config(void)
{
	struct vm_config cfg = { .name = "ok", .ram_size = KiB(64), .vcpus = 1, .weight = 256 };

	cfg.image = plat.modules[1].range;
	return cfg;
}

/* vm_create(@cfg) must fail with @want and leave no frame or runqueue slot taken. */
static void assert_create_error(struct vm_config cfg, const char *want)
{
	uint64_t free_before = frames.free;
	unsigned vcpus_before = cpus[0].rq.nvcpus, vms_before = vm_count();
	const char *err = NULL;

	if (vm_create(&cfg, &err))
		fail_msg("VM created, expected \"%s\"", want);
	assert_non_null(err);
	if (strcmp(err, want))
		fail_msg("\"%s\", expected \"%s\"", err, want);
	assert_int_equal(frames.free, free_before);
	assert_int_equal(cpus[0].rq.nvcpus, vcpus_before);
	assert_int_equal(vm_count(), vms_before);
}

/* vm_create of a good config with @field set to @value fails with @want. */
#define REJECT(field, value, want)                   \
	do {                                         \
		struct vm_config c_ = good_config(); \
		c_.field = value;                    \
		assert_create_error(c_, want);       \
	} while (0)

static void test_create_checks_the_config(void **state)
{
	static const char *const vcpus = "vcpus must be between 1 and 4";
	static const char *const weight = "weight must be between 1 and 65535";
	static const char *const memory =
		"memory must be a multiple of 4 KiB between 8 KiB and 64 GiB";

	(void)state;
	REJECT(vcpus, 0, vcpus);
	REJECT(vcpus, 5, vcpus);
	REJECT(weight, 0, weight);
	REJECT(weight, 65536, weight);
	REJECT(cap, 101, "cap must be a percentage between 0 (none) and 100");
	REJECT(ram_size, KiB(64) + 512, memory);
	REJECT(ram_size, KiB(64) + KiB(1), memory);
	REJECT(ram_size, KiB(4), memory);
	REJECT(ram_size, 0, memory);
	REJECT(ram_size, GiB(64) + KiB(4), memory);
	REJECT(name[0], '\0', "VM has no name");
}

static void test_create_rejects_bad_images_and_frees_everything(void **state)
{
	(void)state;
	REJECT(image, plat.modules[2].range,
	       "not an ELF executable nor an arm64 Image (bad magic)");
	/* 8 KiB of RAM leave 4 KiB for the image: the start-info page is RAM's last. */
	REJECT(ram_size, KiB(8), "arm64 Image does not fit in the VM's RAM");
}

/* Memory is promised, not reserved: only the image, the start-info page and tables take frames. */
static void test_create_overcommits(void **state)
{
	struct vm_config c = good_config();
	uint64_t free_before = frames.free;
	const char *err = NULL;
	struct vm *vm;

	(void)state;
	c.ram_size = GiB(4); /* far more than the pool */
	vm = vm_create(&c, &err);
	if (!vm)
		fail_msg("vm_create: %s", err);
	assert_true(vm->mem.resident >= 2 && vm->mem.resident <= 8);
	assert_true(free_before - frames.free < 16);
	vm_destroy(vm);
	assert_int_equal(frames.free, free_before);
}

/*
 * With too few frames left, creation fails at whichever step runs out (record, stage-2 root,
 * the image's tables and pages, the start-info page) and gives back all it took.
 */
static void test_create_without_memory_frees_everything(void **state)
{
	static const char *const whys[] = { "too many VMs or no memory for the VM record",
					    "not enough free memory for its stage-2 tables",
					    "not enough free memory for its image",
					    "not enough free memory for its start-info page" };
	bool seen[ARRAY_SIZE(whys)] = { false };
	paddr_t grabbed[4096], pa;
	size_t n = 0;

	(void)state;
	while (n < ARRAY_SIZE(grabbed) && frame_alloc(&frames, 1, 1, &pa))
		grabbed[n++] = pa;
	assert_int_equal(frames.free, 0);
	for (;;) {
		uint64_t free_before = frames.free;
		struct vm_config cfg = good_config();
		const char *err = NULL;
		struct vm *vm = vm_create(&cfg, &err);
		size_t k = 0;
		if (vm) {
			vm_destroy(vm);
			break;
		}
		while (k < ARRAY_SIZE(whys) && strcmp(err, whys[k]))
			k++;
		if (k == ARRAY_SIZE(whys))
			fail_msg("unexpected error \"%s\"", err);
		seen[k] = true;
		assert_int_equal(frames.free, free_before);
		frame_free(&frames, grabbed[--n], 1); /* one more frame, try again */
	}
	for (size_t k = 0; k < ARRAY_SIZE(whys); k++)
		if (!seen[k])
			fail_msg("never saw \"%s\"", whys[k]);
	while (n)
		frame_free(&frames, grabbed[--n], 1);
}

static void test_create_good_config(void **state)
{
	struct vm_config c = good_config();
	uint64_t free_before = frames.free;
	const char *err = NULL;
	struct vm *vm;

	(void)state;
	c.vcpus = 4;
	c.weight = 65535;
	c.cap = 100;
	vm = vm_create(&c, &err);
	assert_non_null(vm);
	assert_null(err);
	assert_ptr_equal(vm_get(vm->id), vm);
	assert_int_equal(vm->state, VM_RUNNING);
	assert_int_equal(vm->nvcpus, 4);
	assert_int_equal(vm->vcpus[0].state, VCPU_RUNNABLE); /* secondaries wait for CPU_ON */
	assert_int_equal(vm->vcpus[1].state, VCPU_OFF);
	assert_int_equal(cpus[0].rq.nvcpus, 4);
	assert_true(frames.free < free_before); /* the image's pages and tables, not the RAM */
	assert_true(vm->mem.resident >= 2);
}

static void test_start_all(void **state)
{
	unsigned before = vm_count();
	char want[128];
	struct vm *first = NULL, *second = NULL;

	(void)state;
	platform_with("vm-config-start");
	assert_int_equal(vmconfig_start_all(&plat), 2);
	assert_int_equal(vm_count(), before + 2);
	/* This test's VMs are the ones on the runqueue (vm.c's table still lists earlier tests').
	 */
	assert_int_equal(cpus[0].rq.nvcpus, 2);
	for (unsigned i = 0; i < 2; i++) {
		struct vm *vm = cpus[0].rq.vcpus[i]->vm;
		assert_ptr_equal(vm_get(vm->id), vm);
		if (!strcmp(vm->cfg.name, "first"))
			first = vm;
		if (!strcmp(vm->cfg.name, "second"))
			second = vm;
	}
	assert_non_null(first);
	assert_non_null(second);
	assert_int_equal(second->cfg.weight, 512);
	assert_int_equal(second->cfg.cap, 50);
	assert_string_equal(second->cfg.args, "x=1");
	snprintf(want, sizeof(want),
		 "vm %u 'second' started: 128 KiB, 1 vCPU, weight 512, cap 50%%", second->id);
	assert_log_contains(want);
	assert_log_contains("vm 'no-image' rejected: no \"image\" string property\n");
	assert_log_contains("vm 'five-vcpus' rejected: vcpus must be between 1 and 4\n");
	assert_log_contains("vm 'bad-image' rejected: not an ELF executable nor an arm64 Image");
	assert_log_contains(
		"vm 'too-big-image' rejected: arm64 Image does not fit in the VM's RAM");
}

static void test_start_all_without_a_good_config(void **state)
{
	(void)state;
	plat.nmodules = 0;
	assert_int_equal(vmconfig_start_all(&plat), 0);
	assert_log_contains("vms: no VM config module (none to start)");
	platform_with("virt-gicv3"); /* a DTB, but a board's, not a VM config */
	assert_int_equal(vmconfig_start_all(&plat), 0);
	assert_log_contains("vms: the VM config is not compatible = \"skiff,vm-config-v1\"");
	platform_with("vm-config");
	plat.modules[0].range = plat.modules[2].range; /* text, not a DTB */
	assert_int_equal(vmconfig_start_all(&plat), 0);
	assert_log_contains("vms: the VM config module is not a valid DTB");
	platform_with("vm-config");
	plat.modules[0].range.end = pa_add(plat.modules[0].range.begin, 100); /* truncated */
	assert_int_equal(vmconfig_start_all(&plat), 0);
	assert_log_contains("vms: the VM config module is not a valid DTB");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_defaults),
		T(test_every_property),
		T(test_name_length),
		T(test_cpus_pin_a_vm),
		T(test_image_rejections),
		T(test_memory_rejections),
		T(test_numbers_must_be_one_cell),
		T(test_args),
		T(test_create_checks_the_config),
		T(test_create_rejects_bad_images_and_frees_everything),
		T(test_create_good_config),
		T(test_create_overcommits),
		T(test_create_without_memory_frees_everything),
		T(test_start_all),
		T(test_start_all_without_a_good_config),
	};

	return cmocka_run_group_tests_name("vmconfig", tests, NULL, NULL);
}
