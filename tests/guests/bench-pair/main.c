/**
 * bench-pair: the two-VM benchmarks, one image run as VM "a" (measures, prints the BENCH line)
 * and VM "b" (its peer). Args: `bench=event_send|vm_switch`, `role=a|b`, `peer=<the other VM's
 * id>` (VM ids follow config order: dts/bench-event-send.dts, dts/bench-vm-switch.dts),
 * `iterations` (default 20000, at least 1000). Under QEMU's `-icount shift=0,sleep=off` one
 * instruction is 1 ns of virtual time: ticks * 1e9 / CNTFRQ is an instruction count.
 *
 * Both VMs bind doorbell ports PORT_DATA and PORT_CTL to each other, unmask them in the
 * hypervisor (and mask every other port) and keep PSTATE.I masked: an event ends SKIFF_HVC_BLOCK
 * but raises no upcall, and the loops acknowledge with SKIFF_HVC_EVENT_ACK themselves. A handshake
 * on PORT_CTL (each side sends until the other has bound, then waits for the other's send) starts
 * both loops in step; at the end "a" sends PORT_CTL, "b" prints its count and answers, and "a"
 * prints "bench: done".
 *
 * event_send: the sender's cost of one SKIFF_HVC_EVENT_SEND that takes the full delivery path:
 *   argument and binding checks, the pending bit, and waking "b" from SKIFF_HVC_BLOCK (runqueue
 *   lock, state, vruntime floor, need_resched), then the reschedule at the end of the call,
 *   which keeps "a" running. It is not the switch to "b" (that is vm_switch). So that every send
 *   finds "b" blocked, "a" sleeps SLEEP_US after each one: "b" runs, acknowledges and blocks
 *   again meanwhile. The config gives "a" weight 65535 and "b" weight 1 so that the woken "b"
 *   never has less virtual runtime than "a" and does not preempt it inside the send. Each send
 *   is timed on its own, between two counter reads, and so is the same bracket with a NOP in
 *   place of the HVC; per send = (sum with - sum without) / n. A bracket spans only tens of
 *   counter ticks (16 instructions each); so that the rounding of every bracket to whole ticks
 *   averages out, iteration i first executes i % 16 NOPs, which moves the bracket's start over
 *   every phase of the tick. "b" counts its wake-ups: they must equal the sends of "a" (a send
 *   that found "b" awake would not wake it), which tests/qemu/test_bench_pair.py checks.
 *
 * vm_switch: ping-pong with SKIFF_HVC_EVENT_SEND_WAIT, the signal-and-block call: "a" sends to
 *   "b" and blocks in one call; "b", woken with its port acknowledged, answers the same way. A
 *   round trip is two switches; the figure is the time of n round trips / 2n. It is a full path
 *   figure, nothing subtracted: per switch one hypercall (send, acknowledge, block), the wake-up,
 *   the scheduler's pick and the world switch (EL1 system registers, FP/SIMD, stage 2 and
 *   VMID), plus a few loop instructions.
 */
#include <pv/pv.h>

#define PORT_DATA 8
#define PORT_CTL 9
#define BIT(port) (1UL << (port))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define DITHER 16     /* the counter ticks every 16 instructions at 62.5 MHz */
#define SLEEP_US 20   /* event_send: time given to "b" to block again after a send */
#define RETRY_US 1000 /* handshake: wait before sending again to a peer not there or not bound */
#define BIND_TRIES 5000

static unsigned long peer;

/*
 * One bracket: DITHER - 1 - k NOPs skipped, k executed, a counter read, `op` with x0..x2 set up
 * for EVENT_SEND to the peer's PORT_DATA, a counter read. Returns the ticks between the reads
 * and stores the call's x0 in *x0_out.
 */
