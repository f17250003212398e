/**
 * Memory targets and the automatic balloon policy (docs/root.md "Memory"). Each VM with a
 * BALLOON channel reports what its balloon holds and how much heap it is not using; root sends
 * it targets: the operator's (`mem-set`), which it keeps, or the policy's. The policy reclaims
 * in the order sharing (the hypervisor's idle scanner, already running) -> balloon (here) ->
 * swap (the hypervisor, once free memory stays low): when free host memory is short
 * (SKIFF_EV_MEMORY, and every POLICY_US while it stays short) each VM that reports free heap is
 * asked to give part of it; once plenty is free again the balloons the policy inflated deflate
 * back to the VM's mem-set target, or fully. The decisions are pure functions (host-tested).
 */
#ifndef ROOT_BALLOON_H
#define ROOT_BALLOON_H

#include <stdbool.h>
#include <skiff-abi/channel.h>
#include <skiff-abi/hypercall.h>

#define POLICY_US 500000UL          /* a policy round this often while memory is short */
#define POLICY_IDLE_US 2000000UL    /* and this often otherwise, while balloons are inflated */
#define POLICY_SHARE_DIV 2          /* a VM gives this fraction (1/N) of its free heap a round */
#define POLICY_MIN_GIVE (256 << 10) /* smaller gifts are not worth a round trip */
#define POLICY_MAX_GIVE (64 << 20)  /* the most one VM gives in one round */
#define MEMSET_WAIT_US 3000000UL    /* mem-set waits this long for the guest's answer */
#define ANSWER_WAIT_US 2000000UL    /* the policy waits this long for a target's answer */

/** What root knows about one VM's balloon (in struct vm_rec). */
struct balloon_rec {
	bool known;                       /* a STATUS came over the current channel */
	struct skiff_balloon_status last; /* the last STATUS */
	unsigned long status_us;          /* when it came */
	unsigned long long last_txid;     /* its txid */
	unsigned long long set_target;    /* mem-set's target in bytes, 0: none */
	unsigned long long policy_target; /* the policy's, 0: none */
	unsigned long long sent_txid;     /* the last target sent */
	unsigned long sent_us;            /* when */
};

/** How the host stands (policy_level). */
enum host_level {
	HOST_SHORT,  /* free memory below twice the hypervisor's low watermark: inflate */
	HOST_OK,     /* leave the balloons as they are */
	HOST_PLENTY, /* more than an eighth of RAM free: deflate what the policy inflated */
};

/** The host's level from its total and free bytes. */
enum host_level policy_level(unsigned long long total, unsigned long long free);

/**
 * The target (bytes) the policy wants for a VM promised `promised` bytes at host level `lvl`,
 * given its balloon record; 0 when nothing should be sent. Bounded: a round asks at most
 * POLICY_MAX_GIVE of one VM and never more than 1/POLICY_SHARE_DIV of its free heap.
 */
unsigned long long policy_target(enum host_level lvl, unsigned long long promised,
				 const struct balloon_rec *b);

/**
 * Parses a size: plain bytes, or a number with K, M or G (KiB, MiB, GiB; either case, an
 * optional trailing "B" or "iB"). False when it is not one or overflows.
 */
bool parse_size(const char *s, unsigned long long *bytes);

/** A STATUS from `vm` (services.c): recorded; a mem-set waiting for `txid` is answered. */
void balloon_status(unsigned int vm, unsigned long long txid,
		    const struct skiff_balloon_status *st);

struct vm_rec;

/**
 * Sends VM `r` a target in bytes (0: asks for a status only) over its balloon channel and notes
 * it: the txid its STATUS will carry, or a SKIFF_E_* code (SKIFF_E_NOENT: no balloon channel).
 */
long balloon_send(struct vm_rec *r, unsigned long long target);

/** A balloon channel of `vm` opened: a mem-set target root holds for it is sent again. */
void balloon_attached(unsigned int vm);

/** SKIFF_EV_MEMORY came: a policy round at the next poll. */
void balloon_memory_event(void);

/** Runs a policy round when one is due; the next time it needs to run (hv_now_us() time). */
unsigned long balloon_poll(unsigned long now_us);

/** The host's memory (MEM_INFO about root, whose answer carries the host figures): 0 or error. */
long balloon_host(struct skiff_mem_info *mi);

#endif
