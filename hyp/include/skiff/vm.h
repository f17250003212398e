/**
 * Virtual machines and their vCPUs. A VM owns its stage-2 table, RAM, event ports and console
 * line; a vCPU owns its register context (struct arch_vcpu, first so assembly finds it at offset 0)
 * and its scheduling state.
 *
 * Lock order: vm.lock, then a CPU's runqueue lock (sched.c), then frame_pool.lock. No code holds
 * two VM locks at once (the sharing scanner takes them one at a time).
 */
#ifndef SKIFF_VM_H
#define SKIFF_VM_H

#include <arch/vcpu_regs.h>
#include <skiff/addr.h>
#include <skiff/arch.h>
#include <skiff/pgtable.h>
#include <skiff/types.h>
#include <skiff/vmem.h>
#include <skiff-abi/hypercall.h>

#define VM_MAX 320
#define VM_NAME_MAX 32
#define VCPU_MAX_PER_VM 4

/* VM_REBOOTING: between vm_reboot's stop and its restart (no vCPU may be started then). */
enum vm_state { VM_FREE, VM_RUNNING, VM_PAUSED, VM_PARKED, VM_SHUTDOWN, VM_REBOOTING };
enum vcpu_state { VCPU_OFF, VCPU_RUNNABLE, VCPU_RUNNING, VCPU_BLOCKED };
/** A vCPU as guest PSCI sees it: vCPU 0 starts ON, the others OFF until CPU_ON. */
enum vcpu_power { VCPU_POWER_OFF, VCPU_POWER_ON };

struct vm;

struct vcpu {
	struct arch_vcpu arch; /* must stay first: the entry assembly uses offset 0 */
	struct vm *vm;
	unsigned id;
	enum vcpu_state state;
	unsigned cpu;      /* physical CPU whose runqueue holds it */
	uint32_t cpu_mask; /* physical CPUs it may run on (bit n: CPU n), 0 = any (sched_pin) */
	bool detached;     /* removed from its runqueue for good (VM destroyed) */
	bool evicted;      /* its CPU is outside cpu_mask: not picked there, pushed out (sched.c) */
	/* cpus[cpu].passes when that CPU last switched away from it: its x19-x29 are in memory
	 * once the count has moved on (they are saved on the way back to the guest, vcpu_trap.c) */
	uint64_t unload_pass;
	/* Scheduler (sched.c): stride scheduling over weighted virtual runtime. */
	struct vcpu *rq_next;
	uint64_t vruntime;
	uint64_t run_start;       /* counter value when it last started running */
	uint64_t cpu_ticks;       /* total counter ticks run */
	uint64_t period_ticks;    /* ticks run in the current cap period */
	bool throttled;           /* cap reached (or evicted): waits for the next period */
	uint64_t block_deadline;  /* SKIFF_HVC_BLOCK deadline, 0 = none */
	uint64_t timer_deadline;  /* SKIFF_HVC_TIMER_SET deadline, 0 = none */
	uint64_t vtimer_deadline; /* the guest's CNTV deadline while it is not loaded, 0 = none */
	uint64_t resume_ack; /* EVENT_SEND_WAIT blocked: ports to acknowledge into x0 on resume */
	bool block_at_exit;  /* sched_block_at_exit: block at this exit's pick */
	bool page_wait;      /* blocked until a page is read back from swap (vmem_swap.c) */
	uint64_t repeat_fid; /* the hypercall to run again after the wait (0: none) */
	/*
	 * Events delivered to this vCPU, bit n = port n: its own SKIFF_EV_PER_VCPU ports (timer,
	 * guest timer, virtual IPI) and, on vCPU 0, every other port of the VM. Atomic.
	 */
	uint64_t ev_pending;
	uint64_t ev_mask;
	enum vcpu_power power; /* guest PSCI (guest_psci.c): changed under vm.lock */
	bool announced;        /* its first CPU_ON since the VM (re)started was logged */
};

/** What a VM is made from (parsed from the VM config, see vmconfig.c). */
struct vm_config {
	char name[VM_NAME_MAX];
	char args[128];
	struct pa_range image; /* ELF or arm64 Image in a boot module */
	uint64_t ram_size;
	unsigned vcpus;
	uint32_t weight;   /* relative share, 1..65535 */
	uint32_t cap;      /* percent of one CPU, 0 = uncapped */
	uint32_t cpu_mask; /* physical CPUs its vCPUs may run on (bit n: CPU n), 0 = any */
	bool privileged;
};

