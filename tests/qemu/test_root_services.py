"""The root partition's channel services (docs/channels.md, docs/root.md): heartbeats answered
and shown by `info`, graceful `shutdown` over the SHUTDOWN channel, a burst of a million echo
packets through root with none lost or reordered, guests that corrupt their rings closed with a
message while root carries on, and channels reopened after root restarts."""
import re
import time

import pytest

from conftest import BUILD
from rootctl import Headless


@pytest.fixture(scope="module", autouse=True)
def needs_root_support():
    image = BUILD / "skiff.bin"
    if not image.exists() or b"root partition: restarting" not in image.read_bytes():
        pytest.skip("the hypervisor image has no root partition support yet")


@pytest.fixture
def machine():
    h = Headless("test-root-services")
    yield h
    h.close()


def wait_channels(h, vm, want, timeout=10):
    """Waits until `info vm` lists the channels `want` (guests open them within a second)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = h.json("info", vm)
        if info.get("ok") and set(want) <= set(info["channels"].split()):
            return info
        time.sleep(0.2)
    raise AssertionError(f"{vm} never opened {want}: {info}")


def test_heartbeats_are_answered(machine):
    wait_channels(machine, "hello", ["console", "heartbeat", "shutdown"])
    time.sleep(1.5)
    info = machine.json("info", "hello")
    assert info["heartbeat_age_us"] < 2000000, info
    out = machine.ok("info", "hello")
    assert re.search(r"heartbeat  \d+\.\d{3} s ago \(round trip \d+ us\)", out), out


def test_graceful_shutdown(machine):
    wait_channels(machine, "hello", ["shutdown"])
    mark = machine.mark()
    assert machine.json("shutdown", "hello")["result"] == "asked to shut down"
    machine.wait_for(r"\[hello\] hello: shutting down at the root partition's request", after=mark)
    machine.wait_for(r"vm 1 'hello' exited with code 0", after=mark)
    assert machine.json("list")["vms"][1]["state"] == "exited"


def test_shutdown_without_the_channel(machine):
    wait_channels(machine, "bystander", ["console"])
    r = machine.ctl("shutdown", "bystander")
    assert r.returncode == 1
    assert r.stdout == ("shutdown: vm 2 'bystander' has no shutdown channel open: 'destroy 2' "
                        "stops it at once\n")
    assert machine.json("info", "bystander")["channels"] == "console balloon"


def test_ring_vandals_are_closed_and_root_carries_on(machine):
    for name, why in [("vandal-index", "index out of range"),
                      ("vandal-length", "length beyond what the peer wrote")]:
        machine.wait_for(rf"root: vm \d+ '{name}' broke its echo channel \([^)]*{why}[^)]*\): "
                         r"closed")
        machine.wait_for(rf"\[{name}\] ring-vandal: root closed the channel")
        machine.wait_for(rf"vm \d+ '{name}' exited with code 0")
    assert "FAIL" not in machine.console()
    assert machine.vms()["root"]["state"] == "running"
    assert "parked" not in machine.console()


def test_a_million_echo_packets_in_order(machine):
    answer = machine.json("create", "echo-client")
    assert answer["ok"], answer
    m = machine.wait_for(r"\[echo-client\] echo-client: (\d+) packets of 64 bytes, all back in "
                         r"order", timeout=120)
    assert m.group(1) == "1000000"
    machine.wait_for(r"vm \d+ 'echo-client' exited with code 0")
    assert "echo-client: FAIL" not in machine.console()


def test_big_echo_packets(machine):
    machine.ok("create", "echo-small")
    machine.wait_for(r"\[echo-small\] echo-client: 20000 packets of 1000 bytes, all back in order",
                     timeout=60)


def test_destroying_a_guest_mid_burst(machine):
    machine.ok("create", "echo-client")
    machine.wait_for(r"vm \d+ 'echo-client' created")
    time.sleep(1.5)  # the burst is on
    mark = machine.mark()
    machine.ok("destroy", "echo-client")
    machine.wait_for(r"vm \d+ 'echo-client' destroyed", after=mark)
    assert "echo-client" not in machine.vms()
    assert not re.search(r"'root' (parked|exited)", machine.console())


def test_channel_slots_are_not_leaked(machine):
    """25 guests in turn open their 3 channels and are destroyed: 75 channels come and go and
    root keeps serving. (That each closed channel's id is freed once both ends closed it is
    checked by the hypervisor's unit tests, tests/unit/test_channel.c, and chan-test.)"""
    for i in range(25):
        answer = machine.json("create", "hello2")
        assert answer["ok"], (i, answer)
        info = wait_channels(machine, "hello2", ["console", "heartbeat", "shutdown"])
        assert machine.json("destroy", "hello2")["ok"], i
        assert "hello2" not in machine.vms()
    assert machine.vms()["root"]["state"] == "running"


def test_channels_come_back_after_a_root_restart(machine):
    wait_channels(machine, "hello", ["console", "heartbeat", "shutdown"])
    mark = machine.mark()
    machine.ctl("debug", "crash", timeout=3)
    machine.wait_for(r"vm 0 'root' is the root partition: restarting it", after=mark)
    info = wait_channels(machine, "hello", ["console", "heartbeat", "shutdown"])
    assert info["state"] == "running"
    machine.wait_for(r"\[hello\] hello: \d+ s", after=machine.mark())


def test_echo_across_cpus():
    """-smp 4: root and the echo client on different CPUs, so every doorbell of the million
    packets wakes a vCPU on another CPU; then a client destroyed mid-burst while root serves it
    from its own CPU."""
    h = Headless("test-root-services", smp=4)
    try:
        assert h.json("create", "echo-client")["ok"]
        where = {v["name"]: v["vcpu_list"][0]["cpu"] for v in h.json("vcpu-list")["vms"]}
        assert where["echo-client"] != where["root"], where
        m = h.wait_for(r"\[echo-client\] echo-client: (\d+) packets of 64 bytes, all back in "
                       r"order", timeout=180)
        assert m.group(1) == "1000000"
        h.wait_for(r"vm \d+ 'echo-client' exited with code 0")
        h.ok("create", "echo-client")
        time.sleep(1.5)  # the burst is on
        mark = h.mark()
        h.ok("destroy", "echo-client")
        h.wait_for(r"vm \d+ 'echo-client' destroyed", after=mark)
        assert "echo-client" not in h.vms()
        assert not re.search(r"'root' (parked|exited)|echo-client: FAIL|PANIC", h.console())
    finally:
        h.close()