#define TIMED_OP(name, op)                                                                     \
	static unsigned long name(unsigned long k, long *x0_out)                               \
	{                                                                                      \
		register unsigned long x0 __asm__("x0") = SKIFF_HVC_EVENT_SEND;                \
		register unsigned long x1 __asm__("x1") = peer;                                \
		register unsigned long x2 __asm__("x2") = PORT_DATA;                           \
		register unsigned long x3 __asm__("x3") = 0;                                   \
		unsigned long t0, t1, tmp;                                                     \
                                                                                               \
		__asm__ volatile("adr	%[tmp], 2f\n\t"                                          \
				 "sub	%[tmp], %[tmp], %[k], lsl #2\n\t"                        \
				 "br	%[tmp]\n\t"                                               \
				 ".rept 15\n\tnop\n\t.endr\n"                                  \
				 "2:	isb\n\t"                                                  \
				 "mrs	%[t0], cntvct_el0\n\t" op "\n\t"                       \
				 "isb\n\t"                                                     \
				 "mrs	%[t1], cntvct_el0"                                       \
				 : [t0] "=&r"(t0), [t1] "=&r"(t1), [tmp] "=&r"(tmp), "+r"(x0), \
				   "+r"(x1), "+r"(x2), "+r"(x3)                                \
				 : [k] "r"(k)                                                  \
				 : "memory");                                                  \
		*x0_out = (long)x0;                                                            \
		return t1 - t0;                                                                \
	}
TIMED_OP(timed_send, "hvc #0")
TIMED_OP(timed_nop, "nop")

static unsigned long ticks_to_insns(unsigned long ticks, unsigned long n)
{
	return (ticks * 1000000000UL / pv_freq() + n / 2) / n;
}

static long send(unsigned int port)
{
	return pv_call(SKIFF_HVC_EVENT_SEND, peer, port);
}

/*
 * Blocks until one of `ports` is pending; acknowledges and returns all of them that were. BLOCK
 * comes first: it returns at once when an event is already pending, so this is two calls.
 */
static unsigned long wait_ports(unsigned long ports)
{
	unsigned long got;

	do
		pv_call(SKIFF_HVC_BLOCK, 0, 0);
	while (!(got = (unsigned long)pv_call(SKIFF_HVC_EVENT_ACK, ports, 0)));
	return got;
}

/*
 * Binds `port` to the peer. With several CPUs this VM may run before its peer is even created:
 * until then the bind names no VM (INVAL), so it is tried again for up to BIND_TRIES * RETRY_US.
 */
static void bind(unsigned int port)
{
	long r;

	for (unsigned i = 0; (r = pv_event_bind(port, (unsigned int)peer)) == SKIFF_E_INVAL; i++) {
		if (i == BIND_TRIES)
			break;
		pv_sleep_us(RETRY_US);
	}
	if (r)
		pv_panic("cannot bind port %u to vm %lu: %ld", port, peer, r);
}

/* Binds both ports to the peer, then meets it: see the file comment. */
static void handshake(void)
{
	long r;

	pv_irq_disable();
	bind(PORT_DATA);
	bind(PORT_CTL);
	/* Only these two end a wait: another VM's doorbell or a root offer (SKIFF_EV_CHANNEL),
	 * never acknowledged here, would make every BLOCK return at once and the loops spin. */
	pv_call(SKIFF_HVC_EVENT_MASK, ~(BIT(PORT_DATA) | BIT(PORT_CTL)),
		BIT(PORT_DATA) | BIT(PORT_CTL));
	/* NOENT: with several CPUs this VM may run before its peer is even created */
	while ((r = send(PORT_CTL)) == SKIFF_E_DENIED || r == SKIFF_E_NOENT)
		pv_sleep_us(RETRY_US);
	if (r)
		pv_panic("EVENT_SEND to vm %lu answered %ld", peer, r);
	wait_ports(BIT(PORT_CTL));
}

/* Sum of `n` brackets of the send (then a pause for "b") or of the NOP. */
static unsigned long bracket_sum(bool call, unsigned long n, unsigned long *longest)
{
	unsigned long sum = 0, t;
	long x0;

	for (unsigned long i = 0; i < n; i++) {
		t = call ? timed_send(i % DITHER, &x0) : timed_nop(i % DITHER, &x0);
		if (call && x0)
			pv_panic("EVENT_SEND answered %ld", x0);
		if (call)
			pv_sleep_us(SLEEP_US);
		sum += t;
		*longest = MAX(*longest, t);
	}
	return sum;
}

