/**
 * parallel: a guest with several vCPUs (tests/qemu/test_multi_vcpu.py, dts/test-parallel.dts).
 * First boot: TESTs of pv_cpu_on and guest PSCI (a prime count split over every vCPU and checked
 * against the same count on one, waited for with IPIs; CPU_OFF, AFFINITY_INFO and CPU_ON again
 * of one vCPU; CPU_ON and IPI_SEND errors; per-vCPU timers; the heap and console from all
 * vCPUs), then a reboot from the last vCPU while every vCPU computes. Second boot (start info
 * `reboots` = 1): the count once more, then exit 0.
 * Args: `n` (200000) numbers to count primes below; `storm-ms`: instead of all that, start and
 * stop vCPUs, IPIs and bad CPU_ONs in a loop for that long (a misbehaving guest; others run on).
 */
#include <pv/cpu.h>
#include <pv/pv.h>
#include <pv/test.h>

#define WORKERS_MAX 8
#define WAIT_US 5000000 /* every wait below is bounded: a test fails rather than hangs */

struct share {
	unsigned long from, to, step; /* numbers from, from + step, ... below to */
	unsigned long primes;
	unsigned int vcpu; /* who counted */
	volatile int done;
};

static struct share shares[WORKERS_MAX];

static bool is_prime(unsigned long n)
{
	if (n < 2)
		return false;
	for (unsigned long d = 2; d * d <= n; d++)
		if (n % d == 0)
			return false;
	return true;
}

static unsigned long count(unsigned long from, unsigned long to, unsigned long step)
{
	unsigned long k = 0;

	for (unsigned long i = from; i < to; i += step)
		k += is_prime(i);
	return k;
}

/* A worker: its share, then an IPI to vCPU 0, which waits for them. */
static void worker(void *arg)
{
	struct share *s = arg;

	s->primes = count(s->from, s->to, s->step);
	s->vcpu = pv_vcpu_id();
	__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
	pv_ipi_send(0);
}

static bool all_done(unsigned int n)
{
	for (unsigned int i = 1; i < n; i++)
		if (!__atomic_load_n(&shares[i].done, __ATOMIC_ACQUIRE))
			return false;
	return true;
}

/* Sleeps in BLOCK until every worker is done: woken by their IPIs, not by polling. */
static bool wait_workers(unsigned int n)
{
	unsigned long deadline = pv_now() + pv_us_to_ticks(WAIT_US);

	for (;;) {
		unsigned long seen = pv_event_count();
		if (all_done(n))
			return true;
		if (pv_now() > deadline)
			return false;
		pv_wait_event_since(seen);
	}
}

/* Waits (bounded) until vCPU `v` is off. */
static bool wait_off(unsigned int v)
{
	unsigned long deadline = pv_now() + pv_us_to_ticks(WAIT_US);

	while (pv_cpu_state(v) != SKIFF_PSCI_AFF_OFF)
		if (pv_now() > deadline)
			return false;
		else
			pv_sleep_us(100);
	return true;
}

/* Primes below n counted by every vCPU (interleaved shares); vCPU 0 counts its own. */
static unsigned long parallel_count(unsigned long n)
{
	unsigned int cpus = pv_vcpu_count();
	unsigned long total;

	for (unsigned int i = 0; i < cpus; i++)
		shares[i] = (struct share){ .from = i, .to = n, .step = cpus };
	for (unsigned int i = 1; i < cpus; i++)
		if (pv_cpu_on(i, worker, &shares[i]) != 0)
			return ~0UL;
	total = count(0, n, cpus);
	if (!wait_workers(cpus))
		return ~0UL;
	for (unsigned int i = 1; i < cpus; i++)
		total += shares[i].primes;
	return total;
}

TEST(four_vcpus_one_on)
{
	CHECK_EQ(pv_vcpu_count(), 4);
	CHECK_EQ(pv_vcpu_id(), 0);
	CHECK_EQ(pv_cpu_state(0), SKIFF_PSCI_AFF_ON);
	for (unsigned int i = 1; i < 4; i++)
		CHECK_EQ(pv_cpu_state(i), SKIFF_PSCI_AFF_OFF);
	CHECK_EQ(pv_call(SKIFF_PSCI_FEATURES, SKIFF_PSCI_CPU_ON, 0), 0);
	CHECK_EQ(pv_call(SKIFF_PSCI_FEATURES, SKIFF_PSCI_AFFINITY_INFO, 0), 0);
}

TEST(parallel_prime_count)
{
	unsigned long n = pv_arg_ulong("n", 200000), one, all;
	unsigned long t0 = pv_now(), t1, t2;

	one = count(0, n, 1);
	t1 = pv_now();
	all = parallel_count(n);
	t2 = pv_now();
	pv_printf("parallel: %lu primes below %lu: %lu us on one vCPU, %lu us on %u\n", all, n,
		  pv_ticks_to_us(t1 - t0), pv_ticks_to_us(t2 - t1), pv_vcpu_count());
	CHECK_EQ(all, one);
	if (n == 200000)
		CHECK_EQ(one, 17984); /* pi(2 * 10^5) */
	for (unsigned int i = 1; i < 4; i++) {
		CHECK_EQ(shares[i].vcpu, i);
		CHECK(wait_off(i)); /* workers return: pv_cpu_off */
	}
	CHECK(pv_ipi_count() > 0);
}

