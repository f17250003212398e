/**
 * The BALLOON service's messages (include/skiff-abi/channel.h, docs/channels.md "Balloon"),
 * checked the same way on both ends: pure functions, no hypercalls, so the host tests run them
 * (tests/root/test_balloon.c). Everything a peer sent is judged against what this side knows on
 * its own (the guest's RAM size); a message that does not fit is rejected, never trusted.
 */
#ifndef PV_BALLOON_MSG_H
#define PV_BALLOON_MSG_H

#include <skiff-abi/channel.h>

/** What a packet from root asks the guest's balloon. */
enum pv_balloon_req {
	PV_BALLOON_QUERY, /* a status, nothing changed */
	PV_BALLOON_SET,   /* a new target */
	PV_BALLOON_BAD,   /* malformed: answered with result SKIFF_E_INVAL, nothing changed */
};

/**
 * Decodes a packet root sent to a guest with `ram_bytes` of RAM: for PV_BALLOON_SET, the target
 * (at most ram_bytes, page-rounded up) in *target and the balloon size it asks for, in pages, in
 * *pages.
 */
enum pv_balloon_req pv_balloon_decode(const struct skiff_packet *pkt, const void *payload, long len,
				      unsigned long long ram_bytes, unsigned long long *target,
				      unsigned long *pages);

/**
 * Checks a packet a guest with `ram_bytes` of RAM sent root: NULL and *out filled, or what is
 * wrong with it (a sentence for root's report).
 */
const char *pv_balloon_check_status(const struct skiff_packet *pkt, const void *payload, long len,
				    unsigned long long ram_bytes, struct skiff_balloon_status *out);

#endif
