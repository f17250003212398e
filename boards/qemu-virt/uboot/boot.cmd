# Skiff boot script, run by U-Boot's distro boot from the boot partition as boot.scr
# (mkimage -T script). It loads the FIT next to it, which holds Skiff, a VM config, the guest
# images it names and a script describing them, each with a sha256 hash U-Boot checks first.
#
# Skiff gets U-Boot's own DTB (the board's firmware or QEMU describes the machine, not a file
# we would have to keep in step) plus one /chosen/module node per boot module, the nodes QEMU's
# guest-loader writes (docs/vm-config.md). They go into a copy with 16 KiB to spare at ${fdt_addr}
# (0x40000000, where QEMU put its DTB: 2 MiB below Skiff and boot.scr), not into U-Boot's live
# tree, whose offsets U-Boot's drivers hold.
# `bootm` then copies Skiff, the config and the images to their load addresses.
# Traps (U-Boot 2023.01): every `fdt` command, even `fdt move`, needs `fdt addr` first;
# `source` returns 0 whatever the script's commands returned, and `exit` does not stop a
# script; a line break after `&&` drops the left-hand side.
load ${devtype} ${devnum}:${distro_bootpart} ${kernel_addr_r} ${prefix}skiff.itb
fdt addr ${fdtcontroladdr}
fdt header get skiff_fdt_size totalsize
setexpr skiff_fdt_size ${skiff_fdt_size} + 0x4000
if fdt move ${fdtcontroladdr} ${fdt_addr} ${skiff_fdt_size}; then
	if source ${kernel_addr_r}:chosen-modules; then
		bootm ${kernel_addr_r}#conf-1 - ${fdt_addr}
	fi
fi
echo "Skiff: booting ${prefix}skiff.itb from ${devtype} ${devnum}:${distro_bootpart} failed"