static volatile unsigned long runs[4];

static void note_run(void *arg)
{
	runs[pv_vcpu_id()] = (unsigned long)arg;
}

TEST(cpu_off_then_on_again)
{
	CHECK_EQ(pv_cpu_on(1, note_run, (void *)11), 0);
	CHECK(wait_off(1));
	CHECK_EQ(runs[1], 11);
	CHECK_EQ(pv_cpu_on(1, note_run, (void *)22), 0);
	CHECK(wait_off(1));
	CHECK_EQ(runs[1], 22);
	CHECK_EQ(pv_cpu_state(1), SKIFF_PSCI_AFF_OFF);
}

static volatile int release;

/*
 * Stays on (sleeping in BLOCK) until vCPU 0 sets `release` and sends an IPI. The count is read
 * before `release`: an IPI handled between the look and the wait ends the wait at once (with
 * pv_wait_event() it would be the one the wait missed, and the vCPU would sleep for good).
 */
static void hold(void *arg)
{
	unsigned long seen;

	(void)arg;
	for (;;) {
		seen = pv_event_count();
		if (release)
			return;
		pv_wait_event_since(seen);
	}
}

TEST(cpu_on_errors)
{
	unsigned long ram_end = pv_start_info()->ram_base + pv_start_info()->ram_size;
	unsigned long entry = (unsigned long)&hold; /* some instruction in RAM */

	release = 0;
	CHECK_EQ(pv_cpu_on(2, hold, 0), 0);
	CHECK_EQ(pv_cpu_on(2, hold, 0), SKIFF_PSCI_E_ALREADY_ON);
	CHECK_EQ(pv_hvc(SKIFF_PSCI_CPU_ON, 2, entry, 0).x0, SKIFF_PSCI_E_ALREADY_ON);
	CHECK_EQ(pv_hvc(SKIFF_PSCI_CPU_ON, 0, entry, 0).x0, SKIFF_PSCI_E_ALREADY_ON); /* itself */
	CHECK_EQ(pv_hvc(SKIFF_PSCI_CPU_ON, 4, entry, 0).x0, SKIFF_PSCI_E_INVALID_PARAMETERS);
	CHECK_EQ(pv_hvc(SKIFF_PSCI_CPU_ON, 0x103, entry, 0).x0, SKIFF_PSCI_E_INVALID_PARAMETERS);
	CHECK_EQ(pv_hvc(SKIFF_PSCI_CPU_ON, 3, 0x1000, 0).x0, SKIFF_PSCI_E_INVALID_ADDRESS);
	CHECK_EQ(pv_hvc(SKIFF_PSCI_CPU_ON, 3, ram_end, 0).x0, SKIFF_PSCI_E_INVALID_ADDRESS);
	CHECK_EQ(pv_hvc(SKIFF_PSCI_CPU_ON, 3, entry + 2, 0).x0, SKIFF_PSCI_E_INVALID_ADDRESS);
	CHECK_EQ(pv_cpu_state(3), SKIFF_PSCI_AFF_OFF); /* none of that started it */
	CHECK_EQ(pv_call(SKIFF_PSCI_AFFINITY_INFO, 2, 1), SKIFF_PSCI_E_INVALID_PARAMETERS);
	CHECK_EQ(pv_cpu_off(), SKIFF_PSCI_E_DENIED); /* vCPU 0 stays */
	release = 1;
	CHECK_EQ(pv_ipi_send(2), 0);
	CHECK(wait_off(2));
}

TEST(ipi_send_errors)
{
	unsigned long before = pv_ipi_count();

	CHECK_EQ(pv_ipi_send(4), SKIFF_E_INVAL);
	CHECK_EQ(pv_call(SKIFF_HVC_IPI_SEND, 1UL << 32, 0), SKIFF_E_INVAL);
	CHECK_EQ(pv_ipi_send(3), SKIFF_E_NOENT); /* off */
	CHECK_EQ(pv_ipi_send(0), 0);             /* itself: the upcall runs at once */
	CHECK_EQ(pv_ipi_count(), before + 1);
}

static volatile unsigned long timer_fired[4];

static void on_timer(unsigned int port)
{
	(void)port;
	timer_fired[pv_vcpu_id()]++;
}

/* Each vCPU's own one-shot timer and sleep. */
static void timers(void *arg)
{
	unsigned long t = pv_now(), seen;

	(void)arg;
	pv_sleep_us(2000);
	runs[pv_vcpu_id()] = pv_ticks_to_us(pv_now() - t) >= 2000;
	pv_timer_set(pv_now() + pv_us_to_ticks(1000));
	for (;;) {
		seen = pv_event_count();
		if (timer_fired[pv_vcpu_id()])
			break;
		pv_wait_event_since(seen);
	}
}

