#!/usr/bin/python3
"""Writes the FIT source that bundles Skiff with a VM config and its guest images for U-Boot.

    tools/uboot-fit.py --template boards/qemu-virt/uboot/skiff.its.in \\
        --skiff build/qemu-virt/skiff.bin --load-addr 0x40200000 --board qemu-virt \\
        build/dts/demo.dtb build/qemu-virt/uboot/demo

writes into the output directory

    skiff.its    the FIT source (mkimage -f): the template with one image per boot module, each
                 hashed (sha256) and loaded by `bootm` to its address as a conf-1 "loadable";
    chosen.cmd   a U-Boot script, carried in the FIT as image "chosen-modules", that adds one
                 /chosen/module node per boot module to the DTB boot.cmd hands Skiff;
    skiff.d      make dependencies: the config and the images read.

The boot modules and their addresses are tools/guest-args.py's (the config, then each distinct
image once, 1 MiB apart from 0x60000000), and the nodes are the ones QEMU 7.2's guest-loader
writes for them (docs/vm-config.md): same names (`module@0x60000000`), same properties in the
same order, same node order (U-Boot's `fdt mknode` and `fdt set`, like QEMU, go through libfdt,
which puts a new node or property first, so both are created in guest-loader's order). `make
run` and `make run-uboot` therefore describe the same machine. "reg" has 2 address and 2 size
cells, those of QEMU virt's root (--cells changes them for a board whose root differs).

Paths in skiff.its are relative to the output directory (dtc resolves /incbin/ from the source's
directory), so the build tree can move. Run with any python3 (standard library only).
"""
import argparse
import importlib.util
import os
import pathlib
import re
import sys

TOOLS = pathlib.Path(__file__).resolve().parent
MODULE_COMPATIBLE = ("multiboot,module", "multiboot,kernel")
# What may appear inside a quoted string of the generated script or .its: no quote, backslash,
# '$' or ';' that U-Boot's shell or dtc would interpret.
SAFE = re.compile(r"^[A-Za-z0-9._+/-]+$")


def load_guest_args():
    spec = importlib.util.spec_from_file_location("guest_args", TOOLS / "guest-args.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


GUEST_ARGS = load_guest_args()


def boot_modules(config, guests_dir):
    """[(addr, path, bootargs, size)] exactly as guest-args.py lays them out for QEMU."""
    args = GUEST_ARGS.guest_args(config, guests_dir)
    modules = []
    for opt, spec in zip(args[::2], args[1::2]):
        kind, _, fields = spec.partition(",")
        assert opt == "-device" and kind == "guest-loader", spec
        f = dict(field.split("=", 1) for field in fields.split(","))
        path = pathlib.Path(f["kernel"])
        for text in (str(path), f["bootargs"]):
            if not SAFE.match(text):
                raise ValueError(f"{text!r}: only letters, digits and ._+/- can be quoted safely")
        modules.append((int(f["addr"], 0), path, f["bootargs"], path.stat().st_size))
    return modules


def node_name(bootargs):
    """The FIT image node of a module ("module-" keeps it apart from "skiff", "chosen-modules")."""
    return f"module-{bootargs}"


def cells(value, count):
    """@value as @count 32-bit cells, most significant first, in U-Boot's <...> syntax."""
    if value >> (32 * count):
        raise ValueError(f"{value:#x} does not fit in {count} cell(s)")
    return " ".join(f"{(value >> (32 * i)) & 0xFFFFFFFF:#x}" for i in reversed(range(count)))


def chosen_script(config, modules, addr_cells, size_cells):
    lines = [
        f"# /chosen/module nodes for VM config {config} (tools/uboot-fit.py): one per boot module,",
        "# as QEMU's -device guest-loader writes them. boot.cmd runs this on its copy of U-Boot's",
        "# DTB; bootm then copies each module to its address.",
    ]
    for addr, path, bootargs, size in modules:
        node = f"/chosen/module@{addr:#x}"
        compatible = " ".join(f'"{c}"' for c in MODULE_COMPATIBLE)
        lines += [
            f"# {path}",
            f"fdt mknode /chosen module@{addr:#x}",
            f"fdt set {node} reg <{cells(addr, addr_cells)} {cells(size, size_cells)}>",
            f"fdt set {node} compatible {compatible}",
            f'fdt set {node} bootargs "{bootargs}"',
        ]
    return "\n".join(lines) + "\n"


def module_images(modules, out_dir):
    """The /images nodes of the modules, their data named relative to @out_dir."""
    nodes = []
    for addr, path, bootargs, _size in modules:
        is_config = bootargs == GUEST_ARGS.CONFIG_BOOTARGS
        what, kind = ("VM config", "flat_dt") if is_config else ("guest image", "firmware")
        nodes.append(f"""\
		{node_name(bootargs)} {{
			description = "{what} {path} (bootargs \\"{bootargs}\\")";
			data = /incbin/("{os.path.relpath(path, out_dir)}");
			type = "{kind}";
			arch = "arm64";
			compression = "none";
			load = <{addr:#x}>;
			hash-1 {{
				algo = "sha256";
			}};
		}};""")
    return "\n\n".join(nodes)


def fill(template, values):
    text = template
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    left = sorted(set(re.findall(r"@[A-Z_]+@", text)))
    if left:
        raise ValueError(f"template placeholders not filled: {', '.join(left)}")
    return text


def fit_source(args, modules, out_dir):
    """The board's template with Skiff and the modules filled in."""
    return fill(pathlib.Path(args.template).read_text(), {
        "BOARD": args.board, "LOAD_ADDR": args.load_addr, "CONFIG": args.config,
        "SKIFF_BIN": os.path.relpath(args.skiff, out_dir), "CHOSEN_CMD": "chosen.cmd",
        "MODULE_IMAGES": module_images(modules, out_dir),
        "LOADABLES": ", ".join(f'"{node_name(bootargs)}"' for _, _, bootargs, _ in modules),
    })


def make_deps(out_dir, modules):
    """Make rules: the outputs depend on every file read; each file may vanish (as gcc -MP)."""
    inputs = [str(path) for _, path, _, _ in modules]
    rule = f"{out_dir / 'skiff.its'} {out_dir / 'chosen.cmd'}: {' '.join(inputs)}\n"
    return rule + "".join(f"{path}:\n" for path in inputs)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("config", help="VM config .dtb (as built in build/dts)")
    ap.add_argument("out_dir", help="where skiff.its, chosen.cmd and skiff.d go")
    ap.add_argument("--template", required=True, help="the board's skiff.its.in")
    ap.add_argument("--skiff", required=True, help="the hypervisor Image (skiff.bin)")
    ap.add_argument("--load-addr", required=True, help="where bootm puts it (BOARD_LINK_ADDR)")
    ap.add_argument("--board", required=True)
    ap.add_argument("--guests", default="build/guests", help="directory of <image>.elf files")
    ap.add_argument("--cells", default="2,2", help="#address-cells,#size-cells of the DTB root")
    args = ap.parse_args(argv)
    out = pathlib.Path(args.out_dir)
    try:
        addr_cells, size_cells = (int(n) for n in args.cells.split(","))
        modules = boot_modules(args.config, args.guests)
        its = fit_source(args, modules, out)
        script = chosen_script(args.config, modules, addr_cells, size_cells)
    except (OSError, ValueError) as e:
        print(f"uboot-fit: {e}", file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    (out / "chosen.cmd").write_text(script)
    (out / "skiff.its").write_text(its)
    (out / "skiff.d").write_text(make_deps(out, modules))
    return 0


if __name__ == "__main__":
    sys.exit(main())
