/**
 * VM config parsing (docs/vm-config.md): /vms/<name> nodes with image, memory-kib, vcpus, weight,
 * cap, cpus, args and privileged. The config comes from outside: every property's length is
 * checked.
 */
#include <libfdt.h>
#include <skiff/console.h>
#include <skiff/mm.h>
#include <skiff/smp.h>
#include <skiff/string.h>
#include <skiff/vmconfig.h>
#include <skiff-abi/hypercall.h>

static bool get_u32(const void *fdt, int node, const char *prop, uint32_t *out, uint32_t dflt,
		    const char **err)
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, node, prop, &len);

	*out = dflt;
	if (!p)
		return true;
	if (len != 4) {
		*err = "a numeric property is not one 32-bit cell";
		return false;
	}
	*out = fdt32_ld(p);
	return true;
}

/* A NUL-terminated string property that fits @size, or NULL. */
static const char *get_str(const void *fdt, int node, const char *prop, size_t size)
{
	int len;
	const char *s = fdt_getprop(fdt, node, prop, &len);

	if (!s || len < 1 || (size_t)len > size || s[len - 1] != '\0')
		return NULL;
	return s;
}

static const struct platform_module *find_module(const struct platform *p, const char *name)
{
	for (unsigned i = 0; i < p->nmodules; i++)
		if (strcmp(p->modules[i].args, name) == 0)
			return &p->modules[i];
	return NULL;
}

/* `cpus = <0 2>;`: the physical CPUs its vCPUs may run on, as a mask (absent: any). */
static const char *parse_cpus(const void *fdt, int node, struct vm_config *c)
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, node, "cpus", &len);

	c->cpu_mask = 0;
	if (!p)
		return NULL;
	if (len <= 0 || len % 4)
		return "\"cpus\" is not a list of CPU numbers (32-bit cells)";
	for (int i = 0; i < len / 4; i++) {
		uint32_t cpu = fdt32_ld(&p[i]);
		if (cpu >= PLATFORM_MAX_CPUS)
			return "\"cpus\" names a CPU number of 8 or more";
		c->cpu_mask |= 1U << cpu;
	}
	return NULL;
}

static const char *parse_numbers(const void *fdt, int node, struct vm_config *c)
{
	const char *err = NULL;
	uint32_t kib, vcpus;

	if (!get_u32(fdt, node, "memory-kib", &kib, 0, &err) ||
	    !get_u32(fdt, node, "vcpus", &vcpus, 1, &err) ||
	    !get_u32(fdt, node, "weight", &c->weight, 256, &err) ||
	    !get_u32(fdt, node, "cap", &c->cap, 0, &err))
		return err;
	if (!kib)
		return "no memory-kib property";
	c->ram_size = (uint64_t)kib * 1024;
	c->vcpus = vcpus;
	return NULL;
}

const char *vmconfig_parse_vm(const void *fdt, int node, const struct platform *p,
			      struct vm_config *c)
{
	const char *name = fdt_get_name(fdt, node, NULL), *image, *args, *err;
	const struct platform_module *m;

	memset(c, 0, sizeof(*c));
	if (!name || strlen(name) >= sizeof(c->name))
		return "VM node name is missing or longer than 31 characters";
	snprintf(c->name, sizeof(c->name), "%s", name);
	image = get_str(fdt, node, "image", sizeof(p->modules[0].args));
	if (!image)
		return "no \"image\" string property";
	m = find_module(p, image);
	if (!m)
		return "its image is not among the boot modules";
	c->image = m->range;
	args = fdt_getprop(fdt, node, "args", NULL);
	if (args && !get_str(fdt, node, "args", sizeof(c->args)))
		return "\"args\" is not a string of at most 127 characters";
	if (args)
		snprintf(c->args, sizeof(c->args), "%s", args);
	c->privileged = fdt_getprop(fdt, node, "privileged", NULL) != NULL;
	if ((err = parse_numbers(fdt, node, c)) || (err = parse_cpus(fdt, node, c)))
		return err;
	return NULL;
}