TEST(per_vcpu_timers)
{
	pv_event_handler(SKIFF_EV_TIMER, on_timer); /* before the starts: they unmask it too */
	for (unsigned int i = 1; i < 4; i++) {
		runs[i] = 0;
		CHECK_EQ(pv_cpu_on(i, timers, 0), 0);
	}
	for (unsigned int i = 1; i < 4; i++) {
		CHECK(wait_off(i));
		CHECK_EQ(runs[i], 1);
		CHECK_EQ(timer_fired[i], 1);
	}
	CHECK_EQ(timer_fired[0], 0); /* not vCPU 0's */
	pv_event_handler(SKIFF_EV_TIMER, 0);
}

static volatile unsigned long corrupt;

/* Heap and console from every vCPU at once: no block handed out twice, lines stay whole. */
static void churn(void *arg)
{
	unsigned char *p[16];
	unsigned long size[16];

	(void)arg;
	for (unsigned long round = 0; round < 200; round++) {
		for (unsigned long i = 0; i < 16; i++) {
			size[i] = 16 + (i * 40 + round) % 500;
			p[i] = pv_malloc(size[i]);
			if (p[i])
				memset(p[i], (int)(pv_vcpu_id() * 16 + i), size[i]);
		}
		for (unsigned long i = 0; i < 16; i++) {
			for (unsigned long b = 0; p[i] && b < size[i]; b++)
				if (p[i][b] != (unsigned char)(pv_vcpu_id() * 16 + i))
					__atomic_fetch_add(&corrupt, 1, __ATOMIC_RELAXED);
			pv_free(p[i]);
		}
	}
	pv_printf("parallel: vCPU %u churned the heap, %s\n", pv_vcpu_id(),
		  "this line arrives whole");
}

TEST(heap_and_console_from_every_vcpu)
{
	corrupt = 0;
	for (unsigned int i = 1; i < 4; i++)
		CHECK_EQ(pv_cpu_on(i, churn, 0), 0);
	churn(0);
	for (unsigned int i = 1; i < 4; i++)
		CHECK(wait_off(i));
	CHECK_EQ(corrupt, 0);
}

/* Computes forever; with a time in arg (us), reboots the VM once it has passed. */
static void spin(void *arg)
{
	unsigned long us = (unsigned long)arg, until = pv_now() + pv_us_to_ticks(us);

	while (!us || pv_now() < until)
		__asm__ volatile("" : : : "memory");
	pv_printf("parallel: rebooting from vCPU %u with %u vCPUs running\n", pv_vcpu_id(),
		  pv_vcpu_count());
	pv_reboot();
}

/* Every vCPU busy; the last one reboots the VM after 50 ms. */
static _Noreturn void reboot_while_running(void)
{
	unsigned int last = pv_vcpu_count() - 1;

	for (unsigned int i = 1; i < last; i++)
		pv_cpu_on(i, spin, 0);
	pv_cpu_on(last, spin, (void *)50000UL);
	spin(0);
	pv_panic("vCPU 0 stopped spinning");
}

/* A misbehaving guest: starts, stops and pokes its vCPUs as fast as it can. */
static void storm_one(void *arg)
{
	unsigned int next = (pv_vcpu_id() + 1) % pv_vcpu_count();

	(void)arg;
	pv_cpu_on(next, storm_one, 0); /* may race with vCPU 0 starting the same one */
	pv_ipi_send(0);
}

static int storm(unsigned long ms)
{
	unsigned long until = pv_now() + pv_us_to_ticks(ms * 1000), starts = 0, loops = 0;

	while (pv_now() < until) {
		for (unsigned int i = 0; i < pv_vcpu_count(); i++) {
			starts += pv_cpu_on(i, storm_one, 0) == 0;
			pv_hvc(SKIFF_PSCI_CPU_ON, i, 0, 0);              /* bad entry */
			pv_hvc(SKIFF_PSCI_CPU_ON, i + 4, 0x40000000, 0); /* bad target */
			pv_ipi_send(i);
		}
		loops++;
	}
	for (unsigned int i = 1; i < pv_vcpu_count(); i++)
		if (!wait_off(i))
			return 1;
	pv_printf("parallel: storm over: %lu rounds, %lu vCPU starts\n", loops, starts);
	return 0;
}

int main(void)
{
	unsigned long storm_ms = pv_arg_ulong("storm-ms", 0);
	int failed;

	if (storm_ms)
		return storm(storm_ms);
	if (pv_start_info()->reboots) {
		unsigned long n = pv_arg_ulong("n", 200000);
		unsigned long all = parallel_count(n), one = count(0, n, 1);

		pv_printf("parallel: boot %u after a reboot: %lu primes on %u vCPUs (%s)\n",
			  pv_start_info()->reboots + 1, all, pv_vcpu_count(),
			  all == one ? "right" : "WRONG");
		return all == one ? 0 : 1;
	}
	failed = pv_run_tests();
	if (failed)
		return 1;
	reboot_while_running();
}
