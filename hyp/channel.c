/**
 * Channel offers and grants (see channel.h and docs/channels.md).
 * Lock order: chan_lock, then a VM's lock (vmem_pin; root's around changes to its stage 2), then
 * vmem's, then the frame pool's. One VM lock at a time.
 */
#include <skiff/channel.h>
#include <skiff/guest_mem.h>
#include <skiff/mem.h>
#include <skiff/mm.h>
#include <skiff/pgtable.h>
#include <skiff/vm.h>
#include <skiff/vmem.h>
#include <skiff-abi/hypercall.h>

struct offer {
	bool used;
	uint32_t class_id, instance;
	struct vm *root;
};

struct channel {
	enum skiff_channel_state state;
	uint32_t offer;
	uint32_t class_id, instance;
	struct vm *child, *root; /* NULL once that VM is gone (then only its id is known) */
	uint32_t child_id, root_id;
	uint64_t child_ipa;
	uint32_t npages;
	uint32_t child_port, root_port; /* child_port is in child, rung by root; and vice versa */
	bool child_done, root_done;     /* that end has closed the channel or is gone */
};

static struct spinlock chan_lock;
static struct offer offers[OFFER_MAX];
static struct channel chans[CHAN_MAX];

static uint64_t lock(void)
{
	return spin_lock_irqsave(&chan_lock);
}

static void unlock(uint64_t flags)
{
	spin_unlock_irqrestore(&chan_lock, flags);
}

int64_t chan_offer(struct vm *root, uint32_t class_id, uint32_t instance)
{
	uint64_t flags = lock();
	int64_t id = SKIFF_E_NOMEM;

	for (unsigned i = 0; i < OFFER_MAX && id < 0; i++) {
		if (offers[i].used)
			continue;
		offers[i] = (struct offer){ true, class_id, instance, root };
		id = i;
	}
	unlock(flags);
	if (id >= 0) /* children waiting for a service (a restarted root) look again */
		for (unsigned vmid = 0; vmid < VM_MAX; vmid++) {
			struct vm *vm = vm_get(vmid);
			if (vm && vm != root && vm->state == VM_RUNNING)
				vm_event_raise(vm, SKIFF_EV_CHANNEL);
		}
	return id;
}

unsigned chan_list(struct skiff_offer *out, unsigned max)
{
	uint64_t flags = lock();
	unsigned n = 0;

	for (unsigned i = 0; i < OFFER_MAX; i++) {
		if (!offers[i].used)
			continue;
		if (n < max)
			out[n] = (struct skiff_offer){ i, offers[i].class_id, offers[i].instance,
						       0 };
		n++;
	}
	unlock(flags);
	return n;
}

/*
 * A free doorbell port of @vm bound to @peer and owned by a channel (EVENT_BIND cannot take it
 * over). Taken from port 63 down, so they rarely meet the low ports guests bind themselves.
 * 0 if none is free.
 */
static uint32_t bind_free_port(struct vm *vm, struct vm *peer)
{
	for (uint32_t p = SKIFF_EV_PORTS - 1; p >= SKIFF_EV_FIRST_FREE; p--) {
		if (vm->ev_peer[p] != SKIFF_VM_NONE)
			continue;
		vm->ev_peer[p] = peer->id;
		vm->ev_chan_ports |= 1ULL << p;
		return p;
	}
	return 0;
}

static void unbind_port(struct vm *vm, uint32_t port)
{
	vm->ev_peer[port] = SKIFF_VM_NONE;
	vm->ev_chan_ports &= ~(1ULL << port);
	__atomic_fetch_and(&vm->vcpus[0].ev_pending, ~(1ULL << port), __ATOMIC_RELAXED);
	vcpu_events_update(&vm->vcpus[0]); /* doorbells go to vCPU 0 */
}

/*
 * Root's doorbell port for @child's channels: one per child, shared by all its open channels, so
 * the 56 ports root has bound the number of children, not of channels (root finds which ring
 * rang by looking at that child's rings). The port of an open channel of @child, else a new one.
 */
static uint32_t root_port_for(struct vm *root, struct vm *child, bool *fresh)
{
	for (unsigned i = 0; i < CHAN_MAX; i++)
		if (chans[i].state == SKIFF_CHAN_OPEN && chans[i].root == root &&
		    chans[i].child == child) {
			*fresh = false;
			return chans[i].root_port;
		}
	*fresh = true;
	return bind_free_port(root, child);
}

/* Root's port of a channel that closed: unbound once no open channel shares it. */
static void put_root_port(struct vm *root, uint32_t port)
{
	for (unsigned i = 0; i < CHAN_MAX; i++)
		if (chans[i].state == SKIFF_CHAN_OPEN && chans[i].root == root &&
		    chans[i].root_port == port)
			return;
	unbind_port(root, port);
}

