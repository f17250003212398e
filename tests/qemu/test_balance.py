"""Load balancing and pinning on two CPUs (issue 6), dts/test-balance.dts: three CPU-bound guests
of weights 1, 1 and 2. Placement alone puts one light guest with the heavy one (the root partition
counted while it starts); balancing then moves a light one over, so that the heavy guest runs
alone on one CPU and the two light ones share the other, each getting CPU time in proportion to
its weight. Placement is read through the root shell (`vcpu-list --json`, VM_LIST), which is
deterministic where CPU time under QEMU is not. Pinning moves vCPUs at once, running or not, and
balancing works around the pins.
"""
import time

import pytest

from rootctl import Headless

SPINNERS = ("light1", "light2", "heavy")


@pytest.fixture(scope="module")
def machine():
    h = Headless("test-balance", smp=2)
    yield h
    h.close()


def placement(h):
    """{name: (cpu, state, affinity)} of the spinners' vCPU 0, from vcpu-list --json."""
    vms = {v["name"]: v["vcpu_list"][0] for v in h.json("vcpu-list")["vms"]}
    return {n: (vms[n].get("cpu"), vms[n]["state"], vms[n]["affinity"]) for n in SPINNERS}


def settle(h, want, timeout=30):
    """Polls placement until want(p) holds three reads in a row; returns the last placement."""
    deadline, good, p = time.monotonic() + timeout, 0, None
    while time.monotonic() < deadline and good < 3:
        p = placement(h)
        good = good + 1 if want(p) else 0
        time.sleep(0.2)
    assert good == 3, p
    return p


def heavy_alone(p):
    cpu = {n: p[n][0] for n in SPINNERS}
    return cpu["light1"] == cpu["light2"] != cpu["heavy"]


def test_weights_1_1_2_balance_to_2_and_1_1(machine):
    p = settle(machine, heavy_alone)
    assert {p[n][0] for n in SPINNERS} == {0, 1}, p
    assert all(p[n][2] == "all" for n in SPINNERS), p


def test_pinning_moves_a_running_vcpu_and_balancing_works_around_it(machine):
    h = machine
    light_cpu = placement(h)["light1"][0]
    # heavy runs alone on the other CPU: pinned to the light ones' CPU, it must leave its own
    # (running there, its registers live there) and the light ones then move away from it.
    h.ok("vcpu-pin", "heavy", "all", str(light_cpu))
    p = settle(h, lambda p: p["heavy"][0] == light_cpu and p["light1"][0] == p["light2"][0]
               != light_cpu)
    assert p["heavy"][2] == str(light_cpu), p
    # Back to any CPU: nothing needs to move (balanced as it is).
    h.ok("vcpu-pin", "heavy", "all", "all")
    p = settle(h, heavy_alone)
    assert p["heavy"][0] == light_cpu and p["heavy"][2] == "all", p


def test_pin_to_an_offline_cpu_is_refused(machine):
    r = machine.ctl("vcpu-pin", "heavy", "all", "3")
    assert r.returncode != 0, r.stdout
    assert placement(machine)["heavy"][2] == "all"


def test_everything_still_runs(machine):
    con = machine.console()
    for n in SPINNERS:
        assert f"[{n}] spin: IRQs masked, looping forever" in con, con[-3000:]
    assert "parked" not in con and "PANIC" not in con, con[-3000:]
    assert machine.vms()["root"]["state"] == "running"


def test_four_cpus_take_one_spinner_each():
    """-smp 4: the three spinners end up on three different CPUs (balancing or placement)."""
    h = Headless("test-balance", smp=4)
    try:
        p = settle(h, lambda p: len({p[n][0] for n in SPINNERS}) == 3)
        assert all(p[n][2] == "all" for n in SPINNERS), p
    finally:
        h.close()
