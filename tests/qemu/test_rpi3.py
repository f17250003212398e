"""Raspberry Pi 3 under QEMU -M raspi3b: no GIC (the BCM2836 local controller routes the timers),
no PSCI (semihosting ends the run), the mini UART as console (QEMU's second serial port).

Direct: QEMU -kernel starts Skiff at EL2 with the board's own DTB (-dtb; raspi3b makes none),
the boot modules written into it by tools/boot-modules.py and copied by -device loader.
Through U-Boot: Debian's rpi_3 U-Boot as -kernel, the SD image from `make sdcard` as the card;
its boot.scr unpacks skiff.img (CRC32-checked) and adds the module nodes.
Wrong combinations end with one clear line. `make test` builds everything used here
(mk/rpi.mk: rpi-test-files) and tools/setup-rpi.sh fetched U-Boot before any test runs.
"""
import os
import re
import shutil
import subprocess
import time

import pytest

from conftest import ROOT, run_cmd, virt_machine

RPI3 = ROOT / "build" / "rpi3"
VIRT = ROOT / "build" / "qemu-virt"
SD = RPI3 / "sdcard-test-selftest"
UBOOT = os.environ.get("UBOOT_RPI3", os.path.join(
    os.environ.get("SKIFF_DEPS", "/opt/skiff-deps"), "rpi/u-boot/rpi_3/u-boot.bin"))

SEMIHOSTING = "-semihosting-config enable=on,target=native"
# The console is the mini UART, QEMU's second serial port; the PL011 (first) goes nowhere.
MACHINE = "-M raspi3b -serial null -serial mon:stdio"


def module_args(config):
    return (RPI3 / "vms" / f"{config}.args").read_text().strip()


def boot_direct(qemu, dtb, extra="", semihosting=True, timeout=30):
    return qemu(f"{MACHINE} {SEMIHOSTING if semihosting else ''} -kernel {RPI3 / 'skiff.bin'} "
                f"-dtb {dtb} {extra}", timeout)


def expect_banner(q):
    q.expect(r"Skiff \S+ hypervisor \(board rpi3\)")


def expect_selftest_passes(q):
    m = q.expect(r"TESTS: (\d+) passed, (\d+) failed")
    console = q.child.before
    assert m.group(2) == "0", console
    assert int(m.group(1)) >= 30
    assert "FAIL" not in console
    q.expect(r"vm \d+ 'selftest' exited with code 0")


@pytest.fixture(scope="module", autouse=True)
def rpi3_files():
    for f in (RPI3 / "skiff.bin", RPI3 / "board.dtb", RPI3 / "vms" / "test-selftest.dtb",
              RPI3 / "vms" / "demo.dtb", SD / "skiff-rpi3.img"):
        assert f.exists(), f"{f} missing: run make first (make test does)"


# ---- Direct boot ----

def test_boots_at_el2_with_local_intc_timer(qemu):
    q = boot_direct(qemu, RPI3 / "board.dtb")
    expect_banner(q)
    q.expect(r"model Raspberry Pi 3 Model B \(raspberrypi,3-model-b\)")
    q.expect(r"EL +entered at EL2, running at EL2")
    q.expect(r"CPU +Cortex-A53 \S+ \(MIDR 0x[0-9a-f]+\), 4 CPU\(s\) in DTB, counter 62500000 Hz")
    q.expect(r"GIC +BCM2836 local \(no GIC\), timer INTID 2, "
             r"UART brcm,bcm2835-aux-uart at 0x3f215040")
    m = q.expect(r"RAM +0x0000000000-0x003bffffff \((\d+) MiB\)")
    assert int(m.group(1)) == 960  # 1 GiB less the VideoCore's 64 MiB
    q.expect(r"free +\d+ MiB in \d+ frames; no PSCI")
    q.expect(r"boot: done in \d+ us")
    # Three ticks of CNTHP through the local controller's core 0 timer interrupt.
    q.expect(r"timer: EL2 physical timer ticking at 1000 Hz \(3 ticks")
    # Released from QEMU's spin loop into Skiff's secondary entry, each reports from itself.
    q.expect_all([rf"cpu {i}: online, MPIDR 0x{i}, BCM2836 local" for i in (1, 2, 3)])
    q.expect(r"smp: 4 of 4 CPU\(s\) online")
    q.expect(r"vms: no VM config module")


def test_selftest_guest_passes(qemu):
    # Guest timers and events (HCR_EL2.VI, CNTV through the local controller) without a GIC.
    q = boot_direct(qemu, RPI3 / "vms" / "test-selftest.dtb", module_args("test-selftest"))
    expect_banner(q)
    q.expect(r"vm 0 'selftest' started")
    expect_selftest_passes(q)


