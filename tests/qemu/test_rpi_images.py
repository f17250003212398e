"""What `make sdcard` builds for the Raspberry Pi boards, checked without hardware: the partition
table, the files on the FAT boot partition, skiff.img (a U-Boot legacy multi-file image: its
CRC32 verified and every part equal to what the build made), boot.scr, uboot.env, SHA256SUMS;
the OpenOCD configurations (parsed with the dummy adapter, never `init`); and Skiff's DTB parser
on Debian's real Pi 4 DTB (the rpi4 card's).

Built by `make test` (mk/rpi.mk: rpi-test-files): build/rpi3/sdcard-test-selftest (the card the
U-Boot tests in test_rpi3.py boot) and build/rpi4/sdcard (the demo config).
"""
import hashlib
import os
import re
import struct
import subprocess
import zlib

import pytest

from conftest import ROOT

DEPS = os.path.join(os.environ.get("SKIFF_DEPS", "/opt/skiff-deps"), "rpi")

CARDS = {
    "rpi3": dict(dir=ROOT / "build/rpi3/sdcard-test-selftest", config="test-selftest",
                 firmware=["bootcode.bin", "start.elf", "fixup.dat"], uboot="rpi_3",
                 dtb="bcm2837-rpi-3-b.dtb", dtb_src=ROOT / "build/rpi3/board.dtb",
                 compatible="raspberrypi,3-model-b"),
    "rpi4": dict(dir=ROOT / "build/rpi4/sdcard", config="demo",
                 firmware=["start4.elf", "fixup4.dat"], uboot="rpi_4",
                 dtb="bcm2711-rpi-4-b.dtb", dtb_src=os.path.join(DEPS, "dtbs/bcm2711-rpi-4-b.dtb"),
                 compatible="raspberrypi,4-model-b"),
}
MIB = 1 << 20
MTOOLS_ENV = dict(os.environ, MTOOLS_SKIP_CHECK="1")


@pytest.fixture(scope="module", params=sorted(CARDS))
def card(request, tmp_path_factory):
    """A card's facts, with every file of its FAT partition copied out (mtools) into `files`."""
    c = dict(CARDS[request.param], board=request.param)
    c["img"] = c["dir"] / f"skiff-{c['board']}.img"
    assert c["img"].exists(), f"{c['img']} missing: run make first (make test does)"
    out = tmp_path_factory.mktemp(c["board"])
    listing = subprocess.run(["mdir", "-i", f"{c['img']}@@1M", "-b", "::/"], check=True,
                             capture_output=True, text=True, env=MTOOLS_ENV).stdout
    c["names"] = sorted(line.removeprefix("::/") for line in listing.split())
    subprocess.run(["mcopy", "-i", f"{c['img']}@@1M", "-n",
                    *[f"::/{n}" for n in c["names"]], str(out)], check=True, env=MTOOLS_ENV)
    c["files"] = out
    return c


def test_partition_table(card):
    data = card["img"].read_bytes()
    size = len(data)
    assert size & (size - 1) == 0, "QEMU's SD card model needs a power-of-two size"
    assert data[510:512] == b"\x55\xaa"
    entries = [data[446 + 16 * i:462 + 16 * i] for i in range(4)]
    boot, ptype, start, count = entries[0][0], entries[0][4], *struct.unpack("<II", entries[0][8:])
    assert boot == 0x80 and ptype == 0x0E  # bootable FAT16 (LBA): the Pi boot ROM reads it
    assert start == 2048 and 16 * MIB <= count * 512 and (start + count) * 512 <= size
    assert all(e == bytes(16) for e in entries[1:])
    # The FAT16 boot sector inside the partition.
    fat = data[start * 512:start * 512 + 512]
    assert fat[510:512] == b"\x55\xaa" and fat[54:62] == b"FAT16   "


def test_boot_partition_files(card):
    want = card["firmware"] + ["config.txt", "u-boot.bin", "uboot.env", "boot.scr", "skiff.img",
                               card["dtb"], "SHA256SUMS"]
    assert card["names"] == sorted(want), card["names"]
    for name in card["firmware"]:
        assert (card["files"] / name).read_bytes() == open(os.path.join(DEPS, "firmware", name),
                                                           "rb").read()
    uboot = os.path.join(DEPS, "u-boot", card["uboot"], "u-boot.bin")
    assert (card["files"] / "u-boot.bin").read_bytes() == open(uboot, "rb").read()


def test_config_txt(card):
    lines = {l.strip() for l in (card["files"] / "config.txt").read_text().splitlines()
             if l.strip() and not l.startswith("#")}
    for setting in ["arm_64bit=1", "enable_uart=1", "kernel=u-boot.bin", "enable_jtag_gpio=1",
                    "upstream_kernel=1"]:
        assert setting in lines, setting


def test_sha256sums_match(card):
    sums = (card["files"] / "SHA256SUMS").read_text().split("\n")
    listed = {}
    for line in filter(None, sums):
        digest, name = line.split()
        listed[name] = digest
    assert set(listed) == set(card["names"]) - {"SHA256SUMS"}
    for name, digest in listed.items():
        assert hashlib.sha256((card["files"] / name).read_bytes()).hexdigest() == digest, name


def multi_image_parts(path):
    """The sizes listed by `mkimage -l`, which also checks the header and data CRC32."""
    out = subprocess.run(["mkimage", "-l", str(path)], check=True, capture_output=True,
                         text=True).stdout
    assert "AArch64 Linux Multi-File Image (uncompressed)" in out, out
    return [int(n) for n in re.findall(r"Image \d+: (\d+) Bytes", out)]


