"""More children than the root partition has doorbell ports for one per channel: 40 hello VMs
(build/dts/test-many-children.dtb, tools/many-vms.py --root) each open console, heartbeat,
shutdown and balloon channels to root, 160 channels. Root has 56 ports for doorbells; the
hypervisor binds one per child, shared by the child's channels (docs/channels.md), so every child
gets all four and they all work: lines arrive, heartbeats are answered, a graceful shutdown goes through."""
import re
import time

import pytest

from conftest import BUILD
from rootctl import Headless

CHILDREN = 40


@pytest.fixture(scope="module")
def machine():
    dtb = BUILD.parent.parent / "build" / "dts" / "test-many-children.dtb"
    if not dtb.exists():
        pytest.skip(f"{dtb} is not built (make test builds it)")
    h = Headless("test-many-children")
    yield h
    h.close()


def test_every_child_has_all_its_channels(machine):
    deadline = time.monotonic() + 60
    missing = {f"vm{i:03d}" for i in range(CHILDREN)}
    while missing and time.monotonic() < deadline:
        for name in sorted(missing):
            info = machine.json("info", name)
            if info.get("ok") and {"console", "heartbeat", "shutdown", "balloon"} <= set(
                    info["channels"].split()):
                missing.discard(name)
        time.sleep(0.5)
    assert not missing, f"without all their channels: {sorted(missing)}"
    assert not re.search(r"cannot attach|'root' (parked|exited)", machine.console())


def test_the_last_child_is_served(machine):
    last = f"vm{CHILDREN - 1:03d}"
    machine.wait_for(rf"\[{last}\] hello from VM \d+ '{last}'", timeout=30)
    time.sleep(1.5)
    info = machine.json("info", last)
    assert info["heartbeat_age_us"] < 2000000, info
    mark = machine.mark()
    assert machine.json("shutdown", last)["result"] == "asked to shut down"
    machine.wait_for(rf"\[{last}\] {last}: shutting down at the root partition's request",
                     after=mark)
    machine.wait_for(rf"vm \d+ '{last}' exited with code 0", after=mark)
