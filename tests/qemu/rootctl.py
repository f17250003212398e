"""Booting Skiff with a root partition and driving its management shell from the tests.

Headless: QEMU's serial console is a unix-socket server (as `make run-headless` makes it), every
byte also logged to a file; build/host/skiffctl runs one verb per call over the socket and the
tests read the console log for what the guests and the hypervisor printed. The stdio QEMU of
conftest (pexpect) serves the interactive tests: line editing, top, console attach.
"""
import json
import os
import re
import shutil
import subprocess
import tempfile
import time

from conftest import BUILD, QEMU, ROOT, Qemu, virt_machine

SKIFFCTL = ROOT / "build" / "host" / "skiffctl"
PROMPT = "skiff> "


def guest_args(config):
    return subprocess.run(["python3", "tools/guest-args.py", f"build/dts/{config}.dtb"],
                          cwd=ROOT, check=True, capture_output=True, text=True).stdout.split()


class Headless:
    """One QEMU whose serial console is a unix socket; skiffctl talks to the shell through it."""

    def __init__(self, config, gic=3, smp=1):
        # Unix socket paths are limited to 108 bytes: keep them short, under /tmp.
        self.dir = tempfile.mkdtemp(prefix="skiff-", dir="/tmp")
        self.sock = os.path.join(self.dir, "console.sock")
        self.log = os.path.join(self.dir, "console.log")
        cmd = [QEMU] + virt_machine(gic=gic).split() + ["-smp", str(smp)] + [
            "-display", "none", "-monitor", "none", "-no-reboot", "-chardev",
            f"socket,id=con,path={self.sock},server=on,wait=off,logfile={self.log}",
            "-serial", "chardev:con", "-kernel", str(BUILD / "skiff.bin")] + guest_args(config)
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.ctl("wait", timeout=30)

    def ctl(self, *words, json_out=False, timeout=20):
        """Runs skiffctl: the CompletedProcess (stdout text, returncode 0/1/2)."""
        cmd = [str(SKIFFCTL), "--socket", self.sock, "--timeout", str(timeout)]
        cmd += ["--json"] if json_out else []
        return subprocess.run(cmd + list(words), cwd=ROOT, capture_output=True, text=True,
                              timeout=timeout + 10)

    def ok(self, *words, **kw):
        """Runs a verb that must succeed; returns its output."""
        r = self.ctl(*words, **kw)
        assert r.returncode == 0, f"{words}: {r.returncode}\n{r.stdout}{r.stderr}"
        return r.stdout

    def json(self, *words):
        """Runs a verb with --json; returns the parsed object."""
        r = self.ctl(*words, json_out=True)
        assert r.returncode in (0, 1), f"{words}: {r.returncode}\n{r.stdout}{r.stderr}"
        return json.loads(r.stdout)

    def vms(self):
        """{name: vm} of the live VMs, from `json list`."""
        return {v["name"]: v for v in self.json("list")["vms"] if v["state"] != "exited"}

    def console(self):
        """Everything the console printed so far, '\\r' dropped."""
        with open(self.log, "rb") as f:
            return f.read().decode("utf-8", "replace").replace("\r", "")

    def raw(self):
        """Everything the console printed so far, as it was (control sequences and all)."""
        with open(self.log, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_for(self, pattern, timeout=20, after=0):
        """Waits until the console (from offset `after`) matches; returns the match."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(pattern, self.console()[after:])
            if m:
                return m
            time.sleep(0.1)
        raise AssertionError(f"no {pattern!r} on the console; last lines:\n"
                             + "\n".join(self.console().splitlines()[-30:]))

    def mark(self):
        """The console's length now: pass as `after` to look only at what comes next."""
        return len(self.console())

    def close(self):
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def interactive(config, gic=3, timeout=20):
    """The stdio QEMU of `make run` (pexpect), stopped at the first prompt."""
    q = Qemu(f"{virt_machine(gic=gic)} -kernel {BUILD / 'skiff.bin'} "
             f"{' '.join(guest_args(config))}", timeout=timeout)
    q.expect(PROMPT)
    return q