static const void *config_blob(const struct platform *p, const char **err)
{
	const struct platform_module *m = find_module(p, VMCONFIG_MODULE_ARGS);
	const void *fdt;

	*err = NULL;
	if (!m)
		return NULL;
	fdt = pa_to_ptr(m->range.begin);
	if (fdt_check_header(fdt) || fdt_totalsize(fdt) > pa_range_size(m->range) ||
	    fdt_check_full(fdt, fdt_totalsize(fdt)))
		*err = "the VM config module is not a valid DTB";
	else if (fdt_node_check_compatible(fdt, 0, "skiff,vm-config-v1"))
		*err = "the VM config is not compatible = \"skiff,vm-config-v1\"";
	else if (fdt_path_offset(fdt, "/vms") < 0)
		*err = "the VM config has no /vms node";
	return *err ? NULL : fdt;
}

/* With several CPUs: where each vCPU went (sched_place), one line. */
static void report_placement(const struct vm *vm)
{
	char cpus[VCPU_MAX_PER_VM * 4 + 1];
	int n = 0;

	if (smp_ncpus() < 2)
		return;
	for (unsigned i = 0; i < vm->nvcpus; i++)
		n += snprintf(cpus + n, sizeof(cpus) - (size_t)n, "%s%u", i ? "," : "",
			      vm->vcpus[i].cpu);
	kprintf("vm %u '%s' on CPU %s\n", vm->id, vm->cfg.name, cpus);
}

static const struct platform *boot_platform; /* for VMs created later from the boot config */

static bool name_in_use(const char *name)
{
	for (unsigned id = 0; id < VM_MAX; id++) {
		struct vm *vm = vm_get(id);
		if (vm && vm->state != VM_SHUTDOWN && strcmp(vm->cfg.name, name) == 0)
			return true;
	}
	return false;
}

/* The node /templates/<name>, else /vms/<name>, of the boot config. */
static int find_node(const void *fdt, const char *name)
{
	int parent = fdt_path_offset(fdt, "/templates");
	int node = parent >= 0 ? fdt_subnode_offset(fdt, parent, name) : -1;

	if (node < 0)
		node = fdt_subnode_offset(fdt, fdt_path_offset(fdt, "/vms"), name);
	return node;
}

int64_t vmconfig_create(const char *name)
{
	const char *err;
	const void *fdt = boot_platform ? config_blob(boot_platform, &err) : NULL;
	struct vm_config cfg;
	struct vm *vm;
	int node;

	if (!fdt)
		return SKIFF_E_NOENT;
	node = find_node(fdt, name);
	if (node < 0)
		return SKIFF_E_NOENT;
	if (name_in_use(name))
		return SKIFF_E_BUSY;
	err = vmconfig_parse_vm(fdt, node, boot_platform, &cfg);
	vm = err ? NULL : vm_create(&cfg, &err);
	if (!vm) {
		kprintf("vm '%s' rejected: %s\n", name, err);
		return SKIFF_E_INVAL;
	}
	kprintf("vm %u '%s' created: %lu KiB, %u vCPU, weight %u, cap %u%%\n", vm->id, cfg.name,
		cfg.ram_size >> 10, cfg.vcpus, cfg.weight, cfg.cap);
	report_placement(vm);
	return vm->id;
}

unsigned vmconfig_start_all(const struct platform *p)
{
	const char *err;
	const void *fdt = config_blob(p, &err);
	unsigned started = 0;
	int node;

	boot_platform = p;
	if (!fdt) {
		kprintf("vms: %s\n", err ? err : "no VM config module (none to start)");
		return 0;
	}
	fdt_for_each_subnode(node, fdt, fdt_path_offset(fdt, "/vms")) {
		struct vm_config cfg;
		struct vm *vm;
		err = vmconfig_parse_vm(fdt, node, p, &cfg);
		vm = err ? NULL : vm_create(&cfg, &err);
		if (!vm) {
			kprintf("vm '%s' rejected: %s\n", fdt_get_name(fdt, node, NULL), err);
			continue;
		}
		kprintf("vm %u '%s' started: %lu KiB, %u vCPU, weight %u, cap %u%%\n", vm->id,
			cfg.name, cfg.ram_size >> 10, cfg.vcpus, cfg.weight, cfg.cap);
		report_placement(vm);
		started++;
	}
	return started;
}
