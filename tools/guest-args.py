#!/usr/bin/python3
"""Prints the QEMU arguments that load a Skiff VM config and the guest images it names.

    tools/guest-args.py build/dts/demo.dtb      (or dts/demo.dts: compiled with dtc to read it)

prints, on one line,

    -device guest-loader,addr=0x60000000,kernel=build/dts/demo.dtb,bootargs=skiff-config
    -device guest-loader,addr=0x60100000,kernel=build/guests/hello.elf,bootargs=hello ...

QEMU's guest-loader copies each file unchanged (an ELF is not interpreted) to `addr` and adds a
node to the DTB it gives the hypervisor (QEMU 7.2, as observed with -M ...,dumpdtb=):

    /chosen/module@0x60100000 {
        bootargs = "hello";
        compatible = "multiboot,module", "multiboot,kernel";
        reg = <0x0 0x60100000 0x0 FILE_SIZE>;       (2 address + 2 size cells, the root's)
    };

Modules are placed in the order printed from --base (default 0x60000000, inside QEMU virt's RAM
at 0x40000000 with -m 1G) at addresses aligned to --align (1 MiB), never overlapping. The config
comes first with bootargs "skiff-config"; each distinct image follows once, however many VMs
use it, with bootargs equal to the image name (a VM's `image` property). The images of /templates
(VMs the root partition may create later, docs/root.md) are loaded too. Paths are printed as
given (relative to the repository root by default), as QEMU runs from there.

Also importable: guest_args(config, ...) returns the argument list, read_config(path) the VMs.
Run with any python3 (standard library only). Exit status 1, with a message naming the VM, when
an image or a VM's image property is missing (--allow-missing skips it with a warning instead, for
configs that test how Skiff rejects such VMs).
"""
import argparse
import os
import pathlib
import struct
import subprocess
import sys
import tempfile

CONFIG_BOOTARGS = "skiff-config"
CONFIG_COMPATIBLE = "skiff,vm-config-v1"
FDT_MAGIC = 0xD00DFEED
FDT_BEGIN_NODE, FDT_END_NODE, FDT_PROP, FDT_NOP, FDT_END = 1, 2, 3, 4, 9


def parse_fdt(blob):
    """A flattened device tree (DTSpec v0.4 chapter 5) as nested dicts: {"props": {name: bytes},
    "children": {name: node}}."""
    magic, _total, off_struct, off_strings = struct.unpack_from(">IIII", blob, 0)
    if magic != FDT_MAGIC:
        raise ValueError("not a device tree blob (bad magic)")

    def string_at(off):
        return blob[off:blob.index(b"\0", off)].decode()

    root = {"props": {}, "children": {}}
    stack, pos = [], off_struct
    while True:
        (token,) = struct.unpack_from(">I", blob, pos)
        pos += 4
        if token == FDT_BEGIN_NODE:
            name = string_at(pos)
            pos += (len(name) + 4) & ~3
            node = root if not stack else {"props": {}, "children": {}}
            if stack:
                stack[-1]["children"][name] = node
            stack.append(node)
        elif token == FDT_END_NODE:
            stack.pop()
        elif token == FDT_PROP:
            length, nameoff = struct.unpack_from(">II", blob, pos)
            pos += 8
            stack[-1]["props"][string_at(off_strings + nameoff)] = blob[pos:pos + length]
            pos += (length + 3) & ~3
        elif token == FDT_END:
            return root
        elif token != FDT_NOP:
            raise ValueError(f"bad device tree token {token} at offset {pos - 4}")


def prop_string(node, name):
    value = node["props"].get(name)
    return value.rstrip(b"\0").decode() if value is not None else None


def config_blob(path):
    """The config as a blob: read directly, or compiled from .dts with dtc."""
    path = pathlib.Path(path)
    if path.suffix != ".dts":
        return path.read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "config.dtb"
        subprocess.run(["dtc", "-I", "dts", "-O", "dtb", "-o", str(out), str(path)], check=True)
        return out.read_bytes()


def read_config(path):
    """[(vm name, image name)] in the config's order."""
    root = parse_fdt(config_blob(path))
    if prop_string(root, "compatible") != CONFIG_COMPATIBLE:
        raise ValueError(f"{path}: root compatible is not \"{CONFIG_COMPATIBLE}\"")
    vms = root["children"].get("vms")
    if vms is None:
        raise ValueError(f"{path}: no /vms node")
    return [(name, prop_string(node, "image")) for name, node in vms["children"].items()]


def read_templates(path):
    """[(template name, image name)] of the config's /templates node (none: [])."""
    root = parse_fdt(config_blob(path))
    templates = root["children"].get("templates", {"children": {}})
    return [(name, prop_string(node, "image")) for name, node in templates["children"].items()]


def config_module_path(path):
    """The file QEMU loads for the config: the .dtb itself, or build/dts/<stem>.dtb for a .dts."""
    path = pathlib.Path(path)
    return path if path.suffix != ".dts" else pathlib.Path("build/dts") / (path.stem + ".dtb")


def guest_args(config, guests_dir="build/guests", base=0x60000000, align=0x100000,
               ram_end=0x80000000, allow_missing=False, warn=None):
    """The -device arguments (a list of strings) that load `config` and its images."""
    modules = [(config_module_path(config), CONFIG_BOOTARGS, len(config_blob(config)))]
    for vm, image in read_config(config) + read_templates(config):
        if not image:
            if not allow_missing:
                raise ValueError(f"{config}: vm '{vm}' has no image property")
            if warn:
                warn(f"guest-args: vm '{vm}' has no image property")
            continue
        if any(bootargs == image for _, bootargs, _ in modules):
            continue
        path = pathlib.Path(guests_dir) / f"{image}.elf"
        if not path.exists():
            if not allow_missing:
                raise FileNotFoundError(f"vm '{vm}': image {path} not found (run make)")
            if warn:
                warn(f"guest-args: vm '{vm}': image {path} not found, not loaded")
            continue
        modules.append((path, image, path.stat().st_size))
    args, addr = [], base
    for path, bootargs, size in modules:
        if addr + size > ram_end:
            raise ValueError(f"module {path} would end past RAM at {ram_end:#x}")
        args += ["-device", f"guest-loader,addr={addr:#x},kernel={path},bootargs={bootargs}"]
        addr += (size + align - 1) // align * align or align
    return args


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("config", help="VM config: .dtb, or .dts (compiled with dtc to read it)")
    ap.add_argument("--guests", default="build/guests", help="directory of <image>.elf files")
    ap.add_argument("--base", type=lambda s: int(s, 0), default=0x60000000)
    ap.add_argument("--align", type=lambda s: int(s, 0), default=0x100000)
    ap.add_argument("--ram-end", type=lambda s: int(s, 0), default=0x80000000)
    ap.add_argument("--allow-missing", action="store_true", help="skip missing images")
    args = ap.parse_args(argv)
    try:
        out = guest_args(args.config, args.guests, args.base, args.align, args.ram_end,
                         args.allow_missing, warn=lambda m: print(m, file=sys.stderr))
    except (OSError, ValueError, subprocess.CalledProcessError) as e:
        print(f"guest-args: {e}", file=sys.stderr)
        return 1
    print(" ".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
