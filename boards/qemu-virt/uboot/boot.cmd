# Skiff boot script, run by U-Boot's distro boot from the boot partition as boot.scr
# (mkimage -T script). It loads the FIT next to it, which bootm checks against its sha256
# hash, and hands the hypervisor U-Boot's own DTB: the one U-Boot itself runs on, so the
# board's firmware or QEMU describes the machine, not a file we would have to keep in step.
load ${devtype} ${devnum}:${distro_bootpart} ${kernel_addr_r} ${prefix}skiff.itb
bootm ${kernel_addr_r}#conf-1 - ${fdtcontroladdr}
echo "Skiff: booting ${prefix}skiff.itb from ${devtype} ${devnum}:${distro_bootpart} failed"
