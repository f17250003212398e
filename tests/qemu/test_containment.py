"""Second-level containment: a guest that does nothing forbidden but floods the console
(tests/guests/flood: 200-character lines in a tight loop, each a CONSOLE_WRITE hypercall that
keeps the hypervisor busy driving the UART) must not starve a bystander (dts/test-flood.dts).
The console is read with vmrun.run_until: the flood prints megabytes.
"""
from vmrun import qemu_command, run_until

ROUNDS = 20


def test_console_flood_does_not_starve_a_bystander():
    con = run_until(qemu_command("test-flood"), rf"bystander: round {ROUNDS} ok", timeout=60)
    assert not con.timed_out, con
    rounds = [int(m[1]) for m in con.grep(r"^\[bystander\] bystander: round (\d+) ok$")]
    assert rounds[:ROUNDS] == list(range(1, ROUNDS + 1)), con
    assert not con.grep(r"FAIL|parked|PANIC|pv: "), con

    # The flood really flooded, all along: numbered lines, none lost, some between every two
    # bystander rounds.
    floods = [int(m[1]) for m in con.grep(r"^\[flood\] flood: (\d+) x+$")]
    assert len(floods) >= 10 * ROUNDS, len(floods)
    assert floods == list(range(1, len(floods) + 1))
    marks = [i for i, line in enumerate(con.lines) if "bystander: round" in line][:ROUNDS]
    for a, b in zip(marks, marks[1:]):
        assert any(line.startswith("[flood] flood: ") for line in con.lines[a:b]), (a, b)
