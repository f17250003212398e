/** This VM: its start information, identity, and the calls that end or pause it. */
#ifndef PV_VM_H
#define PV_VM_H

#include <skiff-abi/hypercall.h>

/* Exit codes pv-guest itself reports through SKIFF_HVC_SHUTDOWN (main's return value otherwise). */
#define PV_EXIT_EXCEPTION 0xe1 /* an unexpected exception at EL1 (report printed first) */
#define PV_EXIT_BAD_START 0xe2 /* the start information is unusable (report printed first) */
#define PV_EXIT_PANIC 0xe3     /* pv_panic(): the guest found a broken invariant of its own */

/** Bytes of stack below the start-information page; the heap ends where the stack begins. */
#define PV_STACK_SIZE (64 * 1024)

/** What SKIFF_HVC_VM_INFO answers. */
struct pv_vm_info {
	unsigned int vm_id, vcpu_id, vcpus;
	unsigned long ram_bytes;
};

/** The start information the hypervisor placed in the last page of RAM (read-only). */
const struct skiff_start_info *pv_start_info(void);

/** The VM's name from the start information, always NUL-terminated. */
const char *pv_vm_name(void);

/** The VM config's "args" string, always NUL-terminated. */
const char *pv_args(void);

/** The value of `key=N` in the args (decimal or 0x hex), or `dflt` when absent or malformed. */
unsigned long pv_arg_ulong(const char *key, unsigned long dflt);

/** Asks the hypervisor who we are: 0 and *out filled, or a SKIFF_E_* code. */
long pv_vm_info(struct pv_vm_info *out);

/**
 * Gives `npages` pages of RAM from `addr` (page aligned) back to the hypervisor: their contents
 * are gone and they read zeros if touched again. Returns pages released or a SKIFF_E_* code.
 */
long pv_mem_release(void *addr, unsigned long npages);

/** This VM's memory figures (SKIFF_HVC_MEM_INFO): 0, or a SKIFF_E_* code. */
long pv_mem_info(struct skiff_mem_info *out);

/** Gives up the CPU to other runnable vCPUs. */
void pv_yield(void);

/** Ends the VM with exit code `code` (console output is flushed first). */
_Noreturn void pv_shutdown(long code);

/** Restarts the VM from its image. */
_Noreturn void pv_reboot(void);

/** Prints "pv: panic at FILE:LINE: message" and shuts down with PV_EXIT_PANIC. */
#define pv_panic(...) pv_panic_at(__FILE__, __LINE__, __VA_ARGS__)
_Noreturn void pv_panic_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * Checks the start information before anything relies on it (called by start-up with the MMU
 * off): NULL when usable, else what is wrong.
 */
const char *pv_start_info_check(const struct skiff_start_info *si);

#endif
