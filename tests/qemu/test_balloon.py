"""Ballooning through the root partition (issue 5): `mem-set` sends a VM's memory target over
its BALLOON channel, the guest's balloon inflates or deflates to it and reports back; `info`,
`list`, `mem` and `top` show it, and the guests (memstress, keep=1: pages written once, checked
every 100 ms) still read back every page (docs/root.md "Memory", docs/channels.md "Balloon")."""
import re

import pytest

from rootctl import Headless

PASS = r"\[ms1\] memstress: vm 1 round (\d+) PASS 1024 pages"


@pytest.fixture(scope="module")
def vms():
    h = Headless("test-balloon")
    h.wait_for(r"\[ms2\] memstress: vm 2 round 1 PASS")
    yield h
    h.close()


def rounds_after(h, mark, n=2):
    """Waits for n more PASS rounds of ms1 after console offset `mark`."""
    for _ in range(n):
        m = h.wait_for(PASS, after=mark)
        mark += m.end()
    return mark


def test_mem_set_inflates_and_deflates_and_every_page_survives(vms):
    out = vms.ok("mem-set", "ms1", "16M")
    m = re.fullmatch(r"vm 1 'ms1' memory target 16384 KiB: balloon 49152 KiB, guest free "
                     r"(\d+) KiB\n", out)
    assert m, out
    info = vms.ok("info", "ms1")
    m = re.search(r"memory +65536 KiB promised: (\d+) resident, \d+ shared, (\d+) ballooned", info)
    assert m and int(m[2]) >= 49152 and int(m[1]) < 16384, info  # the scratch frames went
    assert "balloon    target 16384 KiB (mem-set), holds 49152 KiB" in info, info
    listed = vms.json("list")["vms"]
    ms1 = next(v for v in listed if v["name"] == "ms1")
    assert ms1["ballooned_kib"] >= 49152 and ms1["resident_kib"] < 16384, ms1
    assert re.search(r"^ms1 +1 +65536 +\d+ +1 +\d +running", vms.ok("list"), re.M)
    assert re.search(r"^balloons   49152 KiB held by 1 VM; \d+ KiB", vms.ok("mem"), re.M)
    mark = rounds_after(vms, vms.mark())
    out = vms.ok("mem-set", "ms1", "64M")
    assert re.fullmatch(r"vm 1 'ms1' memory target 65536 KiB: balloon 0 KiB, guest free \d+ "
                        r"KiB\n", out), out
    assert "balloon    target 65536 KiB (none set), holds 0 KiB" in vms.ok("info", "ms1")
    rounds_after(vms, mark)
    assert not re.search(r"FAIL|pv: |parked", vms.console()), vms.console()[-3000:]


def test_a_target_the_heap_cannot_reach_says_so(vms):
    answer = vms.json("mem-set", "ms2", "1M")
    assert answer["ok"] and answer["answered"] and not answer["reached"], answer
    assert answer["target_kib"] == 1024 and answer["balloon_kib"] > 16384, answer
    assert vms.json("mem-set", "ms2", "32M")["balloon_kib"] == 0
    rounds_after(vms, vms.mark())


@pytest.mark.parametrize("words, line", [
    (["mem-set", "ghost", "1M"], "mem-set: no VM named 'ghost' (see list)"),
    (["mem-set", "ms1", "lots"], "mem-set: bad size 'lots': bytes, or a number with K, M or G "
                                 "(64M)"),
    (["mem-set", "ms1", "1.5G"], "mem-set: bad size '1.5G': bytes, or a number with K, M or G "
                                 "(64M)"),
    (["mem-set", "ms1", "65M"], "mem-set: vm 1 'ms1' was promised 65536 KiB: the target "
                                "cannot be more"),
    (["mem-set", "root", "1M"], "mem-set: vm 0 'root' has no balloon channel open"),
    (["mem-set", "ms1"], "mem-set: usage: mem-set <vm> <size>"),
    (["mem", "x"], "mem: usage: mem "),
])
def test_bad_mem_set_arguments_are_one_clear_line(vms, words, line):
    r = vms.ctl(*words)
    assert r.returncode == 1, r
    assert r.stdout.splitlines() == [line.rstrip()] or r.stdout == line + "\n", r.stdout
    answer = vms.json(*words)
    assert answer == {"ok": False, "verb": words[0], "error": line.split(": ", 1)[1]}


def test_skiffctl_mem_and_mem_set_json(vms):
    mem = vms.json("mem")
    assert mem["ok"] and mem["verb"] == "mem", mem
    assert mem["total_kib"] == 1 << 20 and 0 < mem["free_kib"] < mem["total_kib"], mem
    assert {"shared_frames_kib", "shared_pages_kib", "zero_pages_kib", "swap_total_kib",
            "swap_used_kib", "balloons_kib", "ballooned_kib"} <= set(mem), mem
    answer = vms.json("mem-set", "ms2", "24M")
    assert answer["ok"] and answer["name"] == "ms2" and answer["balloon_kib"] == 8192, answer
    info = vms.json("info", "ms2")
    assert info["balloon"] == {"target_kib": 24576, "target_by": "mem-set", "balloon_kib": 8192,
                               "free_kib": info["balloon"]["free_kib"]}, info
    top = vms.json("top")
    ms2 = next(v for v in top["vms"] if v["name"] == "ms2")
    assert {"resident_kib", "shared_kib", "swapped_kib"} <= set(ms2), ms2
    assert vms.json("mem-set", "ms2", "32M")["balloon_kib"] == 0
