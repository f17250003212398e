"""The two-VM benchmark guests (tests/guests/bench-pair) measure what they claim; timings are not
asserted (tools/bench.py reports them). Under the benchmark's icount machine:
- event_send: every timed send found the receiver blocked, so it took the wake-up path: "b" woke
  exactly as many times as "a" sent.
- vm_switch: every ping was answered: "b" woke once per send of "a".
- virtual_ipi_send (dts/bench-ipi.dts, -smp 2): event_send with "a" on CPU 0 and "b" on CPU 1,
  so every wake-up is a kick to the other CPU. QEMU runs the two CPUs in turn under icount, so
  "b" may not have blocked again before the next send: two doorbells then make one wake-up (an
  event port is one pending bit). None is lost: "b" sees the last one (PORT_CTL) and answers.
Both runs end with "bench: done" and both VMs exiting with code 0.
"""
import pytest

from vmrun import qemu_command, run_until


@pytest.mark.parametrize("bench,config,smp", [("event_send", "bench-event-send", 1),
                                              ("vm_switch", "bench-vm-switch", 1),
                                              ("event_send", "bench-ipi", 2)])
def test_bench_pair_sends_and_wakes_match(bench, config, smp):
    con = run_until(qemu_command(config, icount=True, smp=smp), r"^vm \d '[ab]' exited with code",
                    2, timeout=90)
    assert not con.timed_out, con
    assert not con.grep(r"pv: |parked|PANIC"), con
    sent = con.grep(r"^\[a\] bench-pair: a sent (\d+) events$")
    woke = con.grep(r"^\[b\] bench-pair: b woke (\d+) times$")
    assert sent and woke, con
    if smp == 1:
        assert int(sent[0][1]) == int(woke[0][1]) >= 1000
    else:
        assert int(sent[0][1]) >= int(woke[0][1]) >= int(sent[0][1]) * 9 // 10
    assert con.grep(rf"^\[a\] BENCH {bench} \d+ instructions$"), con
    assert con.grep(r"^\[a\] bench: done$")
    assert con.grep(r"^vm 0 'a' exited with code 0$") and con.grep(r"^vm 1 'b' exited with code 0$")
