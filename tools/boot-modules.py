#!/usr/bin/python3
"""Boot modules (a VM config and the guest images it names) for boards where QEMU's guest-loader
cannot describe them, because the machine makes no DTB of its own for the loader to edit
(QEMU -M raspi3b: "Cannot modify FDT fields if the machine has none"), or where U-Boot loads them
(the Raspberry Pi SD card).

    tools/boot-modules.py CONFIG.dtb --base 0x10000000 --ram-end 0x3b400000 [outputs...]

The modules are placed exactly as tools/guest-args.py places them for QEMU virt (its guest_args()
is reused: the config first, each distinct image once, 1 MiB-aligned from --base), and described
as guest-loader describes them, one /chosen/module@ADDR node each:

    compatible = "multiboot,module", "multiboot,kernel";  bootargs = NAME;  reg = <ADDR SIZE>

with /chosen given #address-cells = <2> and #size-cells = <2> of its own, so the same nodes are
right in any board's DTB (the Pi 3's root has one cell each, the Pi 4's two and one).

Outputs (any combination):
  --board-dtb B.dtb --dtb OUT.dtb   B.dtb with the module nodes added (QEMU -dtb OUT.dtb)
  --qemu-args OUT.args              QEMU -device loader arguments that copy each file, unchanged
                                    (force-raw: an ELF is not interpreted), to its address
  --skiff IMAGE --uimage OUT.img    a U-Boot legacy multi-file image: part 0 = IMAGE (Skiff),
                                    then each module in order (mkimage -T multi; U-Boot checks its
                                    CRC32 when it extracts a part)
  --uboot-script OUT.cmd            U-Boot commands that extract every part to its address from
                                    the multi-file image at ${skiff_img} and add the module nodes
                                    to the DTB at ${skiff_fdt} (with room to grow); --skiff-addr
                                    says where part 0 goes

Standard library plus mkimage and dtc; exit status 1 with a message on a missing file.
"""
import argparse
import importlib.util
import pathlib
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
COMPATIBLE = ("multiboot,module", "multiboot,kernel")


def guest_args_module():
    spec = importlib.util.spec_from_file_location("guest_args", HERE / "guest-args.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def placement(config, guests, base, align, ram_end):
    """[(addr, path, bootargs, size)] in load order, as guest-args.py places them."""
    args = guest_args_module().guest_args(config, guests, base, align, ram_end)
    modules = []
    for opt in args[1::2]:  # "-device", "guest-loader,addr=...,kernel=...,bootargs=..."
        kind, _, rest = opt.partition(",")
        assert kind == "guest-loader", opt
        fields = dict(f.split("=", 1) for f in rest.split(","))
        path = pathlib.Path(fields["kernel"])
        modules.append((int(fields["addr"], 0), path, fields["bootargs"], path.stat().st_size))
    return modules


def cells(value):
    """A 64-bit number as two 32-bit DT cells."""
    return f"0x{value >> 32:x} 0x{value & 0xffffffff:x}"


def module_nodes_dts(modules):
    lines = ["/ {", "\tchosen {", "\t\t#address-cells = <2>;", "\t\t#size-cells = <2>;"]
    for addr, _, bootargs, size in modules:
        lines += [f"\t\tmodule@{addr:x} {{",
                  f"\t\t\tcompatible = {', '.join(f'{c!r}' for c in COMPATIBLE)};".replace("'", '"'),
                  f"\t\t\tbootargs = \"{bootargs}\";",
                  f"\t\t\treg = <{cells(addr)} {cells(size)}>;",
                  "\t\t};"]
    return "\n".join(lines + ["\t};", "};", ""])


def write_dtb(board_dtb, modules, out):
    """The board DTB decompiled, the module nodes appended (dtc merges a repeated node), compiled."""
    source = subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", str(board_dtb)], check=True,
                            capture_output=True, text=True).stdout
    with tempfile.TemporaryDirectory() as tmp:
        dts = pathlib.Path(tmp) / "with-modules.dts"
        dts.write_text(source + "\n" + module_nodes_dts(modules))
        subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", str(out), str(dts)],
                       check=True)


