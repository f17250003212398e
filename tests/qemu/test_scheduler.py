"""CPU shares under the proportional-share scheduler, measured deterministically: QEMU runs with
`-icount shift=0,sleep=off` (one instruction = 1 ns of virtual time, the counter never sees the
host), and share guests (tests/guests/share) count iterations of one fixed loop over the same
interval of virtual time, then print
    share: <N> iterations, ran <R> of <T> ticks
N is proportional to the CPU time the VM got; R / T is its share of one CPU, idle time included.
Configs: dts/test-shares.dts (weights 1:2:4), dts/test-cap.dts (cap 25 % next to an uncapped VM),
dts/test-cap-alone.dts (cap 25 % alone).
"""

from vmrun import qemu_command, run_until


def measure(config, nvms):
    """{vm name: (iterations, ran ticks, interval ticks)} once every VM of `config` has exited."""
    con = run_until(qemu_command(config, icount=True), r"^vm \d+ '\S+' exited with code", nvms,
                    timeout=120)
    assert not con.timed_out, con
    assert len(con.grep(r"^vm \d+ '\S+' exited with code 0$")) == nvms, con
    found = con.grep(r"^\[(\S+)\] share: (\d+) iterations, ran (\d+) of (\d+) ticks$")
    assert len(found) == nvms, con
    return {m[1]: (int(m[2]), int(m[3]), int(m[4])) for m in found}


def test_weights_1_2_4_divide_the_cpu_1_2_4():
    counts = {name: n for name, (n, _, _) in measure("test-shares", 3).items()}
    total = sum(counts.values())
    for name, weight in [("w1", 1), ("w2", 2), ("w4", 4)]:
        share, want = counts[name] / total, weight / 7
        assert abs(share - want) <= 0.02 * want, (name, share, want, counts)


def test_cap_25_next_to_an_uncapped_vm():
    got = measure("test-cap", 2)
    (capped, capped_ran, interval), (free, free_ran, _) = got["capped"], got["free"]
    assert abs(capped / (capped + free) - 0.25) <= 0.02, got
    assert abs(capped_ran / interval - 0.25) <= 0.02, got
    assert abs(free_ran / interval - 0.75) <= 0.02, got


def test_cap_25_alone_leaves_the_cpu_idle():
    _, ran, interval = measure("test-cap-alone", 1)["capped"]
    assert abs(ran / interval - 0.25) <= 0.02, (ran, interval)
