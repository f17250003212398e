/**
 * Fake arch: CPU, time, MMIO, firmware calls, locks, caches, image layout (see fake_arch.h).
 * There is one CPU and no concurrency; interrupts are taken only when a test calls irq_handle().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h> /* after the headers it needs */

#include "fake_arch.h"

struct fake_state fake;

void fake_violation(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fake.violation, sizeof(fake.violation), fmt, ap);
	va_end(ap);
	fake.violations++;
	if (!fake.expect_violations)
		fail_msg("arch seam contract broken: %s", fake.violation);
}

struct cpu *fake_this_cpu(void)
{
	if (!fake.this_cpu)
		fake_violation("arch_this_cpu() before arch_set_this_cpu()");
	return fake.this_cpu;
}

void arch_set_this_cpu(struct cpu *c)
{
	fake.this_cpu = c;
}

uint64_t arch_cpu_hwid(void)
{
	return fake.hwid;
}

const char *arch_cpu_model(void)
{
	return "fake CPU r0p0";
}

unsigned arch_boot_el(void)
{
	return fake.boot_el;
}

uint64_t fake_irq_save(void)
{
	uint64_t was = fake.irqs_masked;

	fake.irqs_masked = true;
	return was;
}

void fake_irq_restore(uint64_t flags)
{
	if (flags > 1)
		fake_violation("arch_irq_restore(0x%lx): not a value arch_irq_save returned",
			       flags);
	fake.irqs_masked = flags;
}

void arch_irq_enable(void)
{
	fake.irqs_masked = false;
}

void arch_irq_poll(void)
{
	fake.irq_polls++;
	if (fake.wfi_hook)
		fake.wfi_hook();
}

void arch_wait_for_interrupt(void)
{
	fake.wfis++;
	if (fake.wfi_hook)
		fake.wfi_hook();
}

void arch_halt(void)
{
	fake.halts++;
	if (fake.halt_jmp)
		longjmp(*fake.halt_jmp, 1);
	fail_msg("arch_halt(): the hypervisor stopped (unexpected panic?)");
	abort(); /* fail_msg does not return; this tells the compiler so */
}

uint64_t arch_counter_now(void)
{
	return fake.counter;
}

uint64_t arch_counter_freq(void)
{
	return fake.counter_freq;
}

void arch_timer_arm(uint64_t deadline)
{
	fake.timer_deadline = deadline;
	fake.timer_armed = true;
	fake.timer_arms++;
}

void arch_timer_disarm(void)
{
	fake.timer_armed = false;
}

/* MMIO never touches host memory: a device address is not a host pointer. */
static void mmio_write(uintptr_t addr, uint64_t value, unsigned size)
{
	fake.mmio_writes++;
	fake.mmio_addr = addr;
	fake.mmio_value = value;
	if (fake.mmio_write_hook)
		fake.mmio_write_hook(addr, value, size);
}

static uint64_t mmio_read(uintptr_t addr, unsigned size)
{
	return fake.mmio_read_hook ? fake.mmio_read_hook(addr, size) : fake.mmio_read_value;
}

uint32_t arch_mmio_read32(uintptr_t addr)
{
	return (uint32_t)mmio_read(addr, 4);
}

void arch_mmio_write32(uintptr_t addr, uint32_t value)
{
	mmio_write(addr, value, 4);
}

uint64_t arch_mmio_read64(uintptr_t addr)
{
	return mmio_read(addr, 8);
}

void arch_mmio_write64(uintptr_t addr, uint64_t value)
{
	mmio_write(addr, value, 8);
}

uint8_t arch_mmio_read8(uintptr_t addr)
{
	return (uint8_t)mmio_read(addr, 1);
}

void arch_mmio_write8(uintptr_t addr, uint8_t value)
{
	mmio_write(addr, value, 1);
}

uint64_t arch_fw_call(enum fw_conduit conduit, uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
	if (conduit != FW_CONDUIT_SMC && conduit != FW_CONDUIT_HVC)
		fake_violation("arch_fw_call through conduit %d", conduit);
	fake.fw_calls++;
	fake.fw_conduit = conduit;
	fake.fw_fn = fn;
	fake.fw_args[0] = a1;
	fake.fw_args[1] = a2;
	fake.fw_args[2] = a3;
	return fake.fw_ret;
}

/* The ticket pair doubles as the held flag: next != owner while held. */
void arch_spin_lock(struct spinlock *l)
{
	if (l->next != l->owner)
		fake_violation("spinlock %p taken twice (deadlock on real hardware)", (void *)l);
	l->next++;
	if (++fake.locks_held > fake.max_locks_held)
		fake.max_locks_held = fake.locks_held;
	if (fake.lock_hook)
		fake.lock_hook();
}

void arch_spin_unlock(struct spinlock *l)
{
	if (l->next == l->owner)
		fake_violation("spinlock %p released but not held", (void *)l);
	l->owner++;
	fake.locks_held--;
}

void arch_page_zero(void *page)
{
	memset(page, 0, PAGE_SIZE);
}

void arch_page_copy(void *dst, const void *src)
{
	memcpy(dst, src, PAGE_SIZE);
}

/* One host thread plays CPU and device alike; the fences only keep the compiler honest. */
void arch_dma_wmb(void)
{
	fake.dma_wmbs++;
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

void arch_dma_rmb(void)
{
	fake.dma_rmbs++;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
}

void arch_dma_mb(void)
{
	fake.dma_mbs++;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void arch_dcache_invalidate(vaddr_t va, size_t len)
{
	(void)va;
	(void)len;
	fake.dcache_invalidates++;
}

void arch_dcache_clean(vaddr_t va, size_t len)
{
	(void)va;
	(void)len;
	fake.dcache_cleans++;
}

struct image_layout arch_image_layout(void)
{
	return fake.image;
}

void fake_reset(void)
{
	memset(&fake, 0, sizeof(fake));
	fake.boot_el = 2;
	fake.counter_freq = 62500000; /* QEMU virt's CNTFRQ */
	fake_mm_reset();
	fake_irqchip_reset();
	fake_vcpu_reset();
	fake_smp_reset();
}