struct vm {
	/* First: vCPU 0 is at the VM's own address, which spares an addition on the event paths
	 * (every shared port goes to vCPU 0). */
	struct vcpu vcpus[VCPU_MAX_PER_VM];
	struct spinlock lock;
	unsigned id;
	enum vm_state state;
	struct vm_config cfg;
	uint16_t vmid;
	uint64_t vmid_gen;
	struct pgtable s2;
	ipaddr_t ram_ipa;
	struct vmem_counts mem; /* RAM pages by state (vmem.c), under lock */
	uint64_t serial;        /* unique among every VM ever created (ids are reused) */
	bool have_s2;           /* what free_vm_memory must give back */
	bool mem_waiting;       /* a vCPU waits for a free frame (vcpu_stage2_fault) */
	bool mem_wait_told;     /* ... for long enough that the console was told */
	uint64_t mem_wait_start;
	uint64_t entry;   /* guest entry point (IPA) */
	unsigned reboots; /* start info: reboots since it was created */
	int exit_code;
	/* Events (pending and mask bits live in each vCPU). Bound senders: ev_peer[n] may raise
	 * port n. */
	uint32_t ev_peer[64];
	uint64_t ev_chan_ports; /* ports bound by channels (EVENT_BIND may not rebind them) */
	/* Console output, emitted a whole line at a time with the VM's name in front. */
	char line[SKIFF_CONSOLE_MAX +
		  1]; /* one CONSOLE_WRITE's worth: lines up to 256 stay whole */
	unsigned line_len;
	unsigned nvcpus;
};

/** Guest RAM starts here in every VM's IPA space (as on QEMU virt). */
#define VM_RAM_IPA 0x40000000UL

/**
 * Creates and starts a VM from @cfg. Returns NULL and sets *@err to a sentence on a bad config,
 * a bad image or a lack of memory; nothing is left allocated then.
 */
struct vm *vm_create(const struct vm_config *cfg, const char **err);
/** The VM with id @id, or NULL. */
struct vm *vm_get(unsigned id);
unsigned vm_count(void);

/** Stops a guest that did something it must not: one report line, the VM is parked. */
void vm_park(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Ends a VM (guest shutdown): reports the exit code, frees its vCPUs from the scheduler. */
void vm_shutdown(struct vm *vm, int code);
/**
 * Restarts a VM from its image (guest reboot, or the root partition after it died): every vCPU
 * stopped and, once no other CPU holds one (sched_quiesce), reset; vCPU 0 starts. False, with
 * nothing done, if another CPU holds the quiesce token: the caller's hypercall runs again later
 * (vcpu_retry_hypercall). Never false for the root partition.
 */
bool vm_reboot(struct vm *vm);
/** Pauses (@pause) or resumes a VM; SKIFF_E_INVAL if it is not running / not paused. */
int vm_pause(struct vm *vm, bool pause);
/**
 * Removes a VM for good: channels revoked, memory freed, id released. Not the running VM.
 * False, with nothing done, if another CPU holds the quiesce token (as vm_reboot).
 */
bool vm_destroy(struct vm *vm);
/** The root partition (the live privileged VM), or NULL. */
struct vm *vm_root(void);

/**
 * Raises event @port of @vm (any CPU) on vCPU 0, which receives every port but the per-vCPU ones
 * (SKIFF_EV_PER_VCPU: vcpu_event_raise). Wakes it if blocked, kicks its CPU if it runs on
 * another one.
 */
void vm_event_raise(struct vm *vm, unsigned port);
/** Raises event @port on vCPU @v itself (its timers, a virtual IPI). */
void vcpu_event_raise(struct vcpu *v, unsigned port);
/**
 * vCPU @v has news (its virtual IRQ line changed): woken if blocked, its CPU kicked if it runs
 * on another one (it reads HCR_EL2.VI only on entry).
 */
void vm_vcpu_notify(struct vcpu *v);
/** True if @v has an unmasked pending event. */
static inline bool vcpu_event_ready(const struct vcpu *v)
{
	return (__atomic_load_n(&v->ev_pending, __ATOMIC_SEQ_CST) &
		~__atomic_load_n(&v->ev_mask, __ATOMIC_RELAXED)) != 0;
}

/**
 * Sets @v's virtual IRQ line to match its events. Called wherever pending or mask bits change
 * (raise, ack, mask, deadlines, reboot) rather than on every exit, which keeps the exit path
 * short. Raises and acks may run on two CPUs at once: the line is written atomically and the
 * events read again after it, until both agree, so the last writer leaves it right.
 */
static inline void vcpu_events_update(struct vcpu *v)
{
	struct arch_vcpu *a = &v->arch;
	bool ready;

	do {
		ready = vcpu_event_ready(v);
		if (arch_vcpu_virq(a) ==
		    ready) /* read after the events: a writer since sees them */
			return;
		arch_vcpu_set_virq(a, ready);
	} while (__builtin_expect(ready != vcpu_event_ready(v), 0));
}

/** Takes @vm's lock (vm.lock, the first VM-level lock in docs/smp.md's order). */
uint64_t vm_lock(struct vm *vm);
void vm_unlock(struct vm *vm, uint64_t flags);

/** Console bytes from the guest: buffered and printed a line at a time. */
void vm_console_put(struct vm *vm, const char *s, size_t n);

#endif
