/**
 * Shared helpers of the host unit tests: host memory that stands in for physical RAM, catching a
 * hypervisor panic (CHECK) as an expected outcome, and reading the console log ring.
 * Include order matters for cmocka.h, so tests include this header first.
 */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h> /* after the headers it needs */

#include <skiff/addr.h>
#include <skiff/types.h>

#include "../fake-arch/fake_arch.h"

/** Host memory of @size bytes aligned to @align, standing in for RAM (test_ram_free_all frees). */
void *test_ram(size_t size, size_t align);
/** Host memory of @size bytes followed by an inaccessible page, so over-reads fault. */
void *test_buf(size_t size);
/** The physical address the core sees for host pointer @p (the identity, like pa_from_ptr). */
paddr_t test_pa(const void *p);
/** Frees every test_ram and test_buf buffer. */
void test_ram_free_all(void);

struct pgtable;
/** The level of the leaf translating @in in @pt (walked with the arch_mm accessors), or -1. */
int test_leaf_level(const struct pgtable *pt, uint64_t in);

/**
 * A fresh machine for guests: CPU 0's record (runqueue included) cleared and installed as the
 * running CPU, the global frame pool (`frames`, mem.c) over @nframes frames of host memory, and
 * the VMID space over the fake's VMID count. VMs made by earlier tests stay in vm.c's table
 * (their memory stays valid), so tests use the VMs they create by pointer, not by id 0.
 */
void test_guest_machine(uint64_t nframes);
/**
 * Several CPUs: every CPU record cleared and numbered, the fake GICv3 up (kicks go through it and
 * are counted per CPU), CPU 0 the running one. None but CPU 0 is online until a test says so.
 */
void test_cpus_reset(void);
/**
 * A raw arm64 Image (Linux booting.rst header) of @size bytes in host memory, loaded at
 * @text_offset, as a boot module's range. Byte i after the header is i & 0xff.
 */
struct pa_range test_arm64_image(size_t size, uint64_t text_offset);

struct vm;
/**
 * A running VM made by vm_create (after test_guest_machine): one vCPU, weight 256, @ram_size
 * bytes of RAM, a small test Image (test_arm64_image); fails the test if it cannot be made.
 */
struct vm *test_make_vm(const char *name, uint64_t ram_size, bool privileged);
/** The same with @vcpus vCPUs (vCPU 0 started, the others off until guest PSCI CPU_ON). */
struct vm *test_make_vm_vcpus(const char *name, uint64_t ram_size, bool privileged, unsigned vcpus);

/** cmocka setup/teardown: fake_reset() before, test_ram_free_all() after each test. */
int test_setup(void **state);
int test_teardown(void **state);

#define TEST(f) cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)

/** tests/unit/dts/@name.dts as compiled into build/unit/dts/: its bytes (valid until the next
 * call) and, in *@size, their count. */
const void *test_dtb_file(const char *name, size_t *size);

/** The newest @n bytes of console output (panic messages land there), NUL-terminated. */
const char *test_log_tail(size_t n);

/**
 * Runs @stmt, which must end in a hypervisor panic (CHECK or panic): arch_halt longjmps back here.
 * Fails the test if @stmt returns. Locals changed inside @stmt must be volatile (setjmp rules).
 */
#define EXPECT_PANIC(stmt)                                                       \
	do {                                                                     \
		jmp_buf jb_;                                                     \
		unsigned halts_ = fake.halts;                                    \
		fake.halt_jmp = &jb_;                                            \
		if (setjmp(jb_) == 0) {                                          \
			stmt;                                                    \
			fake.halt_jmp = NULL;                                    \
			fail_msg("expected a hypervisor panic from: %s", #stmt); \
		}                                                                \
		fake.halt_jmp = NULL;                                            \
		assert_int_equal(fake.halts, halts_ + 1);                        \
	} while (0)

/** The newest @n bytes the console sent to its UART (guest output included; no '\r'). */
const char *test_output_tail(size_t n);

/** Asserts that the console's newest UART output (guest lines included) contains @needle. */
#define assert_output_contains(needle)                                                          \
	do {                                                                                    \
		const char *out_ = test_output_tail(1024);                                      \
		if (!strstr(out_, (needle)))                                                    \
			fail_msg("console output lacks \"%s\"; its tail:\n%s", (needle), out_); \
	} while (0)

/** Asserts that the console log's newest output contains @needle. */
#define assert_log_contains(needle)                                                          \
	do {                                                                                 \
		const char *log_ = test_log_tail(1024);                                      \
		if (!strstr(log_, (needle)))                                                 \
			fail_msg("console log lacks \"%s\"; its tail:\n%s", (needle), log_); \
	} while (0)

#endif
