/** The BALLOON service's messages, both ends (pv/balloon_msg.h). */
#include <pv/balloon_msg.h>
#include <pv/string.h>
#include <skiff-abi/hypercall.h>

#define PAGE 4096ULL

enum pv_balloon_req pv_balloon_decode(const struct skiff_packet *pkt, const void *payload, long len,
				      unsigned long long ram_bytes, unsigned long long *target,
				      unsigned long *pages)
{
	struct skiff_balloon_target t;

	if (pkt->type == SKIFF_PKT_REQUEST && len == 0)
		return PV_BALLOON_QUERY;
	if (pkt->type != SKIFF_PKT_BALLOON_TARGET || len != (long)sizeof(t))
		return PV_BALLOON_BAD;
	memcpy(&t, payload, sizeof(t));
	/* RAM is whole pages: a target below it stays below it when rounded up. */
	*target =
		t.target_bytes >= ram_bytes ? ram_bytes : (t.target_bytes + PAGE - 1) / PAGE * PAGE;
	*pages = (unsigned long)((ram_bytes - *target) / PAGE);
	return PV_BALLOON_SET;
}

const char *pv_balloon_check_status(const struct skiff_packet *pkt, const void *payload, long len,
				    unsigned long long ram_bytes, struct skiff_balloon_status *out)
{
	if (pkt->type != SKIFF_PKT_BALLOON_STATUS)
		return "not a status packet";
	if (len != (long)sizeof(*out))
		return "a status of the wrong size";
	memcpy(out, payload, sizeof(*out));
	if (out->result != 0 && out->result != SKIFF_E_INVAL)
		return "an unknown result code";
	if (out->balloon_bytes > ram_bytes || out->balloon_bytes % PAGE)
		return "a balloon larger than its RAM or not in pages";
	if (out->free_bytes > ram_bytes || out->target_bytes > ram_bytes)
		return "more free memory or a larger target than its RAM";
	return 0;
}
