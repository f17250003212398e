"""U-Boot boot tests: Debian's real U-Boot boots Skiff the way a board is flashed.

U-Boot's distro boot finds boot.scr on the virtio disk's FAT partition; the script loads the FIT
image, bootm checks its sha256 hash and starts Skiff at EL2. The environment in flash sets
bootdelay=0. The disk and flash images come from mk/uboot.mk (`make test` builds them).
"""
import os
import shutil
import struct
import subprocess
import sys
import time

import pytest

from conftest import BUILD, ROOT, virt_machine

UBOOT_BIN = os.environ.get("UBOOT_BIN", "/usr/lib/u-boot/qemu_arm64/u-boot.bin")
UB = BUILD / "uboot"


def uboot_args(disk):
    """The QEMU arguments of `make run-uboot`, with @disk as the virtio disk."""
    return (f"{virt_machine(3)} -bios {UBOOT_BIN} "
            f"-drive if=pflash,format=raw,unit=1,readonly=on,file={UB / 'flash1.img'} "
            f"-drive if=none,file={disk},format=raw,id=d -device virtio-blk-device,drive=d")


@pytest.fixture(scope="module")
def uboot_images():
    for name in ("disk.img", "flash1.img", "skiff.itb", "boot.scr"):
        assert (UB / name).exists(), f"{UB / name} missing: run make first (make test does)"


def expect_uboot_starts_without_delay(q):
    q.expect(r"U-Boot 2023\.01")
    q.expect(r"Loading Environment from Flash\.\.\. OK")
    m = q.expect(r"Hit any key to stop autoboot: +(\d+)")
    assert m.group(1) == "0", f"autoboot counted down from {m.group(1)} s"
    q.expect(r"Found U-Boot script /boot\.scr")
    q.expect(r"Loading kernel from FIT Image at")
    q.expect(r"Using 'conf-1' configuration")
    q.expect(r"Trying 'skiff' kernel subimage")


def test_uboot_boots_fit_from_disk(qemu, uboot_images):
    start = time.monotonic()
    q = qemu(uboot_args(UB / "disk.img"), timeout=10)
    expect_uboot_starts_without_delay(q)
    q.expect(r"Verifying Hash Integrity \.\.\. sha256\+ OK")
    q.expect(r"Starting kernel \.\.\.")
    q.expect(r"Skiff \S+ hypervisor \(board qemu-virt\)")
    q.expect(r"EL +entered at EL2, running at EL2")
    q.expect(r"GIC +GICv3")
    q.expect(r"boot: done in \d+ us")
    elapsed = time.monotonic() - start
    assert elapsed < 8, f"U-Boot took {elapsed:.1f} s to reach Skiff's boot: done"


def corrupt_copy(itb, out):
    """Writes @itb to @out with one byte flipped in the middle of the embedded arm64 Image.

    The Image is found by its header magic "ARM\\x64" at offset 56 (Linux
    Documentation/arch/arm64/booting.rst); the FIT keeps it as the value of a "data" property,
    so the flattened-tree property header before it (token 3, length, name offset; DT spec
    5.4.1) gives its length.
    """
    data = bytearray(itb.read_bytes())
    magic = data.find(b"ARM\x64")
    assert magic >= 56, f"no arm64 Image in {itb}"
    start = magic - 56
    token, length, _ = struct.unpack(">III", data[start - 12:start])
    assert token == 3 and 64 < length <= len(data) - start, f"Image in {itb} is not a property"
    data[start + length // 2] ^= 0x01
    out.write_bytes(data)


def test_uboot_refuses_fit_with_bad_hash(qemu, uboot_images, tmp_path):
    shutil.copy(UB / "boot.scr", tmp_path / "boot.scr")
    corrupt_copy(UB / "skiff.itb", tmp_path / "skiff.itb")
    disk = tmp_path / "disk.img"
    subprocess.run([sys.executable, str(ROOT / "tools" / "mkdisk.py"), str(disk),
                    str(tmp_path / "boot.scr"), str(tmp_path / "skiff.itb")], check=True)
    q = qemu(uboot_args(disk), timeout=10)
    expect_uboot_starts_without_delay(q)
    q.expect(r"Verifying Hash Integrity \.\.\. sha256 error!")
    q.expect(r"Bad hash value for 'hash-1' hash node in 'skiff' image node")
    q.expect(r"ERROR: can't get kernel image!")
    # boot.scr reaches its next line only when bootm returned without starting the image.
    q.expect(r"Skiff: booting /skiff\.itb from virtio 0:1 failed")
