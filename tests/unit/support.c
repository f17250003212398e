/** Shared helpers of the host unit tests (see support.h). */
#include "support.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <skiff/console.h>
#include <skiff/mm.h>
#include <skiff/pgtable.h>

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

int test_setup(void **state)
{
	(void)state;
	fake_reset();
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
