/**
 * The Skiff hypercall ABI, shared by the hypervisor (hyp/), the guest library (pv-guest/) and
 * tools. Versioned: a change that breaks a guest bumps SKIFF_ABI_MAJOR. Described in
 * docs/hypercall-abi.md.
 *
 * Calling convention: SMCCC v1.1+ (Arm DEN0028) over `HVC #0`. Function ID in w0, arguments in
 * x1..x6, results in x0..x3; x4..x17 are preserved (Skiff promises more than SMCCC's minimum).
 * Function IDs are SMC64 fast calls owned by the Vendor-Specific Hypervisor Service (owner 6):
 *   bit 31 = 1 (fast), bit 30 = 1 (SMC64), bits 29:24 = 6, bits 15:0 = function number.
 * Negative x0 is an error code (SKIFF_E_*); SMCCC's NOT_SUPPORTED (-1) answers unknown IDs.
 */
#ifndef SKIFF_ABI_HYPERCALL_H
#define SKIFF_ABI_HYPERCALL_H

#define SKIFF_ABI_MAJOR 1
#define SKIFF_ABI_MINOR 4

/* SMCCC function-ID fields (DEN0028 section 2.5). */
#define SMCCC_FAST_CALL (1U << 31)
#define SMCCC_SMC64 (1U << 30)
#define SMCCC_OWNER_SHIFT 24
#define SMCCC_OWNER_MASK 0x3fU
#define SMCCC_OWNER_VENDOR_HYP 6U
#define SMCCC_OWNER_STANDARD 4U /* PSCI lives here */

#define SKIFF_FN(n) \
	(SMCCC_FAST_CALL | SMCCC_SMC64 | (SMCCC_OWNER_VENDOR_HYP << SMCCC_OWNER_SHIFT) | (n))

/* Vendor-specific hypervisor service general queries (DEN0028 section 6, SMC32 IDs). */
#define SKIFF_HVC_CALL_UID 0x8600ff01U /* x0..x3: the 128-bit UID below, 32 bits each */
#define SKIFF_HVC_REVISION 0x8600ff03U /* x0 = major, x1 = minor */

/* Skiff's UID: 6f1a7c2e-5b0d-4e8a-9c3f-2d61b8e4a075, as SMCCC returns it in w0..w3. */
#define SKIFF_UID_0 0x6f1a7c2eU
#define SKIFF_UID_1 0x5b0d4e8aU
#define SKIFF_UID_2 0x9c3f2d61U
#define SKIFF_UID_3 0xb8e4a075U

/* ---- Skiff calls ---- */

/** x0 = SKIFF_ABI_MAJOR << 16 | SKIFF_ABI_MINOR; the trivial call (bench: hypercall_roundtrip). */
#define SKIFF_HVC_ABI_VERSION SKIFF_FN(0x00)
/**
 * x1 = IPA of bytes, x2 = length (<= SKIFF_CONSOLE_MAX). x0 = bytes written. The root partition
 * owns the terminal: its bytes go out as they are; other VMs' lines get a "[name] " prefix.
 */
#define SKIFF_HVC_CONSOLE_WRITE SKIFF_FN(0x01)
/**
 * x1 = IPA of buffer, x2 = size. x0 = bytes read (0: nothing waiting). Root reads the UART;
 * other VMs get their input through the console channel.
 */
#define SKIFF_HVC_CONSOLE_READ SKIFF_FN(0x02)
/** Gives up the CPU to other runnable vCPUs. x0 = 0. */
#define SKIFF_HVC_YIELD SKIFF_FN(0x03)
/**
 * Blocks until an unmasked event is pending or CNTVCT >= x1 (x1 = 0: no deadline).
 * x0 = 0. Returns at once if an unmasked event is already pending.
 */
#define SKIFF_HVC_BLOCK SKIFF_FN(0x04)
/** One-shot timer: raise SKIFF_EV_TIMER when CNTVCT >= x1; x1 = 0 cancels. x0 = 0. */
#define SKIFF_HVC_TIMER_SET SKIFF_FN(0x05)
/** Raises event port x2 in VM x1, which must have bound that port to the caller. x0 = 0. */
#define SKIFF_HVC_EVENT_SEND SKIFF_FN(0x06)
/** x1 = ports to mask, x2 = ports to unmask (bit n = port n). x0 = the new mask. */
#define SKIFF_HVC_EVENT_MASK SKIFF_FN(0x07)
/**
 * Clears the pending ports in x1 and returns in x0 those of them that were pending. x0 is a
 * bitmap, never an error code (with port 63 pending it reads as negative).
 */
