/** Sentences for the hypervisor's error codes (include/skiff-abi/hypercall.h). */
#include "hv.h"

const char *hv_strerror(long err)
{
	switch (err) {
	case SKIFF_E_NOT_SUPPORTED:
		return "not supported by this hypervisor";
	case SKIFF_E_INVAL:
		return "invalid argument";
	case SKIFF_E_DENIED:
		return "not allowed";
	case SKIFF_E_FAULT:
		return "bad address";
	case SKIFF_E_NOENT:
		return "no such VM";
	case SKIFF_E_NOMEM:
		return "out of memory";
	case SKIFF_E_BUSY:
		return "busy, try again";
	default:
		return err < 0 ? "unknown error" : "no error";
	}
}