/* Every page of [ipa, ipa + n pages) must be the child's own RAM. */
static bool ring_pages_ok(struct vm *child, uint64_t ipa, uint64_t npages)
{
	if (npages < SKIFF_RING_MIN_PAGES || npages > SKIFF_RING_MAX_PAGES || (npages & 1) ||
	    !IS_ALIGNED(ipa, PAGE_SIZE) || ipa + npages * PAGE_SIZE < ipa)
		return false;
	for (uint64_t i = 0; i < npages; i++)
		if (vmem_page_state(child, ipa + i * PAGE_SIZE, NULL) == VMEM_NOT_RAM)
			return false;
	return true;
}

static uint64_t window_ipa(unsigned id)
{
	return CHAN_WINDOW_IPA + (uint64_t)id * CHAN_SLOT_BYTES;
}

/*
 * Root's stage 2 changes under root's lock: its vCPU may run on another CPU meanwhile, and take
 * a fault that walks or changes the same table (vmem_fault, which also looks again at a window
 * page it found in the middle of a break-before-make here).
 */
static bool root_map(struct vm *root, uint64_t ipa, paddr_t pa)
{
	uint64_t flags = vmem_lock_vm(root);
	bool ok = pgtable_map(&root->s2, ipa, pa, PAGE_SIZE, MM_R | MM_W);

	vmem_unlock_vm(root, flags);
	return ok;
}

static void root_unmap(struct vm *root, uint64_t ipa, uint64_t bytes)
{
	uint64_t flags = vmem_lock_vm(root);

	pgtable_unmap(&root->s2, ipa, bytes);
	vmem_unlock_vm(root, flags);
}

/* Unpins the child's pages mapped in the first @n pages of root's window slot @id. */
static void unpin_window(struct channel *c, unsigned id, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		paddr_t pa;
		if (pgtable_lookup(&c->root->s2, window_ipa(id) + i * PAGE_SIZE, &pa, NULL))
			vmem_unpin(pa);
	}
}

/*
 * Maps the child's ring pages into root's window slot @id (pages may be scattered in PA). Each
 * is pinned first: made the child's own frame and kept out of sharing and reclaim while granted.
 */
static bool grant(struct channel *c, unsigned id)
{
	for (uint32_t i = 0; i < c->npages; i++) {
		paddr_t pa;
		bool pinned = vmem_pin(c->child, c->child_ipa + i * PAGE_SIZE, &pa) == VMEM_OK;
		if (!pinned || !root_map(c->root, window_ipa(id) + i * PAGE_SIZE, pa)) {
			if (pinned)
				vmem_unpin(pa);
			unpin_window(c, id, i);
			root_unmap(c->root, window_ipa(id), (uint64_t)i * PAGE_SIZE);
			return false;
		}
	}
	return true;
}

/*
 * A slot is reused only once FREE: after both ends have closed it (or are gone), so a stale id
 * never names somebody else's newer channel.
 */
static int free_slot(void)
{
	for (unsigned i = 0; i < CHAN_MAX; i++)
		if (chans[i].state == SKIFF_CHAN_FREE)
			return (int)i;
	return -1;
}

static int64_t open_locked(struct vm *child, uint32_t offer, uint64_t ipa, uint64_t npages)
{
	struct offer *o = offer < OFFER_MAX && offers[offer].used ? &offers[offer] : NULL;
	int id = free_slot();
	uint32_t root_port;
	struct channel *c;
	bool fresh;

	if (!o)
		return SKIFF_E_NOENT;
	/* A child being destroyed may still be inside CHAN_OPEN on another CPU: vm_destroy sets its
	 * state before chan_vm_gone takes this lock, so either that finds the channel or this sees
	 * the state (a channel made behind it would keep pages pinned through the reset). */
	if (child->cfg.privileged || child->state != VM_RUNNING || o->root->state != VM_RUNNING)
		return SKIFF_E_DENIED;
	if (!ring_pages_ok(child, ipa, npages))
		return SKIFF_E_FAULT;
	if (id < 0)
		return SKIFF_E_BUSY;
	root_port = root_port_for(o->root, child, &fresh); /* before this channel counts as open */
	c = &chans[id];
	*c = (struct channel){ .state = SKIFF_CHAN_OPEN,
			       .offer = offer,
			       .class_id = o->class_id,
			       .instance = o->instance,
			       .child = child,
			       .root = o->root,
			       .child_id = child->id,
			       .root_id = o->root->id,
			       .child_ipa = ipa,
			       .npages = (uint32_t)npages };
	c->child_port = bind_free_port(child, o->root);
	c->root_port = root_port;
	if (!c->child_port || !c->root_port || !grant(c, (unsigned)id)) {
		if (c->child_port)
			unbind_port(child, c->child_port);
		if (c->root_port && fresh)
			unbind_port(o->root, c->root_port);
		c->state = SKIFF_CHAN_FREE;
		return SKIFF_E_NOMEM;
	}
	return id;
}

int64_t chan_open(struct vm *child, uint32_t offer, uint64_t ipa, uint64_t npages)
{
	uint64_t flags;
	int64_t id;

	/* The ring pages get frames first (waiting for memory or swap if need be), unlocked. */
	if (npages <= SKIFF_RING_MAX_PAGES &&
	    guest_prepare_to(child, ipa_init(ipa), npages * PAGE_SIZE) == GUEST_MEM_WAIT)
		return GUEST_MEM_WAIT;
	flags = lock();
	id = open_locked(child, offer, ipa, npages);
	struct vm *root = id >= 0 ? chans[id].root : NULL;

	unlock(flags);
	if (root)
		vm_event_raise(root, SKIFF_EV_CHANNEL);
	return id;
}