#define SKIFF_HVC_EVENT_ACK SKIFF_FN(0x08)
/** Lets VM x2 send to this VM's port x1 (x2 = SKIFF_VM_NONE unbinds). x0 = 0. */
#define SKIFF_HVC_EVENT_BIND SKIFF_FN(0x09)
/** x0 = own VM id, x1 = own vCPU id, x2 = vCPU count, x3 = RAM bytes. */
#define SKIFF_HVC_VM_INFO SKIFF_FN(0x0a)
/** Ends this VM with exit code x1 (reported by the hypervisor). Does not return. */
#define SKIFF_HVC_SHUTDOWN SKIFF_FN(0x0b)
/** Restarts this VM from its image. Does not return. */
#define SKIFF_HVC_REBOOT SKIFF_FN(0x0c)

/* ---- Channels (include/skiff-abi/channel.h, docs/channels.md) ---- */
/** Root only: offers a service. x1 = class, x2 = instance. x0 = offer id. */
#define SKIFF_HVC_CHAN_OFFER SKIFF_FN(0x0d)
/** x1 = IPA of struct skiff_offer[x2]. x0 = number of offers (may exceed x2: only x2 written). */
#define SKIFF_HVC_CHAN_LIST SKIFF_FN(0x0e)
/**
 * Child: opens a channel to offer x1 sharing x3 pages at IPA x2 (page aligned, even count
 * 4..256, all in the caller's RAM). x0 = channel id. The hypervisor maps the pages into root,
 * binds a port in each VM to the other and raises SKIFF_EV_CHANNEL in root.
 */
#define SKIFF_HVC_CHAN_OPEN SKIFF_FN(0x0f)
/** x1 = channel id, x2 = IPA of struct skiff_channel_info (filled for the caller). x0 = 0. */
#define SKIFF_HVC_CHAN_INFO SKIFF_FN(0x10)
/** Either end: closes channel x1; root's mapping is revoked, both get SKIFF_EV_CHANNEL. */
#define SKIFF_HVC_CHAN_CLOSE SKIFF_FN(0x11)

/* ---- Root partition (privileged VMs only; others get SKIFF_E_DENIED) ---- */
/** x1 = IPA of struct skiff_vm_status[x2]. x0 = number of VMs (only x2 written). */
#define SKIFF_HVC_VM_LIST SKIFF_FN(0x12)
/** x1 = VM id, x2 = SKIFF_VMCTL_*. x0 = 0. */
#define SKIFF_HVC_VM_CTRL SKIFF_FN(0x13)
/** Creates a VM from the boot config's node named by the string at IPA x1, length x2. x0 = id. */
#define SKIFF_HVC_VM_CREATE SKIFF_FN(0x14)
/** Copies the newest hypervisor log bytes (at most x2) to IPA x1. x0 = bytes. */
#define SKIFF_HVC_LOG_READ SKIFF_FN(0x15)

/**
 * Signal and wait in one call (the ping-pong of a request and its reply): raises port x2 in VM
 * x1 as EVENT_SEND does (x1 = SKIFF_VM_NONE: no send), then returns at once if any of the ports
 * in x3 is pending, else blocks like BLOCK (no deadline). On return x0 holds the ports of x3
 * that were pending, now cleared (0 if woken by another unmasked port); a failed send returns
 * its error without waiting.
 */
#define SKIFF_HVC_EVENT_SEND_WAIT SKIFF_FN(0x16)

/* ---- Memory (docs/memory.md "Guest RAM") ---- */
/**
 * Balloon: gives back x2 pages of the caller's RAM from IPA x1 (page aligned). Their frames are
 * freed at once; touched again, the pages read zeros. Pages granted to a channel are kept.
 * x0 = pages released.
 */
#define SKIFF_HVC_MEM_RELEASE SKIFF_FN(0x17)
/**
 * x1 = VM id (SKIFF_VM_NONE: the caller; only root may name another VM), x2 = IPA of a struct
 * skiff_mem_info to fill. The host_* fields are filled for root only (zeros otherwise). x0 = 0.
 */
#define SKIFF_HVC_MEM_INFO SKIFF_FN(0x18)

/* ---- The hypervisor's output, held for the root partition (docs/root.md) ---- */
/**
 * Root only: x1 = 1 takes the hypervisor's output off the terminal: from then on the hypervisor
 * prints neither its messages (a VM parked, exited, created, ...) nor other VMs' console lines
 * itself but holds them for the caller, raising SKIFF_EV_LOG, and the caller prints them at a
 * line boundary (LOG_NEXT). x1 = 0 gives it back. When the caller dies or reboots, or the
 * hypervisor panics, what it has not acknowledged is printed by the hypervisor and the
 * hypervisor prints again. x0 = the sequence number of the first held byte to read (LOG_NEXT).
 */
