/**
 * Channel offers and grants (docs/channels.md): the hypervisor's half of VMBus-like channels.
 * It checks and maps a child's ring pages into root's grant window, binds a doorbell port in each
 * VM to the other (in root, one per child, shared by that child's channels), and revokes all of
 * it when either side closes or dies. Ring contents are the two guests' business. One lock
 * (chan_lock) protects both tables; it is taken before vm locks.
 */
#ifndef SKIFF_CHANNEL_H
#define SKIFF_CHANNEL_H

#include <skiff/types.h>
#include <skiff-abi/channel.h>

struct vm;

#define CHAN_MAX SKIFF_CHAN_MAX
#define OFFER_MAX 64
#define CHAN_WINDOW_IPA 0x4000000000UL /* root's grant window: 1 MiB per channel id (256 MiB) */
#define CHAN_SLOT_BYTES (SKIFF_RING_MAX_PAGES * SKIFF_RING_PAGE)

/** Root offers a service; returns the offer id or a negative SKIFF_E_*. */
int64_t chan_offer(struct vm *root, uint32_t class_id, uint32_t instance);
/** Writes up to @max offers to @out; returns how many exist. */
unsigned chan_list(struct skiff_offer *out, unsigned max);
/** A child opens offer @offer sharing @npages pages at @ipa; returns the channel id or error. */
int64_t chan_open(struct vm *child, uint32_t offer, uint64_t ipa, uint64_t npages);
/** Fills @info for @vm's view of channel @id; 0 or a negative SKIFF_E_*. */
int chan_info(struct vm *vm, uint64_t id, struct skiff_channel_info *info);
/** Closes channel @id at @vm's request; 0 or a negative SKIFF_E_*. */
int chan_close(struct vm *vm, uint64_t id);
/** @vm is going away (park, shutdown, destroy, reboot): closes its channels, drops its offers. */
void chan_vm_gone(struct vm *vm);

#endif
