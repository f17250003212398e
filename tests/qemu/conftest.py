"""pytest fixtures that boot Skiff in real QEMU and talk to its serial console with pexpect.

Every QEMU run is bounded: pexpect waits at most `timeout` seconds for each expected line, and
the process is killed when the test ends.
"""
import os
import pathlib
import re
import shlex
import subprocess

import pexpect
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BOARD = os.environ.get("BOARD", "qemu-virt")
BUILD = ROOT / "build" / BOARD
QEMU = os.environ.get("QEMU", "qemu-system-aarch64")


def virt_machine(gic=3, virtualization=True, extra=""):
    opts = f"virt,gic-version={gic}"
    if virtualization:
        opts += ",virtualization=on"
    return f"-M {opts}{extra} -cpu cortex-a57 -m 1G"


class Qemu:
    """One QEMU process with its serial console on stdio."""

    def __init__(self, args, timeout=20):
        cmd = f"{QEMU} {args} -nographic -no-reboot"
        self.cmd = cmd
        self.child = pexpect.spawn(cmd, cwd=str(ROOT), timeout=timeout, encoding="utf-8",
                                   codec_errors="replace")
        self.log = []

    def expect(self, pattern, timeout=-1):
        try:
            self.child.expect(pattern, timeout=timeout)
        except (pexpect.TIMEOUT, pexpect.EOF) as e:
            raise AssertionError(
                f"did not see {pattern!r}; console so far:\n{self.child.before}") from e
        return self.child.match

    def expect_all(self, patterns, timeout=-1):
        """Waits until every regex in `patterns` has appeared, in any order (independent guests
        print in an order nobody promises); returns the console read meanwhile."""
        seen, console = set(), ""
        while len(seen) < len(patterns):
            self.expect([re.compile(p) for p in patterns], timeout=timeout)
            console += self.child.before + self.child.after
            seen.update(p for p in patterns if re.search(p, console))
        return console

    def wait_exit(self, timeout=20):
        """Waits for QEMU to end (the guest powered off) and returns all remaining output."""
        self.child.expect(pexpect.EOF, timeout=timeout)
        out = self.child.before
        self.child.close()
        return out, self.child.exitstatus

    def close(self):
        if self.child.isalive():
            self.child.terminate(force=True)


@pytest.fixture
def qemu():
    started = []

    def start(args, timeout=20):
        q = Qemu(args, timeout)
        started.append(q)
        return q

    yield start
    for q in started:
        q.close()


@pytest.fixture(scope="session")
def skiff_bin():
    path = BUILD / "skiff.bin"
    assert path.exists(), f"{path} missing: run make first (make test does)"
    return path


def run_cmd(cmd, **kw):
    return subprocess.run(shlex.split(cmd) if isinstance(cmd, str) else cmd, cwd=str(ROOT),
                          check=True, capture_output=True, text=True, **kw)