int chan_info(struct vm *vm, uint64_t id, struct skiff_channel_info *info)
{
	uint64_t flags = lock();
	struct channel *c = id < CHAN_MAX ? &chans[id] : NULL;
	bool is_root = c && c->root == vm;
	int err = 0;

	if (!c || c->state == SKIFF_CHAN_FREE || (c->child != vm && !is_root)) {
		err = SKIFF_E_NOENT;
	} else {
		*info = (struct skiff_channel_info){
			.channel_id = (unsigned)id,
			.state = c->state,
			.offer_id = c->offer,
			.class_id = c->class_id,
			.instance = c->instance,
			.child_vm = c->child_id,
			.npages = c->npages,
			.my_port = is_root ? c->root_port : c->child_port,
			.peer_vm = is_root ? c->child_id : c->root_id,
			.peer_port = is_root ? c->child_port : c->root_port,
			.ring_ipa = is_root ? window_ipa((unsigned)id) : c->child_ipa,
		};
	}
	unlock(flags);
	return err;
}

/*
 * Revokes the child's pages from root. Root's back-end may be in the middle of that ring, so its
 * window slot is pointed at a zeroed scratch page (reads as an empty ring) instead of left
 * unmapped, which would fault root; the slot is unmapped when the channel is freed.
 */
static void revoke_locked(struct channel *c, unsigned id)
{
	static paddr_t scratch;
	static bool have_scratch;

	if (!have_scratch)
		have_scratch = frame_alloc_zeroed(&frames, &scratch);
	unpin_window(c, id, c->npages);
	for (uint32_t i = 0; i < c->npages; i++)
		if (!have_scratch || !root_map(c->root, window_ipa(id) + i * PAGE_SIZE, scratch))
			root_unmap(c->root, window_ipa(id) + i * PAGE_SIZE, PAGE_SIZE);
}

/* Revokes root's mapping and the ports; the survivors hear of it through SKIFF_EV_CHANNEL. */
static void close_locked(struct channel *c, unsigned id)
{
	revoke_locked(c, id);
	c->state = SKIFF_CHAN_CLOSED;
	unbind_port(c->child, c->child_port);
	put_root_port(c->root, c->root_port);
}

/* An end is done with a closed channel; when both are, the slot is free again. */
static void end_done(struct channel *c, unsigned id, bool root_end)
{
	if (root_end) {
		c->root_done = true;
		if (c->root) /* the window slot leaves root's stage 2 for good */
			root_unmap(c->root, window_ipa(id), (uint64_t)c->npages * PAGE_SIZE);
	} else {
		c->child_done = true;
	}
	if (c->root_done && c->child_done)
		c->state = SKIFF_CHAN_FREE;
}

static void notify(struct vm *a, struct vm *b)
{
	if (a->state == VM_RUNNING)
		vm_event_raise(a, SKIFF_EV_CHANNEL);
	if (b->state == VM_RUNNING)
		vm_event_raise(b, SKIFF_EV_CHANNEL);
}

int chan_close(struct vm *vm, uint64_t id)
{
	uint64_t flags = lock();
	struct channel *c = id < CHAN_MAX ? &chans[id] : NULL;
	struct vm *child, *root;

	if (!c || c->state == SKIFF_CHAN_FREE || (c->child != vm && c->root != vm) ||
	    (c->root == vm ? c->root_done : c->child_done)) {
		unlock(flags);
		return SKIFF_E_NOENT;
	}
	child = c->child;
	root = c->root;
	if (c->state == SKIFF_CHAN_OPEN)
		close_locked(c, (unsigned)id);
	else
		child = root = NULL; /* the peer closed first and was told then */
	end_done(c, (unsigned)id, c->root == vm);
	unlock(flags);
	if (child)
		notify(child, root);
	return 0;
}

void chan_vm_gone(struct vm *vm)
{
	uint64_t flags = lock();

	for (unsigned i = 0; i < OFFER_MAX; i++)
		if (offers[i].used && offers[i].root == vm)
			offers[i].used = false;
	for (unsigned i = 0; i < CHAN_MAX; i++) {
		struct channel *c = &chans[i];
		if (c->state == SKIFF_CHAN_FREE || (c->child != vm && c->root != vm))
			continue;
		if (c->state == SKIFF_CHAN_OPEN) {
			close_locked(c, i);
			vm_event_raise(c->child == vm ? c->root : c->child, SKIFF_EV_CHANNEL);
		}
		/* The record may outlive the VM (it can be destroyed): keep no pointer to it. */
		if (c->root == vm) {
			end_done(c, i, true);
			c->root = NULL;
		}
		if (c->child == vm) {
			end_done(c, i, false);
			c->child = NULL;
		}
	}
	unlock(flags);
}
