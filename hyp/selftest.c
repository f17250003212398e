/**
 * Self tests selected by `skiff.selftest=NAME` in the boot arguments (see selftest.h).
 *
 *   crash  reads an address the EL2 stage-1 map leaves out, so the MMU raises a translation
 *          fault at EL2 and arch-arm64/exception.c prints its crash report, then panics.
 *   blk    writes patterns over the block device, reads them back (selftest_blk.c).
 */
#include <skiff/console.h>
#include <skiff/selftest.h>
#include <skiff/string.h>
#include <skiff/types.h>

#define SELFTEST_ARG "skiff.selftest="

/* Inside the flash window of QEMU virt, never mapped at EL2 (hyp/mem.c maps RAM, the image and
 * the devices the DTB names). Above the first page so no compiler treats it as a null access. */
#define SELFTEST_UNMAPPED_ADDR 0x1000UL

/* Not inlined or cloned (noipa): the crash report's backtrace must show this exact name. */
static __attribute__((noipa)) uint64_t selftest_crash_read(uintptr_t addr)
{
	return *(volatile uint64_t *)addr;
}

static void selftest_crash(void)
{
	kprintf("selftest: reading unmapped address 0x%lx; a crash report follows\n",
		SELFTEST_UNMAPPED_ADDR);
	kprintf("selftest: read 0x%lx, but the access should have faulted\n",
		selftest_crash_read(SELFTEST_UNMAPPED_ADDR));
}

static const struct {
	const char *name;
	void (*run)(void);
} selftests[] = {
	{ "crash", selftest_crash },
	{ "blk", selftest_blk },
};

/* The value of the first `skiff.selftest=` word in @args, as a length-counted string. */
static const char *find_arg(const char *args, size_t *len)
{
	for (const char *w = args; *w;) {
		size_t n = strchr(w, ' ') ? (size_t)(strchr(w, ' ') - w) : strlen(w);
		if (n > strlen(SELFTEST_ARG) &&
		    strncmp(w, SELFTEST_ARG, strlen(SELFTEST_ARG)) == 0) {
			*len = n - strlen(SELFTEST_ARG);
			return w + strlen(SELFTEST_ARG);
		}
		w += n;
		while (*w == ' ')
			w++;
	}
	return NULL;
}

void selftest_run(const char *bootargs)
{
	size_t len;
	const char *name = bootargs ? find_arg(bootargs, &len) : NULL;

	if (!name)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(selftests); i++)
		if (strlen(selftests[i].name) == len &&
		    strncmp(name, selftests[i].name, len) == 0) {
			selftests[i].run();
			return;
		}
	kprintf("selftest: unknown test '%.*s' ignored (known: crash, blk)\n", (int)len, name);
}