static void event_send(unsigned long n)
{
	unsigned long with, without, longest = 0;

	bracket_sum(true, n / 10, &longest); /* warm-up; "b" counts these too */
	with = bracket_sum(true, n, &longest);
	without = bracket_sum(false, n, &longest);
	pv_printf("bench: event_send: %lu sends, %lu ticks bracketed with the call, %lu without, "
		  "longest bracket %lu ticks\n",
		  n, with, without, longest);
	pv_printf("bench-pair: a sent %lu events\n", n + n / 10);
	pv_printf("BENCH event_send %lu instructions\n",
		  ticks_to_insns(with > without ? with - without : 0, n));
}

/*
 * Sends `port` to the peer (unless to is SKIFF_VM_NONE) and waits for one of `ports`, which
 * come back acknowledged; a wake-up for another port waits again.
 */
static unsigned long send_wait(unsigned long to, unsigned long port, unsigned long ports)
{
	long got = (long)pv_hvc(SKIFF_HVC_EVENT_SEND_WAIT, to, port, ports).x0;

	while (got == 0)
		got = (long)pv_hvc(SKIFF_HVC_EVENT_SEND_WAIT, SKIFF_VM_NONE, 0, ports).x0;
	if (got < 0)
		pv_panic("EVENT_SEND_WAIT answered %ld", got);
	return (unsigned long)got;
}

static unsigned long round_trips(unsigned long n)
{
	unsigned long t0 = pv_now();

	for (unsigned long i = 0; i < n; i++)
		send_wait(peer, PORT_DATA, BIT(PORT_DATA));
	return pv_now() - t0;
}

static void vm_switch(unsigned long n)
{
	unsigned long ticks;

	round_trips(n / 10); /* warm-up */
	ticks = round_trips(n);
	pv_printf("bench: vm_switch: %lu round trips (2 switches each) in %lu ticks\n", n, ticks);
	pv_printf("bench-pair: a sent %lu events\n", n + n / 10);
	pv_printf("BENCH vm_switch %lu instructions\n", ticks_to_insns(ticks, 2 * n));
}

/* "b": wakes on PORT_DATA (answering it for vm_switch) until "a" rings PORT_CTL. */
static void role_b(bool echo)
{
	unsigned long woke = 0, got;

	got = wait_ports(BIT(PORT_DATA) | BIT(PORT_CTL));
	for (;;) {
		if (got & BIT(PORT_DATA))
			woke++;
		if (got & BIT(PORT_CTL))
			break;
		if (echo) /* answer and wait for the next in one call */
			got = send_wait(peer, PORT_DATA, BIT(PORT_DATA) | BIT(PORT_CTL));
		else
			got = wait_ports(BIT(PORT_DATA) | BIT(PORT_CTL));
	}
	pv_printf("bench-pair: b woke %lu times\n", woke);
	send(PORT_CTL);
}

/* True when the args hold `key=value`. */
static bool arg_is(const char *key, const char *value)
{
	unsigned long len;
	const char *v = pv_args_find(pv_args(), key, &len);

	return v && len == strlen(value) && strncmp(v, value, len) == 0;
}

int main(void)
{
	unsigned long n = MAX(pv_arg_ulong("iterations", 20000), 1000UL);
	bool switching = arg_is("bench", "vm_switch"), a = arg_is("role", "a");

	peer = pv_arg_ulong("peer", SKIFF_VM_NONE);
	if ((!switching && !arg_is("bench", "event_send")) || (!a && !arg_is("role", "b")))
		pv_panic("args must set bench=event_send|vm_switch role=a|b peer=<vm id>");
	handshake();
	if (!a) {
		role_b(switching);
		return 0;
	}
	if (switching)
		vm_switch(n);
	else
		event_send(n);
	send(PORT_CTL);
	wait_ports(BIT(PORT_CTL));
	pv_printf("bench: done\n");
	return 0;
}
