/** The root's hypercalls (hv.h). Guest addresses are IPAs: pv-guest maps RAM with VA = IPA. */
#include <pv/hvc.h>
#include <pv/string.h>
#include <pv/time.h>
#include <pv/vm.h>

#include "hv.h"

long hv_console_write(const char *s, unsigned long len)
{
	return pv_call(SKIFF_HVC_CONSOLE_WRITE, (unsigned long)s, len);
}

long hv_console_read(char *buf, unsigned long size)
{
	return pv_call(SKIFF_HVC_CONSOLE_READ, (unsigned long)buf, size);
}

long hv_vm_list(struct skiff_vm_status *out, unsigned long max)
{
	return pv_call(SKIFF_HVC_VM_LIST, (unsigned long)out, max);
}

long hv_vm_ctrl(unsigned int id, unsigned int op)
{
	return pv_call(SKIFF_HVC_VM_CTRL, id, op);
}

long hv_vm_pin(unsigned int id, unsigned int vcpu, unsigned int mask)
{
	return pv_call4(SKIFF_HVC_VM_CTRL, id, SKIFF_VMCTL_PIN, vcpu, mask);
}

long hv_vm_create(const char *name)
{
	return pv_call(SKIFF_HVC_VM_CREATE, (unsigned long)name, strlen(name));
}

long hv_log_read(char *buf, unsigned long size)
{
	return pv_call(SKIFF_HVC_LOG_READ, (unsigned long)buf, size);
}

long hv_log_take(unsigned long *seq)
{
	long rc = pv_call(SKIFF_HVC_LOG_TAKE, 1, 0);

	if (rc < 0)
		return rc;
	*seq = (unsigned long)rc;
	return 0;
}

long hv_log_next(unsigned long seq, char *buf, unsigned long size, unsigned long *first,
		 unsigned long *end)
{
	struct pv_hvc_res r = pv_hvc(SKIFF_HVC_LOG_NEXT, (unsigned long)buf, size, seq);

	*first = r.x1;
	*end = r.x2;
	return (long)r.x0;
}

long hv_mem_info(unsigned int id, struct skiff_mem_info *out)
{
	return pv_call(SKIFF_HVC_MEM_INFO, id, (unsigned long)out);
}

unsigned int hv_self_id(void)
{
	return pv_start_info()->vm_id;
}

unsigned long hv_now_us(void)
{
	return pv_ticks_to_us(pv_now());
}