def test_demo_guests_run_side_by_side(qemu):
    q = boot_direct(qemu, RPI3 / "vms" / "demo.dtb", module_args("demo"), timeout=60)
    q.expect(r"hello from VM \d+ 'hello'")
    q.expect(r"hello: 2 s")
    console = q.child.before
    for line in [r"ticker: tick 2\b", r"hello: 1 s"]:
        assert re.search(line, console), line


def test_root_shell_reads_the_mini_uart(qemu):
    # Console input interrupts: the mini UART -> BCM2835 controller (bank 1, line 29) -> the
    # local controller's GPU input -> Skiff -> SKIFF_EV_CONSOLE for the root partition.
    q = boot_direct(qemu, RPI3 / "vms" / "demo.dtb", module_args("demo"))
    q.expect(r"Name +ID")  # root lists the VMs by itself once
    q.expect(r"skiff> ")
    q.child.send("list\r")
    q.expect(r"Name +ID")
    q.expect(r"hello +1 +2048 +\d+ +1 +\d +running")


# ---- Wrong combinations ----

WRONG = "skiff: wrong device tree: its root compatible does not match this board's build"


def test_el1_entry_refused(qemu):
    q = boot_direct(qemu, RPI3 / "board.dtb", "-global cortex-a53-arm-cpu.has_el2=off")
    expect_banner(q)
    q.expect(r"entered at EL1, but a hypervisor needs EL2")
    out, status = q.wait_exit()
    assert "skiff: stopping the machine" in out
    assert status == 0  # semihosting works from EL1 too


NO_DTB = "skiff: cannot use the device tree: DTB header invalid (FDT_ERR_BADMAGIC)"


def test_no_dtb_refused_and_semihosting_exits(qemu):
    # raspi3b without -dtb: x0 holds no DTB. The board's UART says what is wrong, and with no
    # PSCI, semihosting SYS_EXIT ends QEMU.
    q = qemu(f"{MACHINE} {SEMIHOSTING} -kernel {RPI3 / 'skiff.bin'}")
    expect_banner(q)
    q.expect(re.escape(NO_DTB))
    out, status = q.wait_exit()
    assert "skiff: stopping the machine" in out
    assert "power-off unavailable" not in out
    assert status == 0  # SYS_EXIT, ADP_Stopped_ApplicationExit, status 0


def test_without_semihosting_the_cpu_halts(qemu):
    # As on a Pi 3 with no debugger: the semihosting HLT traps, is stepped over, the CPU halts.
    q = qemu(f"{MACHINE} -kernel {RPI3 / 'skiff.bin'}")
    q.expect(re.escape(NO_DTB))
    q.expect(r"skiff: stopping the machine")
    q.expect(r"skiff: power-off unavailable; halting this CPU")


@pytest.fixture(scope="module")
def virt_dtb(tmp_path_factory):
    d = tmp_path_factory.mktemp("virt")
    run_cmd(f"qemu-system-aarch64 {virt_machine(3, extra=f',dumpdtb={d}/virt.dtb')} -nographic")
    run_cmd(f"dtc -q -I dtb -O dtb -o {d}/packed.dtb {d}/virt.dtb")
    return d / "packed.dtb"


def test_dtb_of_another_board_refused(qemu, virt_dtb):
    # The rpi3 build given QEMU virt's DTB: the DTB's UART (a PL011 at 0x09000000) is RAM here,
    # so the message also goes to the board's mini UART, which answers.
    q = boot_direct(qemu, virt_dtb)
    expect_banner(q)
    q.expect(re.escape(WRONG + ' (BOARD=rpi3): the DTB is for "linux,dummy-virt"'))
    out, status = q.wait_exit()
    assert status == 0


def test_qemu_virt_build_on_a_pi3_refused(qemu):
    # The other way round: the message reaches the mini UART the DTB names.
    q = qemu(f"{MACHINE} -kernel {VIRT / 'skiff.bin'} -dtb {RPI3 / 'board.dtb'}")
    q.expect(r"Skiff \S+ hypervisor \(board qemu-virt\)")
    q.expect(re.escape(WRONG + ' (BOARD=qemu-virt): the DTB is for "raspberrypi,3-model-b"'))
    q.expect(r"skiff: power-off unavailable; halting this CPU")  # no PSCI on a Pi 3


