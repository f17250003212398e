/**
 * selftest: the pv-guest library and the hypercall ABI as a guest sees them. Runs every TEST() of
 * this directory (lib_tests.c: the portable library; here: what needs the hypervisor) and exits
 * with the number of failures. Its config (dts/test-selftest.dts) passes args "answer=42".
 */
#include <pv/pv.h>
#include <pv/test.h>

#define RAM_BASE 0x40000000UL
#define PAGE 4096UL
#define UNKNOWN_FN SKIFF_FN(0x7ff)
#define MS(n) pv_us_to_ticks((n)*1000UL)

static unsigned long ram_end(void)
{
	return pv_start_info()->ram_base + pv_start_info()->ram_size;
}

/* Waits until *flag is set (by an event handler) or `ms` pass; true if it was set. */
static bool wait_for(volatile unsigned long *flag, unsigned long ms)
{
	unsigned long give_up = pv_now() + MS(ms);

	while (!*flag && pv_now() < give_up)
		pv_call(SKIFF_HVC_BLOCK, give_up, 0);
	return *flag != 0;
}

static bool has_nul(const char *s, unsigned long size)
{
	return strnlen(s, size) < size;
}

static long console_write(unsigned long ipa, unsigned long len)
{
	return pv_call(SKIFF_HVC_CONSOLE_WRITE, ipa, len);
}

TEST(start_info_fields)
{
	const struct skiff_start_info *si = pv_start_info();

	CHECK_EQ(si->magic, SKIFF_START_MAGIC);
	CHECK_EQ(si->abi_major, SKIFF_ABI_MAJOR);
	CHECK_EQ(si->abi_minor, SKIFF_ABI_MINOR);
	CHECK_EQ(si->ram_base, RAM_BASE);
	CHECK_EQ((unsigned long)si & ~(PAGE - 1), ram_end() - PAGE);
	CHECK(si->name[0] != '\0');
	CHECK(has_nul(si->name, sizeof(si->name)));
	CHECK(has_nul(si->args, sizeof(si->args)));
}

TEST(args_from_config)
{
	CHECK_EQ(pv_arg_ulong("answer", 0), 42);
}

TEST(abi_version)
{
	CHECK_EQ(pv_call(SKIFF_HVC_ABI_VERSION, 0, 0), SKIFF_ABI_MAJOR << 16 | SKIFF_ABI_MINOR);
}

TEST(smccc_revision)
{
	struct pv_hvc_res r = pv_hvc(SKIFF_HVC_REVISION, 0, 0, 0);

	CHECK_EQ(r.x0, SKIFF_ABI_MAJOR);
	CHECK_EQ(r.x1, SKIFF_ABI_MINOR);
}

TEST(call_uid)
{
	struct pv_hvc_res r = pv_hvc(SKIFF_HVC_CALL_UID, 0, 0, 0);

	CHECK_EQ((unsigned int)r.x0, SKIFF_UID_0);
	CHECK_EQ((unsigned int)r.x1, SKIFF_UID_1);
	CHECK_EQ((unsigned int)r.x2, SKIFF_UID_2);
	CHECK_EQ((unsigned int)r.x3, SKIFF_UID_3);
}

TEST(unknown_function_not_supported)
{
	CHECK_EQ(pv_call(UNKNOWN_FN, 0, 0), SKIFF_E_NOT_SUPPORTED);
	CHECK_EQ(pv_call(SKIFF_FN(SKIFF_HVC_COUNT), 0, 0), SKIFF_E_NOT_SUPPORTED);
}

TEST(hvc_preserves_x4_to_x30)
{
	CHECK_EQ(pv_hvc_clobbers(SKIFF_HVC_ABI_VERSION), 0);
	CHECK_EQ(pv_hvc_clobbers(UNKNOWN_FN), 0);
	CHECK_EQ(pv_hvc_clobbers(SKIFF_HVC_YIELD), 0);
}

TEST(vm_info_matches_start_info)
{
	const struct skiff_start_info *si = pv_start_info();
	struct pv_vm_info info;

	CHECK_EQ(pv_vm_info(&info), 0);
	CHECK_EQ(info.vm_id, si->vm_id);
	CHECK_EQ(info.vcpu_id, si->vcpu_id);
	CHECK(info.vcpus >= 1);
	CHECK(info.vcpu_id < info.vcpus);
	CHECK_EQ(info.ram_bytes, si->ram_size);
}

TEST(console_write_returns_length)
{
	static const char msg[] = "selftest: a direct console write\n";

	CHECK_EQ(console_write((unsigned long)msg, sizeof(msg) - 1), sizeof(msg) - 1);
}