#define SKIFF_HVC_LOG_TAKE SKIFF_FN(0x19)
/**
 * Root only, after LOG_TAKE: x1 = IPA of a buffer, x2 = its size, x3 = a sequence number.
 * Acknowledges every held byte before x3 (the caller printed them) and copies held bytes from x3
 * on into the buffer. x0 = bytes copied, x1 = the sequence number of the first of them (greater
 * than x3 when x1 - x3 bytes were lost: the hypervisor holds the newest 16 KiB), x2 = the
 * sequence number after the newest held byte (x1 + x0 < x2: more to read). SKIFF_E_INVAL when
 * the caller did not take the output or x3 is before what it acknowledged or after x2.
 */
#define SKIFF_HVC_LOG_NEXT SKIFF_FN(0x1a)

/* ---- Several vCPUs (docs/hypercall-abi.md "vCPUs") ---- */
/**
 * Virtual IPI: raises SKIFF_EV_IPI on vCPU x1 of the caller's own VM (the caller itself
 * included), waking it if it blocks. x0 = 0; SKIFF_E_INVAL if the VM has no vCPU x1,
 * SKIFF_E_NOENT if that vCPU is off (PSCI CPU_OFF, or never started): the IPI is dropped.
 */
#define SKIFF_HVC_IPI_SEND SKIFF_FN(0x1b)

#define SKIFF_HVC_COUNT 0x1c

#define SKIFF_VMCTL_PAUSE 1
#define SKIFF_VMCTL_UNPAUSE 2
#define SKIFF_VMCTL_DESTROY 3
#define SKIFF_VMCTL_REBOOT 4
/**
 * Pins vCPUs (as `xl vcpu-pin`): x3 = vCPU index or SKIFF_VCPU_ALL, x4 = the physical CPUs they
 * may run on (bit n: CPU n; 0: any online CPU). A vCPU on a CPU it may no longer use moves at
 * its next scheduling point. SKIFF_E_INVAL for a bad vCPU or a mask naming no online CPU.
 */
#define SKIFF_VMCTL_PIN 5
#define SKIFF_VCPU_ALL 0xffffffffU

/** One VM as SKIFF_HVC_VM_LIST reports it. */
struct skiff_vm_status {
	unsigned int id;
	unsigned int state; /* SKIFF_VM_STATE_* */
	unsigned int vcpus;
	unsigned int weight;
	unsigned int cap;
	int exit_code;
	unsigned int privileged;
	unsigned int reserved;
	unsigned long long ram_bytes;
	unsigned long long cpu_us; /* CPU time used, all vCPUs */
	char name[32];
	unsigned long long resident_bytes; /* memory as SKIFF_HVC_MEM_INFO counts it */
	unsigned long long shared_bytes;
	unsigned long long ballooned_bytes;
	unsigned long long swapped_bytes;
	unsigned char vcpu_cpu[4];   /* the physical CPU each vCPU is on (0xff: no such vCPU) */
	unsigned char vcpu_state[4]; /* SKIFF_VCPU_STATE_* */
	unsigned int vcpu_mask[4];   /* CPUs each vCPU may run on (bit n: CPU n; 0: any) */
};

#define SKIFF_VCPU_STATE_OFF 0
#define SKIFF_VCPU_STATE_RUNNABLE 1
#define SKIFF_VCPU_STATE_RUNNING 2
#define SKIFF_VCPU_STATE_BLOCKED 3

/** A VM's memory and the machine's, in bytes (SKIFF_HVC_MEM_INFO). */
struct skiff_mem_info {
	unsigned long long promised;  /* the VM's configured RAM */
	unsigned long long resident;  /* its own frames */
	unsigned long long shared;    /* pages on shared frames or the zero frame */
	unsigned long long ballooned; /* given back by its balloon driver */
	unsigned long long swapped;   /* on the swap disk */
	unsigned long long untouched; /* never touched: promised minus all the above */
	unsigned long long host_total, host_free;
	unsigned long long host_shared_frames; /* frames backing shared pages (bytes) */
	unsigned long long host_shared_pages;  /* guest pages mapped to them (bytes) */
	unsigned long long host_zero_pages;    /* guest pages mapped to the zero frame (bytes) */
	unsigned long long host_swap_total, host_swap_used;
	unsigned long long host_swap_ins, host_swap_outs; /* pages read back, written out (count) */
	unsigned int waiting; /* 1: a vCPU of the VM waits for a free frame */
	unsigned int reserved;
};

#define SKIFF_VM_STATE_RUNNING 1
#define SKIFF_VM_STATE_PAUSED 2
#define SKIFF_VM_STATE_PARKED 3
#define SKIFF_VM_STATE_SHUTDOWN 4

