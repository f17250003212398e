/**
 * The root's view of the VMs: the hypervisor's list (SKIFF_HVC_VM_LIST) refreshed on demand and
 * on SKIFF_EV_VMSTATE, plus what the root itself knows about each (heartbeats, top's samples).
 * Records are indexed by VM id.
 */
#ifndef ROOT_VMS_H
#define ROOT_VMS_H

#include <stdbool.h>
#include <skiff-abi/hypercall.h>

#include "balloon.h"

/** VM ids the root tracks: 0 .. ROOT_VMS_MAX - 1 (the hypervisor has at most 320 VMs). */
#define ROOT_VMS_MAX 512

struct vm_rec {
	struct skiff_vm_status st;  /* as VM_LIST reported it last */
	bool present;               /* in the last VM_LIST */
	unsigned long heartbeat_us; /* hv_now_us() of the last answer, 0: none yet */
	unsigned long heartbeat_rtt_us;
	unsigned long top_cpu_us;   /* top's previous sample */
	struct balloon_rec balloon; /* its balloon: targets and what it reported */
};

/** Asks the hypervisor for the list: the number of VMs, or a SKIFF_E_* code (records kept). */
long vms_refresh(void);

/** The record of VM `id` if it was in the last list, else NULL. */
struct vm_rec *vms_get(unsigned int id);

/** The next present record after `prev` in id order (NULL: the first); NULL at the end. */
struct vm_rec *vms_next(const struct vm_rec *prev);

/**
 * Finds the VM an operator named: all digits is an id, anything else a name (when several VMs
 * share it, the one still running or paused). NULL and a sentence in *err when there is none.
 */
struct vm_rec *vms_find(const char *arg, const char **err);

/** "running", "paused", "parked", "exited" or "unknown". */
const char *vm_state_name(unsigned int state);

/** True while the VM can run again (running or paused). */
bool vm_is_live(const struct vm_rec *r);

/** Called for each VM whose state changed (or that appeared or vanished) during a refresh. */
void vms_on_change(void (*fn)(struct vm_rec *r, unsigned int old_state));

#endif