TEST(console_write_max_length)
{
	static const char head[] = "selftest: a console write of SKIFF_CONSOLE_MAX bytes";
	static char line[SKIFF_CONSOLE_MAX];

	memset(line, '.', sizeof(line));
	memcpy(line, head, sizeof(head) - 1);
	line[sizeof(line) - 1] = '\n';
	CHECK_EQ(console_write((unsigned long)line, sizeof(line)), SKIFF_CONSOLE_MAX);
}

TEST(console_write_too_long)
{
	static char buf[SKIFF_CONSOLE_MAX + 1];

	CHECK_EQ(console_write((unsigned long)buf, sizeof(buf)), SKIFF_E_INVAL);
}

TEST(console_write_outside_ram)
{
	CHECK_EQ(console_write(0x0, 8), SKIFF_E_FAULT);
	CHECK_EQ(console_write(0x100000000000UL, 8), SKIFF_E_FAULT);
	CHECK_EQ(console_write(0x08000000, 8), SKIFF_E_FAULT);    /* the GIC: MMIO, not RAM */
	CHECK_EQ(console_write(RAM_BASE - 4, 8), SKIFF_E_FAULT);  /* starts below RAM */
	CHECK_EQ(console_write(ram_end() - 4, 8), SKIFF_E_FAULT); /* runs past its end */
	CHECK_EQ(console_write(ram_end(), 1), SKIFF_E_FAULT);
}

TEST(console_write_wrapping)
{
	CHECK_EQ(console_write(~0UL - 3, 16), SKIFF_E_FAULT);
	CHECK_EQ(console_write(~0UL, 2), SKIFF_E_FAULT);
}

static volatile unsigned long timer_at;

static void on_timer(unsigned int port)
{
	(void)port;
	timer_at = pv_now();
}

TEST(timer_event_arrives)
{
	unsigned long deadline = pv_now() + MS(1);

	timer_at = 0;
	CHECK_EQ(pv_event_handler(SKIFF_EV_TIMER, on_timer), 0);
	CHECK_EQ(pv_timer_set(deadline), 0);
	CHECK(wait_for(&timer_at, 100));
	CHECK(timer_at >= deadline);
	pv_event_handler(SKIFF_EV_TIMER, 0);
}

TEST(timer_cancel)
{
	timer_at = 0;
	CHECK_EQ(pv_event_handler(SKIFF_EV_TIMER, on_timer), 0);
	/* 200 ms ahead: a busy host may stall this vCPU for milliseconds between the two calls. */
	CHECK_EQ(pv_timer_set(pv_now() + MS(200)), 0);
	CHECK_EQ(pv_timer_set(0), 0);
	CHECK(!wait_for(&timer_at, 250));
	pv_event_handler(SKIFF_EV_TIMER, 0);
}

static volatile unsigned long vtimer_at, vtimer_ctl, vtimer_count, vtimer_period;

/* Records what the hypervisor left in CNTV_CTL_EL0, then re-arms (periodic) or stops. */
static void on_vtimer(unsigned int port)
{
	(void)port;
	vtimer_at = pv_now();
	vtimer_ctl = pv_vtimer_ctl();
	vtimer_count++;
	if (vtimer_period)
		pv_vtimer_set(vtimer_at + vtimer_period);
	else
		pv_vtimer_stop();
}

TEST(vtimer_event_arrives_masked)
{
	unsigned long deadline = pv_now() + MS(1);

	vtimer_at = vtimer_count = vtimer_period = 0;
	CHECK_EQ(pv_event_handler(SKIFF_EV_VTIMER, on_vtimer), 0);
	pv_vtimer_set(deadline);
	CHECK(wait_for(&vtimer_at, 100));
	CHECK(vtimer_at >= deadline);
	CHECK_EQ(vtimer_ctl, PV_VTIMER_ENABLE | PV_VTIMER_IMASK | PV_VTIMER_ISTATUS);
	CHECK_EQ(vtimer_count, 1);
	pv_event_handler(SKIFF_EV_VTIMER, 0);
}

TEST(vtimer_rearmed_by_handler)
{
	unsigned long start = pv_now();

	vtimer_count = 0;
	vtimer_period = MS(2);
	CHECK_EQ(pv_event_handler(SKIFF_EV_VTIMER, on_vtimer), 0);
	pv_vtimer_set(start + vtimer_period);
	while (vtimer_count < 3 && pv_now() - start < MS(100))
		pv_wait_event();
	vtimer_period = 0;
	pv_vtimer_stop();
	pv_event_handler(SKIFF_EV_VTIMER, 0);
	CHECK_EQ(vtimer_count, 3);
	CHECK(vtimer_at - start >= MS(6));
}

TEST(block_until_deadline)
{
	unsigned long deadline = pv_now() + MS(2);

	CHECK_EQ(pv_call(SKIFF_HVC_BLOCK, deadline, 0), 0);
	CHECK(pv_now() >= deadline);
}

TEST(sleep_lasts)
{
	unsigned long start = pv_now();

	pv_sleep_us(3000);
	CHECK(pv_now() - start >= MS(3));
}

