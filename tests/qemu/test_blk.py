"""The hypervisor's own block device (virtio-blk over virtio-mmio) on QEMU virt.

`skiff.selftest=blk` writes a pattern over 64 requests spread across the disk and reads it back
(hyp/selftest_blk.c). These tests then read the disk file on the host and recompute the same
layout and pattern independently, so a request that went to the wrong sector, or "succeeded"
without reaching the disk, fails here even if the hypervisor's own comparison passed.
"""
import re
import struct

import pytest

from conftest import virt_machine

SECTOR = 512
MIB = 1 << 20

# hyp/selftest_blk.c: SELFTEST_BLK_REQS, SELFTEST_BLK_MAX_SECTORS, SELFTEST_BLK_SEED
REQS = 64
MAX_SECTORS = 8
SEED = 0x5EED0FB10C5
MASK64 = (1 << 64) - 1

LEGACY = ""  # QEMU virt's default transport: virtio-mmio version 1
MODERN = "-global virtio-mmio.force-legacy=false"


def word(sector, w):
    """selftest_blk_word(): word w of sector `sector`."""
    x = ((sector << 6) | w) ^ SEED
    x = (x * 0x9E3779B97F4A7C15) & MASK64
    return x ^ (x >> 29)


def sector_pattern(sector):
    return struct.pack("<64Q", *(word(sector, w) for w in range(SECTOR // 8)))


def layout(capacity):
    """selftest_blk_layout() for every request: (first sector, sector count)."""
    return [((capacity - MAX_SECTORS) * i // (REQS - 1), 1 + i % MAX_SECTORS)
            for i in range(REQS)]


def make_disk(path, size, fill=b"\0"):
    with open(path, "wb") as f:
        f.truncate(size)
        if fill != b"\0":
            f.write(fill * (size // len(fill)))
    return path


def drive(path, name="swap", extra=""):
    return (f"-drive if=none,file={path},format=raw,id={name}{extra} "
            f"-device virtio-blk-device,drive={name}")


def boot(qemu, skiff_bin, drives, gic=3, transport=LEGACY, selftest=True):
    args = f"{virt_machine(gic)} -kernel {skiff_bin} {transport} {drives}"
    if selftest:
        args += " -append skiff.selftest=blk"
    return qemu(args)


def expect_device(q, sectors, version):
    m = q.expect(r"blk: virtio-blk at 0x0a003e00, (\d+) sectors \(([^)]*)\), irq 79, "
                 r"virtio-mmio v(\d)[^\n]*, (\d+) requests in flight(, read-only)?\r*\n")
    assert int(m.group(1)) == sectors
    assert int(m.group(3)) == version
    return m


def expect_pass(q):
    m = q.expect(r"selftest: blk: (PASS|FAIL): (\d+) sectors in 64 requests written and read "
                 r"back, (\d+) mismatched, up to (\d+) in flight, (\d+) problem\(s\)")
    assert m.group(1) == "PASS", q.child.before
    assert int(m.group(4)) > 1, "requests should overlap in flight"
    q.expect(r"boot: done in \d+ us")
    return m


def check_disk(path, capacity):
    """Every written sector holds its pattern; the sectors just around each request are still
    zero (the test disk started empty), so nothing landed off by one."""
    data = open(path, "rb").read()
    assert len(data) >= capacity * SECTOR
    written = set()
    for first, count in layout(capacity):
        for s in range(first, first + count):
            assert data[s * SECTOR:(s + 1) * SECTOR] == sector_pattern(s), f"sector {s}"
            written.add(s)
    for first, count in layout(capacity):
        for s in (first - 1, first + count):
            if 0 <= s < capacity and s not in written:
                assert data[s * SECTOR:(s + 1) * SECTOR] == bytes(SECTOR), f"sector {s}"
    assert (capacity - 1) in written  # the last sector
    return len(written)


@pytest.mark.parametrize("transport,version,gic", [(LEGACY, 1, 3), (MODERN, 2, 2)],
                         ids=["legacy-gicv3", "modern-gicv2"])
def test_patterns_land_at_the_right_offsets(qemu, skiff_bin, tmp_path, transport, version, gic):
    disk = make_disk(tmp_path / "swap.img", 16 * MIB)
    q = boot(qemu, skiff_bin, drive(disk), gic=gic, transport=transport)
    m = expect_device(q, 32768, version)
    assert m.group(2) == "16 MiB"
    assert int(m.group(4)) == 42  # 128 descriptors, 3 per request
    q.expect(r"selftest: blk: 64 requests of 1-8 sectors over 32768 sectors")
    m = expect_pass(q)
    assert int(m.group(3)) == 0 and int(m.group(5)) == 0
    q.close()
    assert check_disk(disk, 32768) == int(m.group(2)) == sum(n for _, n in layout(32768))


def test_no_block_device_boot_continues(qemu, skiff_bin):
    q = boot(qemu, skiff_bin, "")
    q.expect(r"blk: no block device \(no virtio-blk among 32 virtio-mmio transports\)")
    q.expect(r"selftest: blk: no block device")
    q.expect(r"boot: done in \d+ us")
    q.expect(r"timer: EL2 physical timer ticking")


def test_read_only_drive_refuses_writes(qemu, skiff_bin, tmp_path):
    disk = make_disk(tmp_path / "ro.img", 4 * MIB, fill=b"skiff-ro")
    before = open(disk, "rb").read()
    q = boot(qemu, skiff_bin, drive(disk, extra=",readonly=on"))
    m = expect_device(q, 8192, 1)
    assert m.group(5) == ", read-only"
    m = q.expect(r"selftest: blk: (PASS|FAIL): read-only disk: writes refused, (\d+) sectors in "
                 r"64 requests read, up to \d+ in flight, (\d+) problem\(s\)")
    assert m.group(1) == "PASS" and int(m.group(3)) == 0, q.child.before
    q.expect(r"boot: done")
    q.close()
    assert open(disk, "rb").read() == before


def test_odd_sized_disk(qemu, skiff_bin, tmp_path):
    """A file that is not a whole number of sectors (nor of 4 KiB): QEMU rounds the capacity up
    to whole sectors; the last, partial one is usable (the file grows to cover it)."""
    size = 10_000_000
    disk = make_disk(tmp_path / "odd.img", size)
    q = boot(qemu, skiff_bin, drive(disk))
    m = q.expect(r"blk: virtio-blk at 0x0a003e00, (\d+) sectors \((\d+) bytes\)")
    capacity = int(m.group(1))
    assert capacity in (size // SECTOR, -(-size // SECTOR))
    assert int(m.group(2)) == capacity * SECTOR
    expect_pass(q)
    q.close()
    check_disk(disk, capacity)


def test_boot_disk_left_alone_next_disk_used(qemu, skiff_bin, tmp_path):
    """The first disk has a partition table (like make run-uboot's): it is not written; the
    second is used."""
    boot_disk = make_disk(tmp_path / "boot.img", 4 * MIB)
    with open(boot_disk, "r+b") as f:
        f.seek(446 + 4)
        f.write(b"\x0e")  # partition 1: FAT16
        f.seek(510)
        f.write(b"\x55\xaa")
    before = open(boot_disk, "rb").read()
    swap = make_disk(tmp_path / "swap.img", 16 * MIB)
    q = boot(qemu, skiff_bin, drive(boot_disk, "boot") + " " + drive(swap))
    q.expect(r"blk: virtio-blk at 0x0a003e00 not used: its first sector holds a partition table")
    q.expect(r"blk: virtio-blk at 0x0a003c00, 32768 sectors \(16 MiB\), irq 78")
    expect_pass(q)
    q.close()
    assert open(boot_disk, "rb").read() == before
    check_disk(swap, 32768)


def test_boot_without_selftest_only_reports(qemu, skiff_bin, tmp_path):
    """Without the self test the disk is only probed: one read of its first sector."""
    disk = make_disk(tmp_path / "swap.img", 16 * MIB, fill=b"\xa5")
    q = boot(qemu, skiff_bin, drive(disk), selftest=False)
    out = q.expect_all([r"blk: virtio-blk at 0x0a003e00, 32768 sectors", r"boot: done"])
    assert not re.search(r"selftest", out)
    q.close()
    assert open(disk, "rb").read() == b"\xa5" * (16 * MIB)