def qemu_args(modules):
    return " ".join(f"-device loader,file={path},addr={addr:#x},force-raw=on"
                    for addr, path, _, _ in modules)


def write_uimage(skiff, modules, out, name):
    files = ":".join(str(p) for p in [skiff] + [path for _, path, _, _ in modules])
    subprocess.run(["mkimage", "-A", "arm64", "-O", "linux", "-T", "multi", "-C", "none",
                    "-a", "0", "-e", "0", "-n", name[:31], "-d", files, str(out)], check=True,
                   stdout=subprocess.DEVNULL)


def uboot_script(modules, skiff_addr):
    """U-Boot hush commands. Its `exit` does not leave a script, so every step is guarded:
    it runs only while ${skiff_bad} is empty, and a failure sets it (boards/rpi-boot.cmd)."""
    def step(cmd, why):
        return f'test -n "${{skiff_bad}}" || {cmd} || setenv skiff_bad "{why}"'

    out = [f"# Generated by tools/boot-modules.py: Skiff and {len(modules)} boot modules.",
           step(f"imxtract ${{skiff_img}} 0 {skiff_addr:#x}", "cannot unpack Skiff"),
           step("fdt addr ${skiff_fdt}", "the DTB is not valid"),
           step("fdt resize 0x4000", "cannot grow the DTB"),
           step('fdt set /chosen "#address-cells" <2>', "the DTB has no /chosen"),
           step('fdt set /chosen "#size-cells" <2>', "the DTB has no /chosen")]
    for part, (addr, path, bootargs, size) in enumerate(modules, start=1):
        node = f"/chosen/module@{addr:x}"
        why = f"cannot add boot module {bootargs}"
        out += [f"# part {part}: {path.name} ({size} bytes) at {addr:#x}",
                step(f"imxtract ${{skiff_img}} {part} {addr:#x}", f"cannot unpack {path.name}"),
                step(f"fdt mknode /chosen module@{addr:x}", why),
                step(f"fdt set {node} compatible " + " ".join(f'"{c}"' for c in COMPATIBLE), why),
                step(f'fdt set {node} bootargs "{bootargs}"', why),
                step(f"fdt set {node} reg <{cells(addr)} {cells(size)}>", why)]
    return "\n".join(out) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    num = lambda s: int(s, 0)  # noqa: E731
    ap.add_argument("config", help="VM config .dtb")
    ap.add_argument("--guests", default="build/guests")
    ap.add_argument("--base", type=num, required=True)
    ap.add_argument("--align", type=num, default=0x100000)
    ap.add_argument("--ram-end", type=num, required=True)
    ap.add_argument("--board-dtb")
    ap.add_argument("--dtb")
    ap.add_argument("--qemu-args")
    ap.add_argument("--skiff")
    ap.add_argument("--uimage")
    ap.add_argument("--uboot-script")
    ap.add_argument("--skiff-addr", type=num, default=0x200000)
    a = ap.parse_args(argv)
    try:
        modules = placement(a.config, a.guests, a.base, a.align, a.ram_end)
        if a.dtb:
            if not a.board_dtb:
                ap.error("--dtb needs --board-dtb")
            write_dtb(a.board_dtb, modules, a.dtb)
        if a.qemu_args:
            pathlib.Path(a.qemu_args).write_text(qemu_args(modules) + "\n")
        if a.uimage:
            if not a.skiff:
                ap.error("--uimage needs --skiff")
            write_uimage(a.skiff, modules, a.uimage, f"Skiff {pathlib.Path(a.config).stem}")
        if a.uboot_script:
            pathlib.Path(a.uboot_script).write_text(uboot_script(modules, a.skiff_addr))
    except (OSError, ValueError, subprocess.CalledProcessError) as e:
        print(f"boot-modules: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
