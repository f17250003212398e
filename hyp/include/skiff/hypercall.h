/**
 * Hypercall handlers outside hypercall.c (channels and the root partition's management calls,
 * hypercall_mgmt.c; memory, hypercall_mem.c). Each reads its arguments from the vCPU's saved
 * registers and writes x0.
 */
#ifndef SKIFF_HYPERCALL_H
#define SKIFF_HYPERCALL_H

#include <skiff/types.h>

struct vcpu;

/** Boot check: every Skiff function number below SKIFF_HVC_COUNT has a handler. */
void hypercall_check_table(void);

void hvc_chan_offer(struct vcpu *v);
void hvc_chan_list(struct vcpu *v);
void hvc_chan_open(struct vcpu *v);
void hvc_chan_info(struct vcpu *v);
void hvc_chan_close(struct vcpu *v);
void hvc_vm_list(struct vcpu *v);
void hvc_vm_ctrl(struct vcpu *v);
void hvc_vm_create(struct vcpu *v);
void hvc_log_read(struct vcpu *v);
void hvc_log_take(struct vcpu *v);
void hvc_log_next(struct vcpu *v);
/** Guest PSCI (guest_psci.c): function @fid, or NOT_SUPPORTED for an unknown one. */
void guest_psci_call(struct vcpu *v, uint32_t fid);
/* Memory calls (hypercall_mem.c). */
void hvc_mem_release(struct vcpu *v);
void hvc_mem_info(struct vcpu *v);

struct vm;
struct skiff_mem_info;
/** Fills @mi's per-VM fields from @vm's page counts. */
void hypercall_mem_counts(const struct vm *vm, struct skiff_mem_info *mi);

#endif
