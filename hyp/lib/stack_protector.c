/**
 * Stack-protector support for libfdt.a, which Debian builds with -fstack-protector. Our own code
 * is built without it. The guard is a fixed odd pattern: this only catches accidental overruns.
 */
#include <skiff/panic.h>

uintptr_t __stack_chk_guard = 0x5ec0ffee2bad1dea;

void __stack_chk_fail(void);
void __stack_chk_fail(void)
{
	panic("stack smashing detected in libfdt");
}
