/** This VM: start information, identity, power (pv/vm.h). */
#include <pv/arch/cpu.h>
#include <pv/args.h>
#include <pv/console.h>
#include <pv/internal.h>
#include <pv/hvc.h>
#include <pv/string.h>
#include <pv/vm.h>

static const struct skiff_start_info *start_info;
static char name[sizeof(start_info->name) + 1];
static char args[sizeof(start_info->args) + 1];

const char *pv_start_info_check(const struct skiff_start_info *si)
{
	unsigned long page = (unsigned long)si & ~(PV_ARCH_PAGE_SIZE - 1);

	if (si->magic != SKIFF_START_MAGIC)
		return "bad magic";
	if (si->abi_major != SKIFF_ABI_MAJOR)
		return "ABI major version differs from the one this guest was built for";
	if (page + PV_ARCH_PAGE_SIZE != si->ram_base + si->ram_size)
		return "not in the last page of RAM";
	return 0;
}

/* Keeps the start information and NUL-terminated copies of its strings. */
void pv_vm_init(const struct skiff_start_info *si)
{
	start_info = si;
	memcpy(name, si->name, sizeof(si->name));
	memcpy(args, si->args, sizeof(si->args));
}

const struct skiff_start_info *pv_start_info(void)
{
	return start_info;
}

const char *pv_vm_name(void)
{
	return name;
}

const char *pv_args(void)
{
	return args;
}

unsigned long pv_arg_ulong(const char *key, unsigned long dflt)
{
	return pv_args_ulong(args, key, dflt);
}

long pv_mem_release(void *addr, unsigned long npages)
{
	return pv_call(SKIFF_HVC_MEM_RELEASE, (unsigned long)addr, npages);
}

long pv_mem_info(struct skiff_mem_info *out)
{
	return pv_call(SKIFF_HVC_MEM_INFO, SKIFF_VM_NONE, (unsigned long)out);
}

long pv_vm_info(struct pv_vm_info *out)
{
	struct pv_hvc_res r = pv_hvc(SKIFF_HVC_VM_INFO, 0, 0, 0);

	if (r.x0 < 0)
		return r.x0;
	out->vm_id = (unsigned int)r.x0;
	out->vcpu_id = (unsigned int)r.x1;
	out->vcpus = (unsigned int)r.x2;
	out->ram_bytes = (unsigned long)r.x3;
	return 0;
}

void pv_yield(void)
{
	pv_call(SKIFF_HVC_YIELD, 0, 0);
}

/*
 * SHUTDOWN does not return; should it anyway, PSCI SYSTEM_OFF, then stop in WFI. The console is
 * synced first: the hypervisor revokes a channel when its VM ends, so root must have read it.
 */
_Noreturn void pv_shutdown(long code)
{
	pv_console_sync();
	pv_call(SKIFF_HVC_SHUTDOWN, (unsigned long)code, 0);
	pv_call(SKIFF_PSCI_SYSTEM_OFF, 0, 0);
	pv_arch_halt();
}

_Noreturn void pv_reboot(void)
{
	pv_console_sync();
	pv_call(SKIFF_HVC_REBOOT, 0, 0);
	pv_call(SKIFF_PSCI_SYSTEM_RESET, 0, 0);
	pv_arch_halt();
}

_Noreturn void pv_panic_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	pv_console_flush();
	pv_printf("pv: panic at %s:%d: ", file, line);
	va_start(ap, fmt);
	pv_vprintf(fmt, ap);
	va_end(ap);
	pv_printf("\n");
	pv_shutdown(PV_EXIT_PANIC);
}

_Noreturn void pv_boot_fail(const char *why)
{
	pv_printf("pv: cannot start: %s\n", why);
	pv_shutdown(PV_EXIT_BAD_START);
}
