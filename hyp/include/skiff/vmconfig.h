/**
 * VM configurations: a device tree (docs/vm-config.md) passed as a boot module whose arguments
 * are "skiff-config", naming guest images passed as boot modules by their arguments.
 */
#ifndef SKIFF_VMCONFIG_H
#define SKIFF_VMCONFIG_H

#include <skiff/platform.h>
#include <skiff/vm.h>

#define VMCONFIG_MODULE_ARGS "skiff-config"

/**
 * Creates every VM the config module describes. A VM whose config or image is bad is reported
 * (`vm 'name' rejected: why`) and skipped; the others start. Returns the number started.
 */
unsigned vmconfig_start_all(const struct platform *p);

/**
 * Creates the VM named @name from the boot config (/templates/<name>, else /vms/<name>).
 * Returns its id, or SKIFF_E_NOENT (no such node), SKIFF_E_BUSY (a live VM has that name),
 * SKIFF_E_INVAL (the config or image is bad: reported on the console).
 */
int64_t vmconfig_create(const char *name);

/**
 * Parses the VM node @node of config @fdt into @cfg, resolving its image among @p's modules.
 * NULL or a sentence saying what is wrong.
 */
const char *vmconfig_parse_vm(const void *fdt, int node, const struct platform *p,
			      struct vm_config *cfg);

#endif