TEST(event_mask_and_unmask)
{
	const unsigned long port = 1UL << 20;

	CHECK(pv_event_mask(port) & port);
	CHECK(!(pv_event_unmask(port) & port));
	CHECK(pv_event_mask(port) & port);
}

static volatile unsigned long self_events;

static void on_self(unsigned int port)
{
	self_events |= 1UL << port;
}

TEST(event_to_self)
{
	struct pv_vm_info me;
	const unsigned int port = SKIFF_EV_FIRST_FREE;

	self_events = 0;
	CHECK_EQ(pv_vm_info(&me), 0);
	CHECK_EQ(pv_event_bind(port, me.vm_id), 0);
	CHECK_EQ(pv_event_handler(port, on_self), 0);
	CHECK_EQ(pv_event_send(me.vm_id, port), 0);
	CHECK(wait_for(&self_events, 100));
	CHECK_EQ(self_events, 1UL << port);
	pv_event_handler(port, 0);
	CHECK_EQ(pv_event_bind(port, SKIFF_VM_NONE), 0);
	CHECK(pv_event_send(me.vm_id, port) < 0); /* no longer bound */
}

/* A masked port stays pending: unmasking it later delivers the event. */
TEST(masked_event_stays_pending)
{
	struct pv_vm_info me;
	const unsigned int port = SKIFF_EV_FIRST_FREE + 1;

	self_events = 0;
	CHECK_EQ(pv_vm_info(&me), 0);
	CHECK_EQ(pv_event_bind(port, me.vm_id), 0);
	CHECK_EQ(pv_event_send(me.vm_id, port), 0);
	pv_sleep_us(2000);
	CHECK_EQ(self_events, 0);
	CHECK_EQ(pv_event_handler(port, on_self), 0);
	CHECK(wait_for(&self_events, 100));
	pv_event_handler(port, 0);
	pv_event_bind(port, SKIFF_VM_NONE);
}

TEST(event_bad_arguments)
{
	struct pv_vm_info me;

	CHECK_EQ(pv_vm_info(&me), 0);
	CHECK_EQ(pv_event_send(0xfffffff0U, SKIFF_EV_FIRST_FREE), SKIFF_E_NOENT);
	CHECK(pv_event_send(me.vm_id, SKIFF_EV_PORTS) < 0);
	CHECK(pv_event_bind(SKIFF_EV_PORTS, me.vm_id) < 0);
	CHECK_EQ(pv_event_handler(SKIFF_EV_PORTS, on_self), SKIFF_E_INVAL);
}

TEST(psci_version)
{
	CHECK(pv_call(SKIFF_PSCI_VERSION, 0, 0) > 0);
}

TEST(yield_returns)
{
	CHECK_EQ(pv_call(SKIFF_HVC_YIELD, 0, 0), 0);
}

TEST(mmu_and_caches_on)
{
	CHECK(pv_mmu_caches_on());
}

TEST(fp_simd_usable)
{
	volatile double a = 1.5, b = 2.25;

	CHECK_EQ((long)(a * b * 4), 13);
}

/*
 * memcpy (arch/memcpy.S: SIMD, any alignment, with the MMU on) against a byte loop: every length
 * to past two 128-byte rounds, from and to every offset in a 16-byte granule, and nothing written
 * outside the destination.
 */
TEST(memcpy_every_size_and_alignment)
{
	static unsigned char src[300 + 16], dst[300 + 48];

	for (unsigned int i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(i * 7 + 3);
	for (unsigned int n = 0; n <= 300; n++)
		for (unsigned int so = 0; so < 16; so++)
			for (unsigned int d = 0; d < 16; d++) {
				unsigned char *to = dst + 16 + d;

				memset(dst, 0xee, sizeof(dst));
				CHECK(memcpy(to, src + so, n) == to);
				CHECK_EQ(memcmp(to, src + so, n), 0);
				CHECK_EQ(dst[15 + d], 0xee);
				CHECK_EQ(to[n], 0xee);
			}
}

/* Last: takes the whole heap, which must end at the stack, below the start-information page. */
TEST(heap_spans_free_ram)
{
	unsigned long n = pv_heap_untouched() - 16;
	char *p = pv_malloc(n);

	CHECK(p != 0);
	p[0] = 1;
	p[n - 1] = 2;
	CHECK_EQ((unsigned long)p + n, ram_end() - PAGE - PV_STACK_SIZE);
	pv_free(p);
}

int main(void)
{
	pv_printf("selftest: VM %u '%s', Skiff ABI %u.%u, %lu KiB RAM\n", pv_start_info()->vm_id,
		  pv_vm_name(), pv_start_info()->abi_major, pv_start_info()->abi_minor,
		  (unsigned long)(pv_start_info()->ram_size / 1024));
	return pv_run_tests();
}
