"""SMP stress (issue 6) on 4 CPUs, dts/test-smp-stress.dts: three ping-pong pairs whose every
doorbell crosses CPUs run 30,000 round trips each while the root shell creates and destroys VMs
(some destroyed while starting, some after they ran), pauses and unpauses pair members, and a
CPU-bound hog competes. A lost wake-up would stall a pair for good, a lifecycle race would park,
crash or wedge something: every pair must finish with each ping answered, every VM that was let
run must check its memory, and the shell must still answer. Real time (no icount): QEMU runs the
four CPUs in parallel, so the interleavings differ from run to run.
"""
import re

import pytest

from rootctl import Headless

PAIRS = 3
ROUND_TRIPS = 30000
CYCLES = 12


@pytest.fixture(scope="module")
def stress():
    h = Headless("test-smp-stress", smp=4)
    yield h
    h.close()


def churn(h, cycle):
    """One create/destroy cycle: every third VM runs to its roll-call line before it goes.
    Returns the VM's id."""
    vm_id = h.json("create", "churn")["id"]
    if cycle % 3 == 0:
        h.wait_for(rf"roll-call: vm {vm_id} 'churn' here, 256 KiB intact", timeout=30)
    h.ok("destroy", str(vm_id))
    return vm_id


def test_pairs_finish_while_vms_come_and_go(stress):
    h = stress
    ran = []
    for cycle in range(CYCLES):
        vm_id = churn(h, cycle)
        if cycle % 3 == 0:
            ran.append(vm_id)
        member = f"p{cycle % PAIRS}b"
        h.ok("pause", member)
        h.ok("unpause", member)
    for n in range(PAIRS):
        try:
            h.wait_for(rf"\[p{n}a\] bench: done", timeout=240)
        except AssertionError:
            own = [l for l in h.console().splitlines() if re.search(rf"p{n}[ab]", l)]
            raise AssertionError(f"pair {n} did not finish; its lines:\n" + "\n".join(own[-30:])
                                 + "\nvcpu-list:\n" + h.ok("vcpu-list"))
    con = h.console()
    for n in range(PAIRS):
        sent = re.search(rf"\[p{n}a\] bench-pair: a sent (\d+) events\n", con)
        woke = re.search(rf"\[p{n}b\] bench-pair: b woke (\d+) times\n", con)
        assert sent and woke, con[-4000:]
        assert int(sent[1]) == int(woke[1]) >= ROUND_TRIPS, (sent[0], woke[0])
    assert not re.search(r"parked|PANIC|crash|pv: panic|FAIL", con), con[-4000:]
    assert len(re.findall(r"vm \d+ 'churn' destroyed\n", con)) == CYCLES, con[-4000:]
    for vm_id in ran:
        assert re.search(rf"roll-call: vm {vm_id} 'churn' here, 256 KiB intact", con)
    # Everything still answers: the hog runs on, the shell lists every VM.
    vms = h.vms()
    assert vms["hog"]["state"] == "running" and vms["root"]["state"] == "running"
    assert {f"p{n}{r}" for n in range(PAIRS) for r in "ab"} <= set(
        v["name"] for v in h.json("list")["vms"])