def test_skiff_img_verifies_and_holds_the_build(card, tmp_path):
    img = card["files"] / "skiff.img"
    sizes = multi_image_parts(img)
    board_build = ROOT / "build" / card["board"]
    want = [board_build / "skiff.bin", ROOT / "build/dts" / f"{card['config']}.dtb"]
    vms = subprocess.run(["python3", "tools/guest-args.py", str(want[1])], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    want += [ROOT / p for p in re.findall(r"kernel=(build/guests/[\w-]+\.elf)", vms)]
    assert len(sizes) == len(want) >= 3
    for part, path in enumerate(want):
        out = tmp_path / f"part{part}"
        # dumpimage refuses an image whose CRC32 does not match.
        subprocess.run(["dumpimage", "-T", "multi", "-p", str(part), "-o", str(out), str(img)],
                       check=True, capture_output=True)
        assert out.read_bytes() == path.read_bytes(), f"part {part} is not {path}"
        assert sizes[part] == path.stat().st_size


def test_damaged_skiff_img_fails_verification(card, tmp_path):
    data = bytearray((card["files"] / "skiff.img").read_bytes())
    data[len(data) // 2] ^= 1
    bad = tmp_path / "bad.img"
    bad.write_bytes(data)
    r = subprocess.run(["dumpimage", "-T", "multi", "-p", "0", "-o", str(tmp_path / "p"),
                        str(bad)], capture_output=True, text=True)
    assert r.returncode != 0


def test_boot_scr(card, tmp_path):
    scr = card["files"] / "boot.scr"
    out = subprocess.run(["mkimage", "-l", str(scr)], check=True, capture_output=True,
                         text=True).stdout
    assert "AArch64 Linux Script (uncompressed)" in out, out
    subprocess.run(["dumpimage", "-T", "script", "-p", "0", "-o", str(tmp_path / "boot.cmd"),
                    str(scr)], check=True, capture_output=True)
    # A script image is a one-part multi-file image: a size table (length, 0) before the text.
    raw = (tmp_path / "boot.cmd").read_bytes()
    assert struct.unpack(">II", raw[:8]) == (len(raw) - 8, 0)
    text = raw[8:].decode()
    assert text == (card["dir"] / "boot.cmd").read_text()
    assert "@" not in re.sub(r"module@[0-9a-f]+", "", text), "an @NAME@ was left unfilled"
    assert "load ${devtype} ${devnum}:${distro_bootpart} ${skiff_img} ${prefix}skiff.img" in text
    assert f"${{prefix}}{card['dtb']}" in text
    assert "booti 0x200000 - ${skiff_fdt}" in text
    # U-Boot's shell takes an apostrophe inside double quotes for a quote: none may appear.
    code = "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("#"))
    assert "'" not in code
    assert len(re.findall(r"fdt mknode /chosen module@", text)) == len(
        multi_image_parts(card["files"] / "skiff.img")) - 1


def test_uboot_env(card):
    blob = (card["files"] / "uboot.env").read_bytes()
    assert len(blob) == 0x4000  # CONFIG_ENV_SIZE of Debian's rpi builds
    crc, data = struct.unpack("<I", blob[:4])[0], blob[4:]
    assert zlib.crc32(data) == crc
    env = dict(e.split(b"=", 1) for e in data.split(b"\0") if b"=" in e)
    assert env[b"bootdelay"] == b"0"
    assert env[b"preboot"] == b""
    assert env[b"bootcmd"] == b"run distro_bootcmd"


def test_dtb(card):
    dtb = (card["files"] / card["dtb"]).read_bytes()
    assert dtb == open(card["dtb_src"], "rb").read()
    src = subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", "-"], input=dtb, check=True,
                         capture_output=True).stdout.decode()
    assert re.search(rf'^\tcompatible = "{card["compatible"]}\\0', src, re.M), src[:400]


def test_debian_pi4_dtb_parses(tmp_path):
    """Skiff's DTB parser (host unit-test build) on the rpi4 card's DTB, memory filled in as
    the firmware does: GIC-400, mini UART console, timer PPIs, no PSCI."""
    dtb = os.path.join(DEPS, "dtbs/bcm2711-rpi-4-b.dtb")
    prog = ROOT / "build/unit/test_fdt"
    assert prog.exists(), f"{prog} missing: make test-unit builds it"
    r = subprocess.run([str(prog)], env=dict(os.environ, SKIFF_PI4_DTB=dtb), capture_output=True,
                       text=True, timeout=120)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert "[       OK ] test_debian_pi4_dtb" in out, out


# ---- OpenOCD ----

@pytest.mark.parametrize("board", ["rpi3", "rpi4"])
def test_openocd_config_parses(board):
    cfg = ROOT / "boards" / board / "openocd.cfg"
    r = subprocess.run(["openocd", "-c", "adapter driver dummy", "-f", str(cfg), "-c", "shutdown"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("board", ["rpi3", "rpi4"])
def test_openocd_config_parses_after_cmsis_dap(board):
    # The default probe of `make debug-board`: its interface file first, then ours.
    cfg = ROOT / "boards" / board / "openocd.cfg"
    r = subprocess.run(["openocd", "-f", "interface/cmsis-dap.cfg", "-f", str(cfg), "-c",
                        "shutdown"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr


def test_openocd_check_catches_an_error(tmp_path):
    bad = tmp_path / "bad.cfg"
    bad.write_text((ROOT / "boards/rpi4/openocd.cfg").read_text() + "\nno_such_command 1\n")
    r = subprocess.run(["openocd", "-c", "adapter driver dummy", "-f", str(bad), "-c", "shutdown"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert "no_such_command" in r.stdout + r.stderr
