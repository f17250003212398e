"""Running Skiff with a VM config and reading its whole console: a helper for the tests that count
lines (256 guests, CPU shares, bad configs, a console flood).

pexpect (conftest.Qemu) re-searches its whole buffer for every expect(), which gets slow when a
guest prints megabytes; run_until() reads the console with select() instead and matches each
complete line once. QEMU keeps running after every VM has exited (the hypervisor idles), so a run
ends when the expected lines have been seen, when QEMU exits, or at the timeout; QEMU is killed
either way.
"""
import os
import re
import select
import shlex
import subprocess
import sys
import time

from conftest import BUILD, QEMU, ROOT, virt_machine

# The deterministic machine of tools/bench.py: one instruction is 1 ns of virtual time.
ICOUNT = "-icount shift=0,sleep=off"


def config_dtb(name):
    """build/dts/<name>.dtb, built by make from dts/<name>.dts (or generated: mk/qemutests.mk)."""
    path = ROOT / "build" / "dts" / f"{name}.dtb"
    assert path.exists(), f"{path} missing: run make first (make test does)"
    return path


def guest_args(config, allow_missing=False, base=None):
    """The -device guest-loader arguments for a config and its images (tools/guest-args.py)."""
    cmd = [sys.executable, "tools/guest-args.py", str(config_dtb(config).relative_to(ROOT))]
    if allow_missing:
        cmd.append("--allow-missing")
    if base is not None:
        cmd += ["--base", hex(base)]
    out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True)
    return out.stdout.strip()


# Images Skiff must reject (mk/qemutests.mk), by the name tests/bad-vms/bad-vms.dts gives them.
BAD_IMAGES = ["not-an-elf", "x86-64", "truncated", "header-only"]
EXTRA_MODULES_BASE = 0x70000000  # above what guest-args.py places for the test configs


def bad_vm_modules():
    """[(path, bootargs)] of the bad images, to load next to a config's good ones."""
    paths = [ROOT / "build" / "bad-vms" / f"{name}.elf" for name in BAD_IMAGES]
    for path in paths:
        assert path.exists(), f"{path} missing: run make first (make test does)"
    return [(path.relative_to(ROOT), name) for path, name in zip(paths, BAD_IMAGES)]


def qemu_command(config, icount=False, gic=3, allow_missing=False, extra_modules=(), ram_mib=None,
                 extra="", smp=1):
    """QEMU booting Skiff with `config` and its images; `extra_modules` ([(path, bootargs)])
    are loaded too, 1 MiB apart from EXTRA_MODULES_BASE (each must be smaller). `ram_mib`: a
    machine with that much RAM instead of 1 GiB (the modules go in its last quarter). `smp`:
    physical CPUs."""
    machine = virt_machine(gic=gic) + f" -smp {smp}" + (f" {ICOUNT}" if icount else "")
    base = None
    if ram_mib is not None:
        machine = machine.replace("-m 1G", f"-m {ram_mib}M")
        base = 0x40000000 + (ram_mib * 3 // 4 << 20)
    modules = " ".join(f"-device guest-loader,addr={EXTRA_MODULES_BASE + (i << 20):#x},"
                     f"kernel={path},bootargs={bootargs}"
                     for i, (path, bootargs) in enumerate(extra_modules))
    return (f"{QEMU} {machine} -nographic -no-reboot -kernel {BUILD / 'skiff.bin'} "
            f"{guest_args(config, allow_missing, base)} {modules} {extra}")


class Console:
    """What a run printed: the text, its lines, and how the run ended."""

    def __init__(self, text, matched, timed_out, seconds):
        self.text = text
        self.lines = text.splitlines()
        self.matched = matched  # the lines that matched `until`, in order
        self.timed_out = timed_out
        self.seconds = seconds

    def grep(self, pattern):
        """re.search match objects of every line matching `pattern`."""
        rx = re.compile(pattern)
        return [m for m in (rx.search(line) for line in self.lines) if m]

    def __repr__(self):  # what pytest shows as an assertion's message
        tail = "\n".join(self.lines[-60:])
        return f"[{len(self.lines)} lines, last 60; timed out: {self.timed_out}]\n{tail}"


def run_until(cmd, until, count=1, timeout=60, stop=r"PANIC|Skiff EL2 crash"):
    """Boots `cmd` and reads its console until `count` lines have matched the regex `until`, a
    line matches `stop`, QEMU exits or `timeout` wall-clock seconds pass. The console returned
    may go on a little past the line that ended the run (the rest of that read)."""
    proc = subprocess.Popen(shlex.split(cmd), cwd=str(ROOT), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    want, halt = re.compile(until), re.compile(stop)
    chunks, matched, partial, timed_out = [], [], b"", True
    start = time.monotonic()
    try:
        while time.monotonic() - start < timeout:
            ready, _, _ = select.select([proc.stdout], [], [], 0.1)
            if not ready:
                continue
            data = os.read(proc.stdout.fileno(), 1 << 16)
            if not data:
                timed_out = False  # QEMU exited
                break
            chunks.append(data)
            *complete, partial = (partial + data).split(b"\n")
            lines = [l.decode("utf-8", "replace").rstrip("\r") for l in complete]
            matched += [l for l in lines if want.search(l)]
            if len(matched) >= count or any(halt.search(l) for l in lines):
                timed_out = False
                break
    finally:
        proc.kill()
        proc.wait()
    text = b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
    # Captured: pytest shows it, whole, under a failing test (an assertion's message is cut).
    print(f"---- console of: {cmd}\n{text}")
    return Console(text, matched, timed_out, time.monotonic() - start)
