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
