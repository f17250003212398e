/**
 * repl: a guest that reads its console. It prints "repl: ready", then answers each input line
 * with "repl: got '<line>'" (tests/qemu/test_root_console.py types into it through the root
 * partition's `console` verb). Input arrives over the console channel; it looks every 20 ms.
 * It answers heartbeats and shutdown requests (pv/mgmt.h).
 */
#include <pv/mgmt.h>
#include <pv/pv.h>

#define POLL_US 20000

int main(void)
{
	char line[128], buf[64];
	unsigned long len = 0;

	pv_printf("repl: ready\n");
	for (;;) {
		long n = pv_console_read(buf, sizeof(buf));

		for (long i = 0; i < n; i++) {
			if (buf[i] == '\r' || buf[i] == '\n') {
				pv_printf("repl: got '%.*s'\n", (int)len, line);
				len = 0;
			} else if (len < sizeof(line)) {
				line[len++] = buf[i];
			}
		}
		if (n <= 0)
			pv_sleep_us(POLL_US);
		pv_mgmt_poll();
	}
}