/* ---- Errors (x0 < 0) ---- */
#define SKIFF_OK 0
#define SKIFF_E_NOT_SUPPORTED (-1) /* SMCCC NOT_SUPPORTED: unknown function */
#define SKIFF_E_INVAL (-3)         /* SMCCC INVALID_PARAMETER: a bad argument value */
#define SKIFF_E_DENIED (-4)        /* not allowed for this VM */
#define SKIFF_E_FAULT (-5)         /* a guest address not in the caller's RAM */
#define SKIFF_E_NOENT (-6)         /* no such VM or port */
#define SKIFF_E_NOMEM (-7)
#define SKIFF_E_BUSY (-8)

/* ---- Events ---- */
#define SKIFF_EV_PORTS 64
#define SKIFF_EV_TIMER 0      /* the SKIFF_HVC_TIMER_SET deadline passed */
#define SKIFF_EV_VTIMER 1     /* the guest's own CNTV timer fired (CNTV_CTL.IMASK was set for it) */
#define SKIFF_EV_CONSOLE 2    /* console input is waiting (root: the UART) */
#define SKIFF_EV_CHANNEL 3    /* a channel of this VM opened or closed: look with CHAN_INFO */
#define SKIFF_EV_VMSTATE 4    /* root: some VM changed state (parked, exited): look with VM_LIST */
#define SKIFF_EV_LOG 5        /* root, after LOG_TAKE: the hypervisor holds new output (LOG_NEXT) */
#define SKIFF_EV_MEMORY 6     /* root: free host memory fell below the low watermark (MEM_INFO) */
#define SKIFF_EV_IPI 7        /* a virtual IPI for this vCPU (SKIFF_HVC_IPI_SEND) */
#define SKIFF_EV_FIRST_FREE 8 /* ports 8..63: doorbells (EVENT_BIND, or bound by CHAN_OPEN) */

/*
 * Each vCPU has its own pending and mask bits (EVENT_MASK, EVENT_ACK, BLOCK and EVENT_SEND_WAIT
 * act on the caller's). These ports are raised on the vCPU they concern; every other port of
 * the VM is delivered to vCPU 0.
 */
#define SKIFF_EV_PER_VCPU (1ULL << SKIFF_EV_TIMER | 1ULL << SKIFF_EV_VTIMER | 1ULL << SKIFF_EV_IPI)

#define SKIFF_VM_NONE 0xffffffffU
#define SKIFF_CONSOLE_MAX 256

/* ---- Guest start-up ---- */

/**
 * At entry a guest vCPU runs at EL1h, MMU off, DAIF masked, x0 = IPA of this block, placed in the
 * last page of the VM's RAM. Every field is little-endian.
 */
#define SKIFF_START_MAGIC 0x5346464b53ULL /* "SKFFS" */

struct skiff_start_info {
	unsigned long long magic;
	unsigned int abi_major, abi_minor;
	unsigned int vm_id, vcpu_id;
	unsigned long long ram_base; /* IPA */
	unsigned long long ram_size; /* bytes, this page included */
	char name[32];
	char args[128];       /* the VM config's "args" string */
	unsigned int reboots; /* (ABI 1.4) times this VM was rebooted since it was created */
	unsigned int reserved;
};

/*
 * PSCI functions a guest may call over HVC (DEN0022 PSCI 1.1, section 5): the guest's own power
 * control. CPU_ON's target is an MPIDR whose Aff0 is the vCPU index (VMPIDR_EL2 of vCPU n is n),
 * every other affinity field 0; the vCPU starts at the entry IPA at EL1h, MMU off, DAIF masked,
 * x0 = the context id. vCPU 0 cannot CPU_OFF (DENIED): it receives the VM's shared events.
 */
#define SKIFF_PSCI_VERSION 0x84000000U
#define SKIFF_PSCI_CPU_OFF 0x84000002U
#define SKIFF_PSCI_CPU_ON_32 0x84000003U
#define SKIFF_PSCI_CPU_ON 0xc4000003U
#define SKIFF_PSCI_AFFINITY_INFO_32 0x84000004U
#define SKIFF_PSCI_AFFINITY_INFO 0xc4000004U
#define SKIFF_PSCI_FEATURES 0x8400000aU
#define SKIFF_PSCI_SYSTEM_OFF 0x84000008U
#define SKIFF_PSCI_SYSTEM_RESET 0x84000009U

/* PSCI return codes (DEN0022 section 5.2.2) and AFFINITY_INFO states (section 5.1.5). */
#define SKIFF_PSCI_E_NOT_SUPPORTED (-1)
#define SKIFF_PSCI_E_INVALID_PARAMETERS (-2)
#define SKIFF_PSCI_E_DENIED (-3)
#define SKIFF_PSCI_E_ALREADY_ON (-4)
#define SKIFF_PSCI_E_ON_PENDING (-5)
#define SKIFF_PSCI_E_INVALID_ADDRESS (-9)
#define SKIFF_PSCI_AFF_ON 0
#define SKIFF_PSCI_AFF_OFF 1
#define SKIFF_PSCI_AFF_ON_PENDING 2

#endif
