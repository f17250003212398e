#!/usr/bin/python3
"""Deterministic measurements of Skiff (`make bench`).

Every timed figure comes from one QEMU line with `-icount shift=0,sleep=off`: one guest instruction
is exactly 1 ns of virtual time and the counter cannot see wall-clock time, so a figure is
identical from run to run on any host (docs: /work/shared/FACTS.md, "Deterministic timing"). Times
are therefore *virtual* microseconds. Static figures (image size) are read from build outputs.

A benchmark is one entry in BENCHES: a name, a unit, a target (None: no target, just recorded) and
how to get the value, either a regex over the console of a QEMU run or a function of the build.
Several entries may share a run; each distinct run boots QEMU once. To add a guest benchmark
(hypercall cost, ...), add a Run that boots the guest and an entry whose regex reads the figure
the guest prints. A Run's `vms` names a VM config (build/dts/<vms>.dtb): its guests are loaded as
boot modules (tools/guest-args.py), and the run usually stops on the guest's "bench: done" (QEMU
keeps running after every VM has exited).

Guest benchmarks (instructions per operation, docs/pv-guest.md "Measuring"):
  hypercall_roundtrip, hvc_floor  tests/guests/bench, dts/bench.dts: twin loops, one VM
  s2_demand_zero_fault,           the same guest: a store to each of 2,048 untouched pages, then
  s2_cow_fault                    to 2,048 identical pages the scanner shared (twin: no store)
  event_send                      tests/guests/bench-pair, dts/bench-event-send.dts: the sender's
                                  cost of a doorbell that wakes a blocked VM, without the switch
  vm_switch                       tests/guests/bench-pair, dts/bench-vm-switch.dts: ping-pong,
                                  half a round trip, a full-path figure (nothing subtracted)
  virtual_ipi_send                the event_send pair pinned to CPUs 0 and 1 (dts/bench-ipi.dts,
                                  -smp 2): the send wakes a vCPU on another CPU and kicks it
  smp_scaling_2cpu                tests/guests/share x2, dts/bench-scaling.dts: work per wall
                                  second on -smp 2 over -smp 1, no icount, median of 5 pairs
  channel_roundtrip               tests/guests/chan-test, dts/test-channels.dts: 64-byte request,
                                  echo by a privileged chan-test, reply (pv_chan_call)
  channel_throughput_4k, _64      tests/guests/chan-stream, dts/bench-channels.dts: 64 MiB one
                                  way in 4 KiB / 64-byte packets to a sink that reads each packet;
                                  payload bytes / instructions, both VMs' work on the one CPU

A figure is a cost (lower is better: instructions, us, bytes) unless its Bench says
higher=True (a throughput: target is the least acceptable value). Figures are integers, or numbers
with two decimals for the throughputs.

Output: a table on stdout and build/bench/results.json as
    {"<name>": {"value": N, "unit": "...", "target": N or null}, ...}
Exit status 1 when a figure could not be measured; missing a target is reported, not an error
(timing is never asserted by tests).

Run with Debian's /usr/bin/python3 (no third-party modules are needed).
"""
import argparse
import dataclasses
import importlib.util
import json
import os
import pathlib
import re
import select
import shlex
import subprocess
import sys
import time
from typing import Callable, Optional

ROOT = pathlib.Path(__file__).resolve().parents[1]

# The deterministic machine: the same for every timed benchmark, so figures compare.
BENCH_MACHINE = ("-M virt,virtualization=on,gic-version=3 -cpu cortex-a57 -smp 1 "
                 "-icount shift=0,sleep=off -m 1G")


@dataclasses.dataclass(frozen=True)
class Run:
    """One QEMU boot. It ends when every pattern read from it has matched, when `stop` matches
    (the guest finished or crashed), when QEMU exits, or after `timeout` wall-clock seconds."""
    key: str
    args: str  # after the machine line; {bin}/{elf} expand to the built image paths
    stop: str = r"PANIC|Skiff EL2 crash|skiff: stopping the machine"
    timeout: float = 30.0
    vms: Optional[str] = None  # VM config build/dts/<vms>.dtb whose guests boot as modules
    ram_mib: Optional[int] = None  # a smaller machine than BENCH_MACHINE's 1 GiB (modules in
    #                                its last quarter)
    swap_mib: Optional[int] = None  # a fresh swap disk (build/bench/swap.img) of this size
    icount: bool = True  # False: real time (device time is real, so not deterministic)
    smp: int = 1  # physical CPUs


@dataclasses.dataclass(frozen=True)
class Bench:
    name: str
    unit: str
    target: Optional[float]
    run: Optional[str] = None  # key of a Run whose console holds the figure ...
    pattern: Optional[str] = None  # ... as group 1 of this regex
    measure: Optional[Callable[["Context"], float]] = None  # or computed from the build
    higher: bool = False  # a throughput: the target is a minimum
    compute: Optional[Callable[[str], Optional[float]]] = None  # figure from the whole console
    #                                                              (pattern: when it is complete)


