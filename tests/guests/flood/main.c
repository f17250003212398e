/**
 * flood: prints long console lines in a tight loop, forever: each line is
 *     flood: <n> xxxx...x
 * padded to `len` characters (default 200, at most 250). Every line is a SKIFF_HVC_CONSOLE_WRITE
 * that makes the hypervisor drive the UART, so the VM spends almost all its time in the
 * hypervisor; that time must still count against its own share of the CPU, and a bystander next
 * to it must keep its rhythm (tests/qemu/test_containment.py).
 */
#include <pv/pv.h>

#define LEN_MAX 250

int main(void)
{
	unsigned long len = pv_arg_ulong("len", 200);
	char line[LEN_MAX + 2];

	if (len > LEN_MAX)
		len = LEN_MAX;
	for (unsigned long n = 1;; n++) {
		int head = pv_snprintf(line, sizeof(line), "flood: %lu ", n);

		for (unsigned long i = (unsigned long)head; i < len; i++)
			line[i] = 'x';
		line[len] = '\n';
		pv_console_write(line, len + 1);
	}
}
