/** Shared helpers of the host unit tests (see support.h). */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <skiff/arch_vcpu.h>
#include <skiff/console.h>
#include <skiff/cpu.h>
#include <skiff/irqchip.h>
#include <skiff/mem.h>
#include <skiff/mm.h>
#include <skiff/pgtable.h>
#include <skiff/uart.h>
#include <skiff/vm.h>
#include <skiff/vmem.h>
#include <skiff/vmid.h>

extern struct vmid_space vmids; /* vm.c */

#define MAX_RAM_BUFFERS 64

static void *ram[MAX_RAM_BUFFERS];
static unsigned nram;

void *test_ram(size_t size, size_t align)
{
	void *p;

	assert_true(nram < MAX_RAM_BUFFERS);
	p = aligned_alloc(align, ALIGN_UP(size, align));
	assert_non_null(p);
	memset(p, 0xa5, size); /* not zero: code must not rely on fresh memory being clear */
	ram[nram++] = p;
	return p;
}

/*
 * test_buf memory ends where an inaccessible guard page begins, so a read past the end faults
 * even inside the host libfdt, which is not built with ASan.
 */
static struct {
	void *map;
	size_t len;
} bufs[MAX_RAM_BUFFERS];
static unsigned nbufs;

void *test_buf(size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), data = ALIGN_UP(size ? size : 1, page);
	uint8_t *map;

	assert_true(nbufs < MAX_RAM_BUFFERS);
	map = mmap(NULL, data + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(map != MAP_FAILED);
	assert_int_equal(mprotect(map + data, page, PROT_NONE), 0);
	bufs[nbufs].map = map;
	bufs[nbufs++].len = data + page;
	/* 8-byte aligned, as a DTB must be: up to 7 bytes of slack when @size is not a multiple. */
	return map + ALIGN_DOWN(data - size, 8);
}

paddr_t test_pa(const void *p)
{
	return pa_from_ptr(p);
}

void test_ram_free_all(void)
{
	while (nram)
		free(ram[--nram]);
	while (nbufs) {
		nbufs--;
		munmap(bufs[nbufs].map, bufs[nbufs].len);
	}
}

int test_leaf_level(const struct pgtable *pt, uint64_t in)
{
	paddr_t table = pt->root;

	for (unsigned level = pt->root_level; level < MM_LEVELS; level++) {
		unsigned shift = PAGE_SHIFT + 9 * (MM_LEVELS - 1 - level);
		pte_t pte = ((pte_t *)pa_to_ptr(table))[(in >> shift) & (MM_ENTRIES - 1)];
		if (!arch_mm_pte_valid(pte))
			return -1;
		if (!arch_mm_pte_is_table(pte, level))
			return (int)level;
		table = arch_mm_pte_addr(pte);
	}
	return -1;
}

/*
 * Frame pools for guests are never freed: vm.c's table of VMs outlives a test (there is no way to
 * empty it), and code that scans it (VM ids, the root partition) must find readable records.
 */
static void *guest_pools[256];
static unsigned nguest_pools;

void test_guest_machine(uint64_t nframes)
{
	void *mem = aligned_alloc(MiB(2), ALIGN_UP(nframes * PAGE_SIZE, MiB(2)));
	paddr_t b = test_pa(mem);
	struct pa_range range = { b, pa_add(b, nframes * PAGE_SIZE) };

	assert_non_null(mem);
	assert_true(nguest_pools < ARRAY_SIZE(guest_pools));
	guest_pools[nguest_pools++] = mem;
	memset(mem, 0xa5, nframes * PAGE_SIZE);
	memset(&cpus[0], 0, sizeof(cpus[0]));
	arch_set_this_cpu(&cpus[0]);
	assert_null(frame_pool_init(&frames, &range, 1, NULL, 0));
	assert_null(vmem_init(&frames));
	vmid_space_init(&vmids, arch_vmid_count());
}

void test_cpus_reset(void)
{
	static struct platform plat = { .gic = { .kind = IRQCHIP_GICV3 } };

	memset(cpus, 0, sizeof(cpus));
	for (unsigned i = 0; i < PLATFORM_MAX_CPUS; i++)
		cpus[i].index = i;
	assert_null(irq_init(&plat));
	arch_set_this_cpu(&cpus[0]);
}

struct pa_range test_arm64_image(size_t size, uint64_t text_offset)
{
	uint8_t *img = test_ram(size, PAGE_SIZE);
	uint64_t image_size = size;
	uint32_t magic = 0x644d5241; /* "ARM\x64" */

	assert_true(size >= 64);
	for (size_t i = 0; i < size; i++)
		img[i] = (uint8_t)i;
	memset(img, 0, 64);
	memcpy(img + 8, &text_offset, 8);
	memcpy(img + 16, &image_size, 8);
	memcpy(img + 56, &magic, 4);
	return (struct pa_range){ test_pa(img), test_pa(img + size) };
}

/* A UART that keeps what the console sends it, for assertions on guest output. */
static struct {
	char buf[65536]; /* more than the console holds for the root partition (16 KiB) */
	size_t len;
} captured;

static void capture_init(uintptr_t base)
{
	(void)base;
}

static void capture_putc(uintptr_t base, char c)
{
	(void)base;
	if (captured.len == sizeof(captured.buf) - 1) { /* keep the newest half */
		memmove(captured.buf, captured.buf + sizeof(captured.buf) / 2,
			sizeof(captured.buf) / 2);
		captured.len -= sizeof(captured.buf) / 2;
	}
	if (c != '\r')
		captured.buf[captured.len++] = c;
	captured.buf[captured.len] = '\0';
}

static int capture_getc(uintptr_t base)
{
	(void)base;
	return -1;
}

static const struct uart_driver capture_driver = {
	.compatible = "test,capture",
	.init = capture_init,
	.putc = capture_putc,
	.getc = capture_getc,
};
static const struct uart capture_uart = { .drv = &capture_driver };

const char *test_output_tail(size_t n)
{
	return captured.buf + (captured.len > n ? captured.len - n : 0);
}

struct vm *test_make_vm(const char *name, uint64_t ram_size, bool privileged)
{
	return test_make_vm_vcpus(name, ram_size, privileged, 1);
}

struct vm *test_make_vm_vcpus(const char *name, uint64_t ram_size, bool privileged, unsigned vcpus)
{
	struct vm_config cfg = { .ram_size = ram_size, .vcpus = vcpus, .weight = 256 };
	const char *err = NULL;
	struct vm *vm;

	snprintf(cfg.name, sizeof(cfg.name), "%s", name);
	cfg.privileged = privileged;
	cfg.image = test_arm64_image(0x200, 0);
	vm = vm_create(&cfg, &err);
	if (!vm)
		fail_msg("vm_create(%s): %s", name, err);
	return vm;
}

int test_setup(void **state)
{
	(void)state;
	fake_reset();
	captured.len = 0;
	captured.buf[0] = '\0';
	console_attach(&capture_uart);
	return 0;
}

int test_teardown(void **state)
{
	(void)state;
	test_ram_free_all();
	return 0;
}

const char *test_log_tail(size_t n)
{
	static char buf[4096];
	size_t got;

	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	got = console_log_read(buf, n);
	buf[got] = '\0';
	return buf;
}

const void *test_dtb_file(const char *name, size_t *size)
{
	static char bytes[256 * 1024];
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s.dtb", UNIT_DTB_DIR, name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s (built by make test-unit)", path);
	n = fread(bytes, 1, sizeof(bytes), f);
	assert_true(n > 0 && n < sizeof(bytes) && feof(f));
	fclose(f);
	*size = n;
	return bytes;
}
