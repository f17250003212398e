/**
 * The root partition's calls into the hypervisor, one function each (include/skiff-abi/
 * hypercall.h). Everything else in pv-guest/root/ reaches the hypervisor only through these, so
 * the shell runs in host tests against a fake (tests/root/fake_hv.c). A negative return is a
 * SKIFF_E_* code.
 */
#ifndef ROOT_HV_H
#define ROOT_HV_H

#include <skiff-abi/hypercall.h>

/** Raw bytes to the operator's terminal (root's CONSOLE_WRITE is not prefixed or translated). */
long hv_console_write(const char *s, unsigned long len);

/** Operator's keystrokes waiting at the UART: the byte count (0: none) or an error. */
long hv_console_read(char *buf, unsigned long size);

/** Up to `max` VMs into `out`: the number of VMs there are (may exceed `max`) or an error. */
long hv_vm_list(struct skiff_vm_status *out, unsigned long max);

/** SKIFF_VMCTL_* on VM `id`: 0 or an error. */
long hv_vm_ctrl(unsigned int id, unsigned int op);

/** Pins vCPU `vcpu` (SKIFF_VCPU_ALL: every one) of VM `id` to the CPUs in `mask` (0: any). */
long hv_vm_pin(unsigned int id, unsigned int vcpu, unsigned int mask);

/** Starts a VM from the boot config's node `name`: its id or an error. */
long hv_vm_create(const char *name);

/** The newest hypervisor log bytes, at most `size`: the count or an error. */
long hv_log_read(char *buf, unsigned long size);

/**
 * Takes the hypervisor's output off the terminal (LOG_TAKE): 0 and *seq, the first held byte to
 * print, or an error.
 */
long hv_log_take(unsigned long *seq);

/**
 * After hv_log_take: acknowledges the held bytes before `seq` and copies up to `size` from `seq`
 * on (LOG_NEXT). The count, *first (> seq: bytes were lost) and *end (after the newest), or an
 * error.
 */
long hv_log_next(unsigned long seq, char *buf, unsigned long size, unsigned long *first,
		 unsigned long *end);

/**
 * VM `id`'s memory (SKIFF_VM_NONE: root's own, with the host's figures): 0 and *out, or an
 * error.
 */
long hv_mem_info(unsigned int id, struct skiff_mem_info *out);

/** This VM's id. */
unsigned int hv_self_id(void);

/** Microseconds of counter time since the machine started. */
unsigned long hv_now_us(void);

/** A sentence for a SKIFF_E_* code ("no such VM"). */
const char *hv_strerror(long err);

#endif
