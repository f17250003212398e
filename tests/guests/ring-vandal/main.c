/**
 * ring-vandal: opens the root partition's ECHO service, sends one good packet and gets it back,
 * then scribbles on its ring: a write index past the end of the data area (`how=index`) or a
 * packet whose length runs past what it published (`how=length`), and rings root. Root must
 * close the channel with a message naming this VM and carry on; the guest reports what it saw:
 * "ring-vandal: root closed the channel" (tests/qemu/test_root_services.py).
 */
#include <pv/channel.h>
#include <pv/pv.h>

static bool wait_closed(struct pv_chan *ch)
{
	unsigned long give_up = pv_now() + pv_us_to_ticks(3000000);

	while (!ch->closed && pv_now() < give_up) {
		pv_sleep_us(10000);
		pv_chan_check(ch);
	}
	return ch->closed;
}

int main(void)
{
	unsigned long args_len;
	const char *how = pv_args_find(pv_args(), "how", &args_len);
	struct skiff_packet pkt;
	struct pv_chan *ch;
	char buf[16] = "good";
	int tries = 500;

	while (pv_chan_open(SKIFF_CLASS_ECHO, 0, 4, &ch) != 0 && --tries)
		pv_sleep_us(10000);
	if (!tries || pv_chan_send(ch, SKIFF_PKT_DATA, 0, 1, buf, 4) ||
	    pv_chan_recv_wait(ch, &pkt, buf, sizeof(buf), 2000000) != 4) {
		pv_printf("ring-vandal: FAIL: no echo before the vandalism\n");
		return 1;
	}
	if (how && args_len == 6 && !strncmp(how, "length", 6)) {
		/* A header claiming 60000 payload bytes, published as 16 bytes. */
		struct skiff_packet *p = (void *)(ch->tx.data + ch->tx.index);
		p->type = SKIFF_PKT_DATA;
		p->len = 60000;
		__atomic_store_n(&ch->tx.hdr->write_index, ch->tx.index + 16, __ATOMIC_RELEASE);
	} else {
		__atomic_store_n(&ch->tx.hdr->write_index, ch->tx.size + 8, __ATOMIC_RELEASE);
	}
	pv_printf("ring-vandal: ring scribbled on (%s)\n", how ? how : "index");
	pv_event_send(ch->info.peer_vm, ch->info.peer_port);
	if (!wait_closed(ch)) {
		pv_printf("ring-vandal: FAIL: root did not close the channel\n");
		return 1;
	}
	pv_printf("ring-vandal: root closed the channel\n");
	return 0;
}
