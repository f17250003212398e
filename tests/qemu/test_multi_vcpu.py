"""Guests with several vCPUs (issue 6): tests/guests/parallel with four vCPUs on -smp 4, 2 and 1
(dts/test-parallel.dts) runs its guest PSCI, IPI and parallel-computation TESTs, reboots itself
from its last vCPU while all four compute, and exits 0 on its second boot; a guest that storms
CPU_ON, CPU_OFF and IPIs leaves a bystander untouched (dts/test-parallel-storm.dts).
"""
import pytest

from vmrun import qemu_command, run_until


def expected_cpus(con, smp):
    """The physical CPU of each vCPU: the boot log's placement line (one CPU: all on CPU 0)."""
    placed = con.grep(r"^vm \d+ 'parallel' on CPU ([\d,]+)$")
    if smp == 1:
        assert not placed, con
        return [0, 0, 0, 0]
    assert len(placed) == 1, con
    return [int(c) for c in placed[0][1].split(",")]


@pytest.mark.parametrize("smp,gic", [(4, 3), (4, 2), (2, 3), (1, 3)])
def test_parallel_guest(smp, gic):
    con = run_until(qemu_command("test-parallel", smp=smp, gic=gic),
                    r"^vm \d+ 'parallel' exited with code", timeout=120)
    assert not con.timed_out, con
    assert con.grep(r"^\[parallel\] TESTS: 7 passed, 0 failed$"), con
    assert con.grep(r"^\[parallel\] parallel: 17984 primes below 200000: "), con
    assert con.grep(r"^\[parallel\] parallel: rebooting from vCPU 3 with 4 vCPUs running$"), con
    assert con.grep(r"^vm \d+ 'parallel' rebooting$"), con
    assert con.grep(r"^\[parallel\] parallel: boot 2 after a reboot: 17984 primes on 4 vCPUs "
                    r"\(right\)$"), con
    assert con.grep(r"^vm \d+ 'parallel' exited with code 0$"), con
    # Each vCPU's whole line from the heap-and-console test, never two lines mixed.
    for v in range(4):
        assert con.grep(rf"^\[parallel\] parallel: vCPU {v} churned the heap, this line arrives "
                        r"whole$"), con
    # The hypervisor reports each secondary's first start per boot, on an online CPU: where it
    # was placed, or where balancing took it (an idle CPU may pull it as soon as it is runnable,
    # and it stays there across the reboot).
    cpus = expected_cpus(con, smp)
    started = [(int(m[1]), int(m[2]))
               for m in con.grep(r"^vm \d+ 'parallel' vCPU (\d+) started on CPU (\d+)$")]
    assert sorted(v for v, _ in started) == [1, 1, 2, 2, 3, 3], con
    assert all(c < smp for _, c in started), con
    if smp == 4:
        assert cpus == [0, 1, 2, 3], con


def test_cpu_on_storm_leaves_others_alone():
    """storm starts, stops and pokes its vCPUs for 1.5 s (two of them racing to start the same
    one, CPU_ONs of itself, bad targets and entries, IPIs) on 2 CPUs next to a bystander that
    checks its memory and clock every 20 ms: the bystander never misses, the hypervisor logs each
    vCPU's first start only, and the storm ends with its vCPUs off and exits 0."""
    con = run_until(qemu_command("test-parallel-storm", smp=2), r"^vm \d+ 'storm' exited with code",
                    timeout=120)
    assert not con.timed_out, con
    assert con.grep(r"^\[storm\] parallel: storm over: \d+ rounds, \d+ vCPU starts$"), con
    assert con.grep(r"^vm \d+ 'storm' exited with code 0$"), con
    assert len(con.grep(r"^vm \d+ 'storm' vCPU \d started on CPU \d$")) == 3, con
    rounds = con.grep(r"^\[bystander\] bystander: round \d+ ok$")
    assert len(rounds) >= 20, con
    assert not con.grep(r"^\[bystander\] (?!bystander: round \d+ ok$)"), con
    assert not con.grep(r"parked|PANIC|crash"), con
