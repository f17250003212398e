"""`make bench` harness (tools/bench.py): it boots the real image, reads every figure it is meant
to and writes well-formed results. Figures are never compared with their targets here: timing is
measured by `make bench`, not asserted by tests."""
import importlib.util
import json
import re

from conftest import BOARD, BUILD, QEMU, ROOT


def load_bench():
    spec = importlib.util.spec_from_file_location("bench", ROOT / "tools" / "bench.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_bench_writes_every_figure_as_json(skiff_bin, tmp_path, capsys):
    bench = load_bench()
    out = tmp_path / "results.json"
    assert bench.main(["--board", BOARD, "--qemu", QEMU, "--out", str(out)]) == 0
    results = json.loads(out.read_text())
    assert set(results) == {b.name for b in bench.BENCHES}
    assert {"boot_time", "image_size"} <= set(results)
    for name, r in results.items():
        higher = {"higher_is_better": True} if r.get("higher_is_better") else {}
        assert set(r) == {"value", "unit", "target"} | set(higher), name
        assert isinstance(r["value"], (int, float)) and r["value"] > 0, name
        assert isinstance(r["unit"], str) and r["unit"], name
        assert r["target"] is None or isinstance(r["target"], (int, float)), name
    assert results["boot_time"]["unit"] == "us"
    assert results["image_size"] == {"value": skiff_bin.stat().st_size, "unit": "bytes",
                                     "target": None}
    table = capsys.readouterr().out
    for name in results:
        assert name in table


def test_bench_parses_the_real_console_and_flags_a_missing_figure():
    bench = load_bench()
    ctx = bench.Context(qemu=QEMU, build=BUILD)
    boot = [b for b in bench.BENCHES if b.run == "boot"]
    values, consoles = bench.measure_all(ctx, boot, bench.RUNS)
    console = consoles["boot"]
    for b in boot:
        shown = int(re.search(b.pattern, console).group(1))
        assert values[b.name] == shown, console
    # A run that never prints the figure (e.g. it crashed) is reported, not read as a number.
    assert bench.parse(boot[0], "Skiff 0.1.0 hypervisor\nPANIC (x.c:1): y\n") is None
    results = bench.results_json(boot, {b.name: None for b in boot})
    assert "NOT MEASURED" in bench.table(results)


def test_bench_throughputs_are_minimums():
    bench = load_bench()
    stream = {b.name: b for b in bench.BENCHES if b.run == "stream"}
    assert set(stream) == {"channel_throughput_4k", "channel_throughput_64"}
    assert all(b.higher for b in stream.values())
    b = stream["channel_throughput_64"]
    assert bench.parse(b, "BENCH channel_throughput_64 0.53 bytes/instruction") == 0.53
    assert bench.status(0.53, 0.5, higher=True) == "ok"
    assert bench.status(0.42, 0.5, higher=True) == "UNDER TARGET"
    assert bench.status(2400, 1500) == "OVER TARGET"
