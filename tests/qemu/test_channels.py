"""Channels end to end with pv-guest's channel API (tests/guests/chan-test, dts/test-channels.dts):
a privileged chan-test offers ECHO and CONSOLE; a child finds the offers, moves its console onto
the channel (its later lines reach the terminal through root), echoes packets of every size,
pushes a million small packets through and back with none lost or reordered, and corrupts a
ring of its own, which root must close with a message naming it, the other channels unharmed.

Run under `-icount shift=0,sleep=off` (as `make bench` does): the guests never wait for the host,
so the million packets take seconds of host time.
"""
import re
import subprocess

import pytest

from conftest import BUILD, ROOT, Qemu, virt_machine

TESTS = ["chan_offers_listed", "chan_console_through_channel", "chan_echo_open",
         "chan_echo_every_size", "chan_echo_burst", "chan_echo_pingpong", "chan_corrupt_ring_is_closed"]


@pytest.fixture(scope="module", autouse=True)
def needs_channels():
    image = BUILD / "skiff.bin"
    if not image.exists() or b"skiff-config" not in image.read_bytes():
        pytest.skip("the hypervisor image does not load VM configs yet")


def guest_args(config):
    return subprocess.run(["python3", "tools/guest-args.py", f"build/dts/{config}.dtb"],
                          cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()


@pytest.mark.parametrize("smp", [1, 4])
def test_channels_end_to_end(smp):
    """With -smp 4 the two guests sit on two CPUs: every doorbell wakes a vCPU on the other."""
    q = Qemu(f"{virt_machine()} -smp {smp} -icount shift=0,sleep=off "
             f"-kernel {BUILD / 'skiff.bin'} "
             f"{guest_args('test-channels')}", timeout=120)
    try:
        # root prints the child's last lines after reading them, possibly after it exited
        console = q.expect_all([r"TESTS: \d+ passed, \d+ failed",
                                r"vm 1 'chanchild' exited with code 0"])
        m = re.search(r"TESTS: (\d+) passed, (\d+) failed", console)
        results = dict(re.findall(r"TEST (\w+): (PASS|FAIL[^\r\n]*)", console))
        assert results == {t: "PASS" for t in TESTS}, console
        assert m.group(1) == str(len(TESTS)) and m.group(2) == "0", console
        if smp > 1:
            cpus = re.findall(r"vm \d+ '\S+' on CPU (\d+)", console)
            assert len(set(cpus)) == 2, console
        # the console moved onto the channel: root printed the child's lines
        assert re.search(r"chan-root: vm 1: chan-test: this line went through the console "
                         r"channel", console), console
        assert re.search(r"chan-root: vm 1: TEST chan_echo_burst: PASS", console), console
        assert re.search(r"burst of 1000000 packets echoed in order", console), console
        # the corrupted ring: closed by root, which names the child
        assert re.search(r"pv: channel (\d+) \(class 5\): VM 1 broke the ring protocol \(peer's "
                         r"ring index out of range or unaligned\); closing it", console), console
    finally:
        q.close()


def test_one_way_streams_reach_the_sink_whole():
    """dts/bench-channels.dts (make bench's channel_throughput_*): 64 MiB in 4 KiB packets and
    64 MiB in 64-byte packets, sent in batches, all read by the sink in order. The figures are
    printed, not judged (timing belongs to make bench)."""
    q = Qemu(f"{virt_machine()} -icount shift=0,sleep=off -kernel {BUILD / 'skiff.bin'} "
             f"{guest_args('bench-channels')}", timeout=120)
    try:
        console = q.expect_all([r"closed, 16384 packets, 67108864 bytes, 0 out of order",
                                r"closed, 1048576 packets, 67108864 bytes, 0 out of order",
                                r"chan-root: vm 1: bench: done"])
        for name in ["4k", "64"]:
            assert re.search(rf"BENCH channel_throughput_{name} \d+\.\d\d bytes/instruction",
                             console), console
        assert "FAIL" not in console
    finally:
        q.close()
