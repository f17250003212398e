"""pv-guest images and VM configs, checked without running them: every guest ELF is a static
AArch64 executable whose loadable segments sit at IPA 0x40000000 inside the RAM its configs give
it, every config is well-formed, and tools/guest-args.py's arguments make QEMU's guest-loader
write the /chosen/module nodes the hypervisor reads (observed through -M ...,dumpdtb=)."""
import importlib.util
import pathlib
import struct
import subprocess

import pytest

from conftest import QEMU, ROOT, virt_machine

GUESTS = ROOT / "build" / "guests"
CONFIGS = sorted((ROOT / "dts").glob("*.dts"))
RAM_BASE = 0x40000000
PAGE = 4096
STACK = 64 * 1024  # PV_STACK_SIZE: below the start-information page, the last page of RAM
PT_LOAD, PT_DYNAMIC, PT_INTERP = 1, 2, 3
ET_EXEC, EM_AARCH64 = 2, 183


def load_tool():
    spec = importlib.util.spec_from_file_location("guest_args", ROOT / "tools" / "guest-args.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


TOOL = load_tool()


def elf_segments(path):
    """(e_type, e_machine, e_entry, [(p_type, vaddr, paddr, filesz, memsz, flags)])."""
    blob = path.read_bytes()
    assert blob[:6] == b"\x7fELF\x02\x01", f"{path.name}: not a little-endian ELF64"
    e_type, e_machine, _, e_entry, e_phoff = struct.unpack_from("<HHIQQ", blob, 16)
    e_phentsize, e_phnum = struct.unpack_from("<HH", blob, 54)
    segs = []
    for i in range(e_phnum):
        p_type, flags, _off, vaddr, paddr, filesz, memsz, _align = struct.unpack_from(
            "<IIQQQQQQ", blob, e_phoff + i * e_phentsize)
        segs.append((p_type, vaddr, paddr, filesz, memsz, flags))
    return e_type, e_machine, e_entry, segs


def vm_nodes(config):
    root = TOOL.parse_fdt(TOOL.config_blob(config))
    return root, root["children"]["vms"]["children"]


def u32(node, name):
    value = node["props"][name]
    assert len(value) == 4, f"{name} is not one 32-bit cell"
    return struct.unpack(">I", value)[0]


def smallest_ram():
    """{image: the smallest memory-kib * 1024 any config gives a VM running it}."""
    ram = {}
    for config in CONFIGS:
        for node in vm_nodes(config)[1].values():
            image = TOOL.prop_string(node, "image")
            ram[image] = min(ram.get(image, 1 << 62), u32(node, "memory-kib") * 1024)
    return ram


@pytest.mark.parametrize("elf", sorted(GUESTS.glob("*.elf")), ids=lambda p: p.stem)
def test_guest_elf_layout(elf):
    e_type, machine, entry, segs = elf_segments(elf)
    assert (e_type, machine) == (ET_EXEC, EM_AARCH64), "static AArch64 executable, not PIE"
    assert entry == RAM_BASE
    assert not [s for s in segs if s[0] in (PT_DYNAMIC, PT_INTERP)]
    loads = sorted(s for s in segs if s[0] == PT_LOAD)
    assert loads and loads[0][1] == RAM_BASE
    ram = smallest_ram().get(elf.stem, 2 << 20)
    prev_end = RAM_BASE
    for _, vaddr, paddr, filesz, memsz, flags in loads:
        assert vaddr == paddr and vaddr % PAGE == 0 and filesz <= memsz
        assert vaddr >= prev_end, "segments overlap"
        assert not (flags & 1 and flags & 2), "a segment is both writable and executable"
        prev_end = vaddr + memsz
    assert prev_end <= RAM_BASE + ram - PAGE - STACK, \
        f"image ends at {prev_end:#x}: no room for the stack and start page in {ram} bytes"


def test_every_guest_is_built():
    dirs = [p.parent.name for p in (ROOT / "pv-guest" / "demos").glob("*/main.c")]
    dirs += [p.parent.name for p in (ROOT / "tests" / "guests").glob("*/main.c")]
    dirs += [p.parent.name for p in (ROOT / "pv-guest").glob("root/main.c")]
    assert sorted(dirs) == sorted(p.stem for p in GUESTS.glob("*.elf"))


@pytest.mark.parametrize("config", CONFIGS, ids=lambda p: p.stem)
def test_vm_config_is_well_formed(config):
    root, vms = vm_nodes(config)
    assert TOOL.prop_string(root, "compatible") == "skiff,vm-config-v1"
    assert vms
    for name, node in vms.items():
        assert 0 < len(name) < 32, "the name must fit skiff_start_info.name with its NUL"
        image = TOOL.prop_string(node, "image")
        assert (GUESTS / f"{image}.elf").exists(), f"vm {name}: no image {image}"
        assert "," not in image, "guest-loader options cannot hold a comma"
        assert u32(node, "memory-kib") % 4 == 0 and u32(node, "memory-kib") >= 256
        assert u32(node, "vcpus") >= 1 and u32(node, "weight") >= 1
        assert u32(node, "cap") <= 100 * u32(node, "vcpus")
        assert len(node["props"]["args"]) <= 128, "args must fit skiff_start_info.args"
        if "cpus" in node["props"]:  # physical CPUs, 0..7 (docs/vm-config.md)
            cells = node["props"]["cpus"]
            assert cells and len(cells) % 4 == 0
            assert all(int.from_bytes(cells[i:i + 4], "big") < 8 for i in range(0, len(cells), 4))
        assert set(node["props"]) <= {"image", "memory-kib", "vcpus", "weight", "cap", "args",
                                       "privileged", "cpus"}


@pytest.mark.parametrize("config", CONFIGS, ids=lambda p: p.stem)
def test_guest_loader_writes_module_nodes(config, tmp_path):
    """The arguments guest-args.py prints, given to QEMU, yield one /chosen/module@<addr> node
    per file, compatible "multiboot,module" + "multiboot,kernel", with bootargs and a reg that
    is exactly the file's address and size."""
    cmd = [str(config.relative_to(ROOT))]
    out = subprocess.run(["python3", "tools/guest-args.py"] + cmd, cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout.split()
    dtb = tmp_path / "virt.dtb"
    machine = virt_machine(extra=f",dumpdtb={dtb}").split()
    subprocess.run([QEMU] + machine + ["-nographic"] + out, cwd=ROOT, check=True,
                   capture_output=True, timeout=30)
    chosen = TOOL.parse_fdt(dtb.read_bytes())["children"]["chosen"]["children"]
    devices = [o.split("guest-loader,")[1] for o in out if o.startswith("guest-loader,")]
    assert len(chosen) == len(devices)
    for dev in devices:
        opts = dict(kv.split("=", 1) for kv in dev.split(","))
        node = chosen[f"module@{opts['addr']}"]
        assert node["props"]["compatible"] == b"multiboot,module\0multiboot,kernel\0"
        assert TOOL.prop_string(node, "bootargs") == opts["bootargs"]
        size = (ROOT / opts["kernel"]).stat().st_size
        assert struct.unpack(">QQ", node["props"]["reg"]) == (int(opts["addr"], 16), size)
    assert devices[0].endswith("bootargs=skiff-config")


def test_guest_args_places_modules_apart(tmp_path):
    args = TOOL.guest_args(ROOT / "dts" / "test-adversarial.dts", guests_dir=GUESTS)
    addrs = [int(a.split("addr=")[1].split(",")[0], 16) for a in args if "addr=" in a]
    assert addrs[0] == 0x60000000 and all(a % 0x100000 == 0 for a in addrs)
    assert addrs == sorted(set(addrs))
    with pytest.raises(FileNotFoundError, match="vm 'bystander'"):
        TOOL.guest_args(ROOT / "dts" / "test-adversarial.dts", guests_dir=tmp_path)
    only_config = TOOL.guest_args(ROOT / "dts" / "demo.dts", guests_dir=tmp_path,
                                  allow_missing=True)
    assert len(only_config) == 2 and only_config[1].endswith("bootargs=skiff-config")
