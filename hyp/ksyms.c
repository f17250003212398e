/** Binary search of the generated symbol table (see ksyms.h). */
#include <skiff/ksyms.h>

extern char __image_start[], __text_end[];

const char *ksym_lookup(uint64_t addr, uint64_t *offset)
{
	uint64_t base = (uintptr_t)__image_start, rel;
	uint32_t lo = 0, hi = ksyms_count;

	if (addr < base || addr >= (uintptr_t)__text_end || ksyms_count == 0)
		return NULL;
	rel = addr - base;
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (ksyms_offset[mid] <= rel)
			lo = mid;
		else
			hi = mid;
	}
	if (ksyms_offset[lo] > rel)
		return NULL;
	*offset = rel - ksyms_offset[lo];
	return &ksyms_names[ksyms_name[lo]];
}
