/** No channel services yet: every VM's console lines come from the hypervisor as "[name] ...". */
#include <pv/string.h>

#include "services.h"

void services_start(void)
{
}

unsigned long services_poll(unsigned long now_us)
{
	(void)now_us;
	return 0;
}

bool services_has(unsigned int vm, unsigned int class_id)
{
	(void)vm;
	(void)class_id;
	return false;
}

long services_request_shutdown(unsigned int vm)
{
	(void)vm;
	return -6;
}

long services_console_send(unsigned int vm, const char *s, unsigned long len)
{
	(void)vm;
	(void)s;
	(void)len;
	return -6;
}

void services_describe(unsigned int vm, char *buf, unsigned long size)
{
	(void)vm;
	if (size)
		memcpy(buf, "none", size < 5 ? size : 5);
}
