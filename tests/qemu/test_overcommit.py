"""Memory overcommit (issue 5): guests promised more RAM than the machine has.

test-overcommit (mk/qemutests.mk): 16 memstress VMs promised 128 MiB each, 2 GiB in all, on a
machine with 256 MiB. Each writes 16 MiB (4,096 pages) whose content repeats every 64 pages, with
one seed for all VMs, sleeps 2 s, checks every page, and does it again with new content. 256 MiB of
writes do not fit: VMs wait for memory while the sharing scanner, on the idle CPU, folds their
identical pages into shared frames; every page must still read back what its VM wrote.
"""
import re

from vmrun import qemu_command, run_until

COUNT = 16


def test_guests_promised_8x_the_machine_keep_every_page():
    con = run_until(qemu_command("test-overcommit", ram_mib=256),
                    r"^\[vm\d{3}\] memstress: vm \d+ done", COUNT, timeout=240)
    assert not con.timed_out, con
    assert not con.grep(r"rejected|parked|FAIL|pv: |PANIC"), con
    started = con.grep(r"^vm \d+ 'vm\d{3}' started: 131072 KiB")
    assert len(started) == COUNT, con
    passes = con.grep(r"^\[vm\d{3}\] memstress: vm (\d+) round (\d) PASS 4096 pages "
                      r"\(resident (\d+) KiB, shared (\d+) KiB\)")
    assert sorted((int(m[1]), int(m[2])) for m in passes) == \
        [(vm, r) for vm in range(COUNT) for r in (1, 2)], con
    # More was written than the machine had free, all VMs alive at once (each round sleeps 2 s
    # after writing): sharing folded their pages, as each VM's round-1 figures show.
    free_mib = int(con.grep(r"^  free  (\d+) MiB in \d+ frames")[0][1])
    assert COUNT * 16 > free_mib, con
    assert sum(int(m[4]) for m in passes if m[2] == "1") > 128 * 1024, con
