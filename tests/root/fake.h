/**
 * The fake hypervisor and services the root partition's shell runs against on the host
 * (make test-root-host): a VM table the tests fill, the console as a captured string, and
 * services whose channels the tests open by setting bits.
 */
#ifndef ROOT_TEST_FAKE_H
#define ROOT_TEST_FAKE_H

#include <skiff-abi/hypercall.h>

#define FAKE_VMS 8

struct fake {
	struct skiff_vm_status vms[FAKE_VMS];
	unsigned int nvms;
	long list_err;   /* VM_LIST answers this when non-zero */
	long create_err; /* VM_CREATE answers this when non-zero */
	unsigned int last_ctrl_id, last_ctrl_op;
	unsigned int last_pin_vcpu, last_pin_mask;
	long pin_err;        /* VMCTL_PIN answers this when non-zero */
	unsigned int online; /* CPUs online (bit n: CPU n): a pin to none of them is refused */
	char out[1 << 16];   /* everything written to the console */
	unsigned long out_len;
	const char *log; /* the hypervisor log LOG_READ returns */
	long take_err;   /* LOG_TAKE answers this when non-zero */
	char held[4096]; /* output the hypervisor holds for root (LOG_NEXT): sequence numbers from 0
			  */
	unsigned long held_len, held_oldest, acked;
	unsigned long now_us;
	unsigned int services[FAKE_VMS]; /* bit n: a channel of class n is open */
	unsigned int shutdown_requests;
	char console_in[256]; /* bytes sent to the attached VM's console channel */
	unsigned long console_in_len;
	struct skiff_mem_info host; /* what MEM_INFO answers root (host_* fields) */
	long mem_err;               /* MEM_INFO answers this when non-zero */
	unsigned int balloon_vm;    /* the last balloon packet: to whom, the target (0: a query) */
	unsigned long long balloon_target, balloon_txid;
	unsigned int balloon_sends, balloon_queries;
};

extern struct fake fake;

/** Empties the fake: root (id 0, privileged), hello (1) and ticker (2), all running. */
void fake_reset(void);

/** Adds a VM; returns its record. */
struct skiff_vm_status *fake_add(unsigned int id, const char *name, unsigned int state);

/** The hypervisor holds `s` for root (and would raise SKIFF_EV_LOG). */
void fake_hold(const char *s);

/** Feeds keystrokes to the shell and flushes the terminal. */
void fake_type(const char *keys);

/** Types `line` and Enter: the screen it left (fake_screen). */
const char *fake_run(const char *line);

/** The console output since the last call, control sequences removed, '\r' dropped. */
const char *fake_screen(void);

/** The raw console output since the last call. */
const char *fake_raw(void);

#endif