@dataclasses.dataclass
class Context:
    qemu: str
    build: pathlib.Path
    timeout_scale: float = 1.0


def overcommit_ratio(console):
    """RAM promised to the VMs / the machine's RAM, if every memstress VM verified every page of
    every round (None otherwise)."""
    ram = sum(int(m) for m in re.findall(r"^  RAM   \S+ \((\d+) MiB\)", console, re.M))
    promised = [int(k) for k in re.findall(r"^vm \d+ '\S+' started: (\d+) KiB", console, re.M)]
    done = re.findall(r"memstress: vm \d+ done", console)
    if not ram or not promised or len(done) != len(promised) or re.search(r"FAIL", console):
        return None
    return round(sum(promised) / 1024 / ram, 2)


SCALING_ROUNDS = 5
# Figures taken in real time (no icount): reported, never compared across --repeat rounds.
REAL_TIME = {"swap_in", "smp_scaling_2cpu"}


def scaling_2cpu(ctx):
    """Guest work per wall second of two CPU-bound guests on 2 CPUs over the same on 1 CPU
    (dts/bench-scaling.dts, no icount): the median of SCALING_ROUNDS paired boots, the two
    machines alternating so that host load drifts alike for both. None if a run failed."""
    ratios = []
    for _ in range(SCALING_ROUNDS):
        work = {}
        for smp in (1, 2):
            run = Run(f"scaling{smp}", "-kernel {bin}", stop=r"PANIC|Skiff EL2 crash|pv: panic",
                      vms="bench-scaling", icount=False, smp=smp, timeout=60)
            pattern = r"share: (\d+) iterations"
            text = run_qemu(ctx, run, [pattern + r"(?s:.*)" + pattern])
            counts = [int(n) for n in re.findall(pattern, text)]
            if len(counts) != 2:
                return None
            work[smp] = sum(counts)
        ratios.append(work[2] / work[1])
    return round(sorted(ratios)[len(ratios) // 2], 2)


def image_size(ctx):
    return (ctx.build / "skiff.bin").stat().st_size


# A guest run ends at its "bench: done" line, or early on a crash or a guest's panic.
GUEST_STOP = r"bench: done|PANIC|Skiff EL2 crash|pv: panic|pv: synchronous exception|parked: "

RUNS = [
    Run("boot", "-kernel {bin}"),
    Run("hvc", "-kernel {bin}", stop=GUEST_STOP, vms="bench"),
    Run("event_send", "-kernel {bin}", stop=GUEST_STOP, vms="bench-event-send"),
    Run("vm_switch", "-kernel {bin}", stop=GUEST_STOP, vms="bench-vm-switch"),
    # Issue 6: the event_send pair pinned to two CPUs, so each doorbell kicks the other CPU.
    Run("virtual_ipi", "-kernel {bin}", stop=GUEST_STOP, vms="bench-ipi", smp=2),
    # 64 identical memstress VMs and memwatch (mk/qemutests.mk, tests/qemu/test_sharing.py).
    Run("sharing", "-kernel {bin}", vms="test-sharing"),
    # 16 memstress VMs promised 128 MiB each on 256 MiB, a swap disk attached (test-overcommit).
    Run("overcommit", "-kernel {bin}", stop=r"FAIL|PANIC|Skiff EL2 crash|pv: panic|parked: ",
        vms="test-overcommit", ram_mib=256, swap_mib=256, timeout=120),
    # Reading pages back from swap: real time (see tests/guests/bench), so reported, not compared.
    Run("swap", "-kernel {bin}", stop=GUEST_STOP, vms="bench-swap", ram_mib=64, swap_mib=256,
        icount=False, timeout=120),
    # The channel test pair (tests/guests/chan-test): its child times 64-byte round trips.
    Run("channels", "-kernel {bin}", stop=r"TESTS: \d+ passed|PANIC|Skiff EL2 crash|pv: panic",
        vms="test-channels"),
    # One way through a channel to a sink (tests/guests/chan-stream).
    Run("stream", "-kernel {bin}", stop=GUEST_STOP + r"|chan-stream: FAIL", vms="bench-channels"),
]

BENCHES = [
    # Hypervisor start: reset to the end of boot_main's steps (CNTPCT since reset, so QEMU's
    # own boot stub is included; it is a handful of instructions).
    Bench("boot_time", "us", 2000, run="boot", pattern=r"boot: done in (\d+) us"),
    Bench("image_size", "bytes", None, measure=image_size),
    # Targets and references: issue 3 (Xen 4.17 on the same QEMU line: hypercall 416, HVC floor
    # 367, event channel send 1076).
    Bench("hypercall_roundtrip", "instructions", 100, run="hvc",
          pattern=r"BENCH hypercall_roundtrip (\d+) instructions"),
    Bench("hvc_floor", "instructions", 60, run="hvc",
          pattern=r"BENCH hvc_floor (\d+) instructions"),
    Bench("event_send", "instructions", 300, run="event_send",
          pattern=r"BENCH event_send (\d+) instructions"),
    Bench("vm_switch", "instructions", 500, run="vm_switch",
          pattern=r"BENCH vm_switch (\d+) instructions"),
    # Issue 6 (ISCA'16, full IPI on hardware: Xen 5,978 / KVM 11,557 cycles): the sender's cost
    # of a doorbell to a vCPU blocked on another CPU: the wake-up there and the SGI.
    Bench("virtual_ipi_send", "instructions", 300, run="virtual_ipi",
          pattern=r"BENCH event_send (\d+) instructions"),
    # Issue 6: parallel speed-up in wall time (no icount; report: this host has 2 noisy cores).
    Bench("smp_scaling_2cpu", "x (wall time)", None, measure=scaling_2cpu, higher=True),
    # Issue 4 (KVM exit to a userspace device model and back: 5,753): guest request -> root-side
    # echo -> reply, 64-byte packets with doorbells, under icount so ns = instructions.
    Bench("channel_roundtrip", "instructions", 1500, run="channels",
          pattern=r"round trips of 64 bytes, (\d+) ns each \(pv_chan_call\)"),
    # Issue 4: one way, sustained (memcpy is the limit for 4 KiB packets).
    Bench("channel_throughput_4k", "bytes/instruction", 2, run="stream", higher=True,
          pattern=r"BENCH channel_throughput_4k (\d+\.\d+) bytes/instruction"),
    Bench("channel_throughput_64", "bytes/instruction", 0.5, run="stream", higher=True,
          pattern=r"BENCH channel_throughput_64 (\d+\.\d+) bytes/instruction"),
    # Issue 5: stage-2 faults of guest RAM, measured by the bench guest after the hypercalls:
    # a store to a page never touched, and a store to a page folded into a shared frame.
    Bench("s2_demand_zero_fault", "instructions", 1500, run="hvc",
          pattern=r"BENCH s2_demand_zero_fault (\d+) instructions"),
    Bench("s2_cow_fault", "instructions", 2500, run="hvc",
          pattern=r"BENCH s2_cow_fault (\d+) instructions"),
    Bench("balloon_inflate", "MiB/ms", 64, run="hvc", higher=True,
          pattern=r"BENCH balloon_inflate (\d+) MiB/ms"),
    # 64 identical guests (build/dts/test-sharing.dtb): memwatch, a privileged observer, reports
    # the frames behind the pages they touched once the idle CPU's scanner has folded them.
    Bench("sharing_reclaim", "%", 90, run="sharing", higher=True,
          pattern=r"BENCH sharing_reclaim (\d+\.\d) %"),
    # Microseconds per 4 KiB page read back from the virtio-blk swap disk (no icount: report).
    Bench("swap_in", "us (real time)", None, run="swap", pattern=r"BENCH swap_in (\d+) us"),
    # Promised / physical with every page verified (16 x 128 MiB on 256 MiB).
    Bench("overcommit_ratio", "x", 8, run="overcommit", higher=True, compute=overcommit_ratio,
          pattern=r"(?:memstress: vm \d+ done[\s\S]*){16}"),
]


def vm_config_args(config, ram_mib=None):
    """The -device guest-loader arguments for build/dts/<config>.dtb (tools/guest-args.py);
    with `ram_mib`, placed in the last quarter of that much RAM."""
    spec = importlib.util.spec_from_file_location("guest_args", ROOT / "tools" / "guest-args.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    where = {}
    if ram_mib:
        where = dict(base=0x40000000 + (ram_mib * 3 // 4 << 20),
                     ram_end=0x40000000 + (ram_mib << 20))
    return " ".join(module.guest_args(str(ROOT / "build" / "dts" / f"{config}.dtb"),
                                      guests_dir=str(ROOT / "build" / "guests"), **where))


def qemu_command(ctx, run):
    args = run.args.format(bin=ctx.build / "skiff.bin", elf=ctx.build / "skiff.elf")
    machine = BENCH_MACHINE
    if run.ram_mib:
        machine = machine.replace("-m 1G", f"-m {run.ram_mib}M")
    if not run.icount:
        machine = machine.replace(" -icount shift=0,sleep=off", "")
    machine = machine.replace("-smp 1", f"-smp {run.smp}")
    if run.vms:
        args += " " + vm_config_args(run.vms, run.ram_mib)
    if run.swap_mib:
        disk = ROOT / "build" / "bench" / "swap.img"
        disk.parent.mkdir(parents=True, exist_ok=True)
        with open(disk, "wb") as f:  # fresh: blank, so Skiff labels it and swaps to it
            f.truncate(run.swap_mib << 20)
        args += (f" -drive if=none,file={disk},format=raw,id=swap"
                 f" -device virtio-blk-device,drive=swap")
    return f"{ctx.qemu} {machine} -nographic -no-reboot {args}"


def run_qemu(ctx, run, patterns):
    """Boots QEMU for `run` and returns its console output, read until every regex in `patterns`
    has matched or the run stops; QEMU is killed either way."""
    cmd = qemu_command(ctx, run)
    proc = subprocess.Popen(shlex.split(cmd), cwd=str(ROOT), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = b""
    deadline = time.monotonic() + run.timeout * ctx.timeout_scale
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stdout], [], [], 0.1)
            if ready:
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    break  # QEMU exited
                out += chunk
            text = out.decode("utf-8", "replace")
            if all(re.search(p, text) for p in patterns) or re.search(run.stop, text):
                break
        else:
            out += f"\n[bench: run '{run.key}' timed out after {run.timeout}s]\n".encode()
    finally:
        proc.kill()
        proc.wait()
    return out.decode("utf-8", "replace")


def parse(bench, console):
    """The figure `bench` reads from a run's console, or None when the console lacks it."""
    m = re.search(bench.pattern, console)
    if not m:
        return None
    return float(m.group(1)) if "." in m.group(1) else int(m.group(1))


def measure_all(ctx, benches, runs):
    """Returns ({name: value or None}, {run key: console}) for `benches`, one boot per run."""
    by_key = {r.key: r for r in runs}
    consoles = {}
    for key in dict.fromkeys(b.run for b in benches if b.run):
        patterns = [b.pattern for b in benches if b.run == key]
        consoles[key] = run_qemu(ctx, by_key[key], patterns)
    values = {}
    for b in benches:
        values[b.name] = (b.measure(ctx) if b.measure else
                          b.compute(consoles[b.run]) if b.compute else parse(b, consoles[b.run]))
    return values, consoles


def results_json(benches, values):
    return {b.name: {"value": values[b.name], "unit": b.unit, "target": b.target,
                     **({"higher_is_better": True} if b.higher else {})}
            for b in benches}


def status(value, target, higher=False):
    if value is None:
        return "NOT MEASURED"
    if target is None:
        return "-"
    if higher:
        return "ok" if value >= target else "UNDER TARGET"
    return "ok" if value <= target else "OVER TARGET"


def table(results):
    rows = [("benchmark", "value", "unit", "target", "status")]
    for name, r in results.items():
        rows.append((name, "-" if r["value"] is None else f"{r['value']:,}", r["unit"],
                     "-" if r["target"] is None else f"{r['target']:,}",
                     status(r["value"], r["target"], r.get("higher_is_better", False))))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.rjust(w) if i in (1, 3) else c.ljust(w)
                       for i, (c, w) in enumerate(zip(row, widths))).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--board", default=os.environ.get("BOARD", "qemu-virt"))
    ap.add_argument("--qemu", default=os.environ.get("QEMU", "qemu-system-aarch64"))
    ap.add_argument("--out", default=str(ROOT / "build" / "bench" / "results.json"))
    ap.add_argument("--only", action="append", metavar="NAME", help="run only these benchmarks")
    ap.add_argument("--repeat", type=int, default=1,
                    help="measure N times and fail if any figure differs (determinism check)")
    ap.add_argument("--console", action="store_true", help="print each run's console")
    args = ap.parse_args(argv)

    ctx = Context(qemu=args.qemu, build=ROOT / "build" / args.board)
    benches = [b for b in BENCHES if not args.only or b.name in args.only]
    if not benches:
        ap.error(f"no benchmark named {args.only}; known: {[b.name for b in BENCHES]}")

    rounds = []
    for _ in range(args.repeat):
        values, consoles = measure_all(ctx, benches, RUNS)
        rounds.append(values)
        if args.console:
            for key, text in consoles.items():
                print(f"---- console of run '{key}' ----\n{text}")
    results = results_json(benches, rounds[0])
    print(table(results))

    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"bench: wrote {out}")

    failed = [n for n, r in results.items() if r["value"] is None]
    if failed:
        print(f"bench: not measured: {', '.join(failed)} (rerun with --console)", file=sys.stderr)
    varying = [n for n in results if len({v[n] for v in rounds}) > 1 and n not in REAL_TIME]
    if varying:
        for n in varying:
            print(f"bench: {n} is not deterministic: {[v[n] for v in rounds]}", file=sys.stderr)
    elif args.repeat > 1:
        print(f"bench: all figures identical over {args.repeat} runs")
    return 1 if failed or varying else 0


if __name__ == "__main__":
    sys.exit(main())
