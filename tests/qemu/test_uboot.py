"""U-Boot boot tests: Debian's real U-Boot boots Skiff and its guests the way a board is flashed.

U-Boot's distro boot finds boot.scr on the virtio disk's FAT partition. The script loads the FIT
image (Skiff, a VM config, the guest images it names and the "chosen-modules" script, each with a
sha256 hash), adds the config and images as /chosen/module nodes to a copy of U-Boot's DTB, and
runs bootm: it checks every hash, copies the config and images to their load addresses (the ones
tools/guest-args.py gives QEMU's guest-loader) and starts Skiff at EL2. The environment in flash
sets bootdelay=0. mk/uboot.mk builds one disk per config in build/<board>/uboot/<config>/
(`make test` builds them); a test that corrupts an image makes its own disk from that FIT.
"""
import importlib.util
import io
import os
import re
import subprocess
import sys
import time

import pytest

from conftest import BUILD, QEMU, ROOT, Qemu, virt_machine

UBOOT_BIN = os.environ.get("UBOOT_BIN", "/usr/lib/u-boot/qemu_arm64/u-boot.bin")
UB = BUILD / "uboot"
CONFIGS = ("demo", "test-selftest")


def load_tool(name):
    spec = importlib.util.spec_from_file_location(name.replace("-", "_"),
                                                  ROOT / "tools" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


FIT_TOOL = load_tool("uboot-fit")
parse_fdt = FIT_TOOL.GUEST_ARGS.parse_fdt


def uboot_args(disk):
    """The QEMU arguments of `make run-uboot`, with @disk as the virtio disk."""
    return (f"{virt_machine(3)} -bios {UBOOT_BIN} "
            f"-drive if=pflash,format=raw,unit=1,readonly=on,file={UB / 'flash1.img'} "
            f"-drive if=none,file={disk},format=raw,id=d -device virtio-blk-device,drive=d")


def modules(config):
    """[(addr, path, bootargs, size)] of a config: the layout guest-args.py gives QEMU."""
    return FIT_TOOL.boot_modules(ROOT / "build" / "dts" / f"{config}.dtb",
                                 ROOT / "build" / "guests")


@pytest.fixture(scope="module", autouse=True)
def uboot_images():
    for path in [UB / "flash1.img", UB / "boot.scr"] + [UB / c / f for c in CONFIGS
                                                        for f in ("disk.img", "skiff.itb")]:
        assert path.exists(), f"{path} missing: run make first (make test does)"


def keep_console(q):
    """Keeps all @q prints in q.console (pexpect's buffers hold only the latest part)."""
    q.console = io.StringIO()
    q.child.logfile_read = q.console
    return q


def boot(qemu, disk, timeout=10):
    """QEMU (the `qemu` fixture's, killed after the test) booting U-Boot from @disk."""
    return keep_console(qemu(uboot_args(disk), timeout=timeout))


def expect_uboot_runs_boot_scr(q):
    q.expect(r"U-Boot 2023\.01")
    q.expect(r"Loading Environment from Flash\.\.\. OK")
    m = q.expect(r"Hit any key to stop autoboot: +(\d+)")
    assert m.group(1) == "0", f"autoboot counted down from {m.group(1)} s"
    q.expect(r"Found U-Boot script /boot\.scr")


def expect_all(q, patterns):
    """Waits until every pattern has been seen once, in any order (guests print independently)."""
    left = list(patterns)
    while left:
        m = q.expect(left)
        left.remove(m.re.pattern)


def chosen_modules(dtb):
    """[(node name, props)] of the /chosen/module nodes of a DTB blob, in blob order."""
    chosen = parse_fdt(dtb)["children"]["chosen"]["children"]
    return [(name, node["props"]) for name, node in chosen.items() if name.startswith("module")]


@pytest.fixture(scope="module")
def demo_boot(tmp_path_factory):
    """The demo config booted through U-Boot until all three guests have spoken, then the DTB
    U-Boot handed Skiff, read back from guest memory through the QEMU monitor."""
    q = keep_console(Qemu(uboot_args(UB / "demo" / "disk.img"), timeout=10))
    try:
        start = time.monotonic()
        expect_uboot_runs_boot_scr(q)
        q.expect(r"Trying 'skiff' kernel subimage")
        q.expect(r"Verifying Hash Integrity \.\.\. sha256\+ OK")
        m = q.expect(r"Loading Device Tree to ([0-9a-f]+), end ([0-9a-f]+) \.\.\. OK")
        dtb_start, dtb_end = int(m.group(1), 16), int(m.group(2), 16)
        q.expect(r"Starting kernel \.\.\.")
        q.expect(r"boot: done in \d+ us")
        booted = time.monotonic() - start
        expect_all(q, [r"\[hello\] hello from VM \d+ 'hello'", r"\[ticker\] ticker: tick 2\b",
                       r"\[hog\] hog: \d+ M iterations"])
        guests = time.monotonic() - start
        dump = tmp_path_factory.mktemp("uboot") / "handed.dtb"
        q.child.send("\x01c")  # -nographic's mux: Ctrl-A c switches the terminal to the monitor
        q.expect(r"\(qemu\) ")
        # The file name quoted: unquoted, the monitor reads "SIZE /tmp/..." as a division.
        q.child.sendline(f'pmemsave {dtb_start:#x} {dtb_end + 1 - dtb_start:#x} "{dump}"')
        q.expect(r"\(qemu\) ")
        assert dump.exists(), q.console.getvalue()[-500:]
        return {"console": q.console.getvalue().replace("\r", ""), "booted": booted,
                "guests": guests, "dtb": dump.read_bytes()}
    finally:
        q.close()


def test_uboot_boots_skiff_at_el2(demo_boot):
    console = demo_boot["console"]
    assert re.search(r"Skiff \S+ hypervisor \(board qemu-virt\)", console)
    assert re.search(r"EL +entered at EL2, running at EL2", console)
    assert re.search(r"GIC +GICv3", console)
    assert demo_boot["booted"] < 8, f"U-Boot took {demo_boot['booted']:.1f} s to boot: done"


def test_uboot_verifies_and_loads_each_module(demo_boot):
    """bootm checks each module's hash and copies it to guest-args.py's address for it."""
    console = demo_boot["console"]
    assert re.search(r"Executing script at 40400000\nsha256\+ ", console), \
        "the chosen-modules script ran without its hash checked"
    for addr, _path, bootargs, _size in modules("demo"):
        assert re.search(rf"Trying '{FIT_TOOL.node_name(bootargs)}' loadables subimage\n"
                         rf"(?:     .*\n)*"
                         rf"   Verifying Hash Integrity \.\.\. sha256\+ OK\n"
                         rf"   Loading loadables from 0x[0-9a-f]+ to {addr:#x}\n", console), \
            bootargs


def test_uboot_runs_the_demo_guests(demo_boot):
    console = demo_boot["console"]
    for vm in ("hello", "ticker", "hog"):
        assert re.search(rf"vm \d+ '{vm}' started", console), vm
    assert "parked" not in console
    assert demo_boot["guests"] < 10


def test_uboot_modules_match_guest_loader(demo_boot, tmp_path):
    """The /chosen/module nodes in the DTB U-Boot handed Skiff are byte for byte those QEMU's
    guest-loader writes for the same config (-M ...,dumpdtb=): names, properties, order."""
    args = FIT_TOOL.GUEST_ARGS.guest_args(ROOT / "build" / "dts" / "demo.dtb",
                                          ROOT / "build" / "guests")
    dtb = tmp_path / "guest-loader.dtb"
    machine = virt_machine(extra=f",dumpdtb={dtb}").split()
    subprocess.run([QEMU] + machine + ["-nographic"] + args, cwd=ROOT, check=True,
                   capture_output=True, timeout=30)
    expected = chosen_modules(dtb.read_bytes())
    assert len(expected) == len(modules("demo")) > 1
    assert chosen_modules(demo_boot["dtb"]) == expected


def test_uboot_runs_the_selftest_guest(qemu):
    q = boot(qemu, UB / "test-selftest" / "disk.img", timeout=30)
    expect_uboot_runs_boot_scr(q)
    q.expect(r"Starting kernel \.\.\.")
    m = q.expect(r"TESTS: (\d+) passed, (\d+) failed")
    assert m.group(2) == "0", q.child.before
    assert int(m.group(1)) >= 30
    q.expect(r"vm \d+ 'selftest' exited with code 0")


def corrupt_copy(itb, out, image):
    """Writes @itb to @out with one bit flipped in the middle of the data of FIT image @image.

    A FIT is a device tree (U-Boot doc/usage/fit/source_file_format.rst): the data is the "data"
    property of /images/@image, found in the file by its content, which must occur once."""
    blob = bytearray(itb.read_bytes())
    data = parse_fdt(bytes(blob))["children"]["images"]["children"][image]["props"]["data"]
    start = blob.find(data)
    assert start > 0 and blob.find(data, start + 1) < 0, f"{image}'s data is not unique in {itb}"
    blob[start + len(data) // 2] ^= 0x01
    out.write_bytes(blob)


# What U-Boot says after the hash error, by image: bootm refuses a kernel or a loadable; a bad
# script is refused by `source`, and boot.scr does not reach bootm.
REFUSALS = {
    "skiff": r"ERROR: can't get kernel image!",
    "module-hello": r"Loadable\(s\) is corrupt or invalid",
    "chosen-modules": r"Bad Data Hash",
}


@pytest.mark.parametrize("image", REFUSALS)
def test_uboot_refuses_corrupted_image(qemu, tmp_path, image):
    corrupt_copy(UB / "demo" / "skiff.itb", tmp_path / "skiff.itb", image)
    disk = tmp_path / "disk.img"
    subprocess.run([sys.executable, str(ROOT / "tools" / "mkdisk.py"), str(disk),
                    str(UB / "boot.scr"), str(tmp_path / "skiff.itb")], check=True)
    q = boot(qemu, disk)
    expect_uboot_runs_boot_scr(q)
    q.expect(r"Verifying Hash Integrity \.\.\. sha256 error!|Executing script at 40400000\s+"
             r"sha256 error!")
    q.expect(rf"Bad hash value for 'hash-1' hash node in '{image}' image node")
    q.expect(REFUSALS[image])
    # boot.scr reaches its last line only when nothing was started.
    q.expect(r"Skiff: booting /skiff\.itb from virtio 0:1 failed")
    assert "Starting kernel" not in q.console.getvalue()
