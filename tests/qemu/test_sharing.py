"""Page sharing across VMs (issue 5): 64 identical guests share their identical pages.

test-sharing (mk/qemutests.mk): 64 memstress VMs with one seed each write the same 128 pages and
sleep 3 s; memwatch, a privileged observer, waits 2 s while the idle CPU's scanner folds them,
then reports how many frames are behind all the pages the 64 VMs touched. Afterwards every VM
checks every page it wrote (copy-on-write must have kept each VM's view intact).
"""
import pytest

from vmrun import qemu_command, run_until

COUNT = 64


# -smp 2: the guests run on both CPUs while the idle one scans (pages compared read-only, one VM
# lock at a time: hyp/vmem_scan.c).
@pytest.mark.parametrize("smp", [1, 2])
def test_64_identical_guests_share_their_pages_and_keep_them(smp):
    con = run_until(qemu_command("test-sharing", icount=True, smp=smp),
                    r"^\[vm\d{3}\] memstress: vm \d+ done", COUNT, timeout=240)
    assert not con.timed_out, con
    assert not con.grep(r"rejected|parked|FAIL|pv: |PANIC"), con
    m = con.grep(r"^memwatch: 64 VMs, (\d+) pages touched, (\d+) frames behind them")
    assert m, con
    pages, frames = int(m[0][1]), int(m[0][2])
    assert pages >= COUNT * 128, con
    # Each VM has a few pages of its own (stack, data, start information); everything else
    # is one frame for all 64.
    assert frames * 5 < pages, (pages, frames)
    passes = con.grep(r"^\[vm\d{3}\] memstress: vm (\d+) round 1 PASS 128 pages")
    assert sorted(int(x[1]) for x in passes) == list(range(1, COUNT + 1)), con
