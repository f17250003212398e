"""The root partition dies (a stage-2 fault, or an exit) and the hypervisor restarts it: the
other VMs run on, and the new root finds them (VM_LIST) and answers as before."""
import re

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
    h = Headless("test-root")
    yield h
    h.close()


def hello_seconds(text):
    return [int(n) for n in re.findall(r"\[hello\] hello: (\d+) s", text)]


@pytest.mark.parametrize("how, report", [
    ("crash", r"vm 0 'root' parked: .*abort"),
    ("exit", r"vm 0 'root' exited with code 7"),
])
def test_root_restarts_and_guests_run_on(machine, how, report):
    machine.wait_for(r"\[hello\] hello: 1 s")
    before = machine.vms()
    mark = machine.mark()
    r = machine.ctl("debug", how, timeout=3)
    assert r.returncode == 2  # the shell never answers: it is gone
    machine.wait_for(report, after=mark)
    machine.wait_for(r"vm 0 'root' is the root partition: restarting it", after=mark)
    machine.wait_for(r"Skiff root partition: vm 0 'root'\. 3 VMs", after=mark)
    after = machine.vms()  # the new root answers and finds the same VMs
    assert after["hello"]["id"] == before["hello"]["id"]
    assert after["hello"]["cpu_us"] >= before["hello"]["cpu_us"]
    seen = machine.console()[mark:]
    machine.wait_for(rf"\[hello\] hello: {max(hello_seconds(seen)) + 2} s", after=mark)
    secs = hello_seconds(machine.console()[mark:])
    assert secs == list(range(secs[0], secs[0] + len(secs))), secs  # no gap, no restart
    assert "hello from VM" not in machine.console()[mark:]
