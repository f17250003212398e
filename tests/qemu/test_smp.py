"""Several physical CPUs (issue 6) on QEMU virt with -smp 2 and -smp 4, GICv3 and GICv2: every
CPU the DTB lists is started with PSCI CPU_ON and reports from itself; guests then run.
"""
import pytest

from vmrun import qemu_command, run_until


@pytest.mark.parametrize("smp,gic", [(2, 3), (4, 3), (4, 2)])
def test_every_cpu_comes_up_and_reports(smp, gic):
    con = run_until(qemu_command("test-selftest", gic=gic, smp=smp),
                    r"^vm \d+ 'selftest' exited with code", timeout=60)
    assert not con.timed_out, con
    for i in range(1, smp):
        assert con.grep(rf"^cpu {i}: online, MPIDR 0x{i:x}, GICv{gic}$"), con
    assert con.grep(rf"^smp: {smp} of {smp} CPU\(s\) online$"), con
    assert con.grep(r"\[selftest\] TESTS: \d+ passed, 0 failed"), con
    assert con.grep(r"^vm \d+ 'selftest' exited with code 0$"), con


def test_cpu_bound_guests_spread_and_pinned_ones_stay():
    """dts/test-smp.dts on 4 CPUs: s0..s3 go one per CPU; p0 and p1 are pinned to CPU 2, though
    CPUs 0, 1 and 3 have fewer vCPUs. All six CPU-bound guests finish. Placement is what is
    checked, not time: without icount the host's two cores decide how fast each QEMU CPU goes,
    and under icount QEMU runs its CPUs in turn (tools/bench.py measures smp figures)."""
    con = run_until(qemu_command("test-smp", smp=4), r"^vm \d+ '\S+' exited with code", 6,
                    timeout=120)
    assert not con.timed_out, con
    placed = {m[1]: int(m[2]) for m in con.grep(r"^vm \d+ '(\S+)' on CPU (\d+)$")}
    assert sorted(placed[f"s{i}"] for i in range(4)) == [0, 1, 2, 3], placed
    assert placed["p0"] == placed["p1"] == 2, placed
    assert len(con.grep(r"^\[\S+\] share: \d+ iterations, ran \d+ of \d+ ticks$")) == 6, con
    assert len(con.grep(r"^vm \d+ '\S+' exited with code 0$")) == 6, con