def test_rpi3_build_on_qemu_virt_refused(qemu):
    # The Pi's mini UART address does not answer on virt (the probe sees the abort): nothing is
    # printed until the DTB's PL011 takes over; the DTB's PSCI powers off.
    q = qemu(f"{virt_machine(3)} -kernel {RPI3 / 'skiff.bin'}")
    expect_banner(q)
    q.expect(re.escape(WRONG + ' (BOARD=rpi3): the DTB is for "linux,dummy-virt"'))
    out, status = q.wait_exit()
    assert status == 0


def test_missing_boot_module_reported(qemu, tmp_path):
    # The config names the selftest image, but no module node describes it.
    src = run_cmd(f"dtc -q -I dtb -O dts {RPI3 / 'vms' / 'test-selftest.dtb'}").stdout
    edited = re.sub(r"\n\t\tmodule@10100000 \{.*?\n\t\t\};\n", "\n", src, flags=re.S)
    assert edited != src
    (tmp_path / "m.dts").write_text(edited)
    run_cmd(f"dtc -q -I dts -O dtb -o {tmp_path / 'm.dtb'} {tmp_path / 'm.dts'}")
    q = boot_direct(qemu, tmp_path / "m.dtb", module_args("test-selftest"))
    q.expect(r"vm 'selftest' rejected: its image is not among the boot modules")


# ---- Through U-Boot and the SD card ----

def boot_uboot(qemu, card, extra="", timeout=20):
    # snapshot=on: U-Boot could write its environment to the card; the built image stays as is.
    return qemu(f"{MACHINE} {SEMIHOSTING} -kernel {UBOOT} {extra} "
                f"-drive if=sd,file={card},format=raw,snapshot=on", timeout)


def expect_uboot_runs_boot_scr(q):
    q.expect(r"U-Boot 2023\.01")
    q.expect(r"RPI 3 Model B")
    q.expect(r"Loading Environment from FAT\.\.\. OK")  # uboot.env on the card
    m = q.expect(r"Hit any key to stop autoboot: +(\d+)")
    assert m.group(1) == "0", f"autoboot counted down from {m.group(1)} s"
    q.expect(r"Found U-Boot script /boot\.scr")
    q.expect(r"Skiff: loading /skiff\.img from mmc 0:1")


def test_uboot_boots_sd_image(qemu):
    assert os.path.exists(UBOOT), f"{UBOOT} missing: tools/setup-rpi.sh fetches it"
    start = time.monotonic()
    q = boot_uboot(qemu, SD / "skiff-rpi3.img")
    expect_uboot_runs_boot_scr(q)
    q.expect(r"AArch64 Linux Multi-File Image")
    q.expect(r"Verifying Checksum \.\.\. OK")
    q.expect(r"Skiff: no DTB from the firmware, loading /bcm2837-rpi-3-b\.dtb")
    q.expect(r"Starting kernel \.\.\.")
    expect_banner(q)
    q.expect(r"EL +entered at EL2, running at EL2")
    q.expect(r"GIC +BCM2836 local \(no GIC\)")
    elapsed = time.monotonic() - start
    expect_selftest_passes(q)
    assert elapsed < 10, f"U-Boot took {elapsed:.1f} s to start Skiff"


def test_uboot_uses_the_firmware_dtb(qemu):
    # On a real Pi the firmware loads bcm2837-rpi-3-b.dtb and hands it to U-Boot in x0; QEMU's
    # -dtb does the same here, and the script copies it where the module nodes fit.
    q = boot_uboot(qemu, SD / "skiff-rpi3.img", f"-dtb {RPI3 / 'board.dtb'}")
    expect_uboot_runs_boot_scr(q)
    q.expect(r"Skiff: using the DTB from the firmware at 8000000")
    expect_banner(q)
    q.expect(r"vm 0 'selftest' started")
    q.expect(r"\[selftest\] TEST \w+: PASS")


def test_uboot_refuses_damaged_image(qemu, tmp_path):
    card = tmp_path / "card.img"
    shutil.copy(SD / "skiff-rpi3.img", card)
    img = tmp_path / "skiff.img"
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    subprocess.run(["mcopy", "-i", f"{card}@@1M", "::/skiff.img", str(img)], check=True, env=env)
    data = bytearray(img.read_bytes())
    data[len(data) // 2] ^= 0x01  # inside the data the header's CRC32 covers
    img.write_bytes(data)
    subprocess.run(["mcopy", "-o", "-i", f"{card}@@1M", str(img), "::/skiff.img"], check=True,
                   env=env)
    q = boot_uboot(qemu, card)
    expect_uboot_runs_boot_scr(q)
    q.expect(r"Bad Data CRC")
    q.expect(r"Skiff: not booting /skiff\.img from mmc 0:1: /skiff\.img is damaged")
