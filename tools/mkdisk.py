#!/usr/bin/env python3
"""Builds a raw disk image: an MBR partition table with one bootable FAT16 partition holding files.

U-Boot's distro boot scans partitions of a partitioned disk (a bare FAT without a table is not
found) and runs /boot.scr from the first bootable one. No sfdisk here: the MBR is written by this
script; mkfs.vfat --offset and mtools' "image@@offset" put the file system inside the partition.

usage: mkdisk.py OUT.img FILE...
"""
import math
import os
import struct
import subprocess
import sys

SECTOR = 512
MIB = 1 << 20
PART_START = 2048  # sectors: the partition starts at 1 MiB, as fdisk aligns it
PART_TYPE = 0x0E  # FAT16 with LBA addressing
MIN_PART_MIB = 16  # FAT16 needs at least 4085 clusters
DISK_ID = 0x534B4946  # "SKIF": the MBR disk signature, fixed rather than random


def chs(lba):
    """The 3-byte CHS form of @lba in the usual 255-head, 63-sector geometry (clamped)."""
    c, rest = divmod(lba, 255 * 63)
    if c > 1023:
        return b"\xfe\xff\xff"
    h, s = divmod(rest, 63)
    return bytes([h, ((c >> 2) & 0xC0) | (s + 1), c & 0xFF])


def mbr(start, count):
    """Master boot record with one bootable partition (UEFI spec 2.10, section 5.2.1)."""
    entry = (b"\x80" + chs(start) + bytes([PART_TYPE]) + chs(start + count - 1) +
             struct.pack("<II", start, count))
    table = entry + bytes(16 * 3)
    return bytes(440) + struct.pack("<IH", DISK_ID, 0) + table + b"\x55\xaa"


def main(argv):
    if len(argv) < 3:
        raise SystemExit(__doc__.strip().splitlines()[-1])
    out, files = argv[1], argv[2:]
    content_mib = sum(os.path.getsize(f) for f in files) / MIB
    part_mib = max(MIN_PART_MIB, math.ceil(2 * content_mib + 1))  # room for FATs and growth
    count = part_mib * MIB // SECTOR
    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(mbr(PART_START, count))
        f.truncate((PART_START + count) * SECTOR)
    subprocess.run(["mkfs.vfat", "-F", "16", "-n", "SKIFF", "--invariant",
                    f"--offset={PART_START}", "-h", str(PART_START), tmp,
                    str(count * SECTOR // 1024)], check=True, stdout=subprocess.DEVNULL)
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    subprocess.run(["mcopy", "-i", f"{tmp}@@{PART_START * SECTOR}", *files, "::/"], check=True,
                   env=env)
    os.replace(tmp, out)


if __name__ == "__main__":
    main(sys.argv)
