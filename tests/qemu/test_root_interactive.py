"""The management shell as an operator meets it on `make run`'s terminal (QEMU's stdio, driven
with pexpect): the prompt after the demo guests are listed, line editing and history, ^C, and
`top` until a key."""
import re
import time

import pexpect
import pytest

from conftest import BUILD
from rootctl import PROMPT, interactive


@pytest.fixture(scope="module", autouse=True)
def needs_root_support():
    image = BUILD / "skiff.bin"
    if not image.exists() or b"root partition: restarting" not in image.read_bytes():
        pytest.skip("the hypervisor image has no root partition support yet")


@pytest.fixture
def shell():
    q = interactive("test-root")
    yield q
    q.close()


def command(q, keys, until=PROMPT):
    """Types `keys`, waits for `until`; returns what came before it."""
    q.child.send(keys)
    q.expect(until)
    return q.child.before


def test_make_run_lands_at_the_prompt_with_the_guests_listed():
    q = interactive("demo")
    try:
        before = q.child.before.replace("\r", "")
        assert "Skiff root partition: vm 0 'root'" in before
        table = before[before.index("Name"):]
        for name in ["root", "hello", "ticker", "hog"]:
            assert re.search(rf"^{name} +\d+ +\d+ +1  running", table, re.M), table
    finally:
        q.close()


def test_editing_keys(shell):
    # "lst", Left, Left, "i" -> "list"
    out = command(shell, "lst\x1b[D\x1b[Di\r")
    assert re.search(r"^root +0 +4096", out.replace("\r", ""), re.M), out
    # Backspace, Home/End and kill keys
    out = command(shell, "infx\x7fo 1\r")
    assert "vm 1 'hello'" in out
    out = command(shell, "junk\x15info 0\r")
    assert "vm 0 'root' (root partition)" in out
    out = command(shell, "1\x1b[Hinfo \x1b[F\r")
    assert "vm 1 'hello'" in out


def test_history_and_cancel(shell):
    command(shell, "info 0\r")
    command(shell, "help pause\r")
    out = command(shell, "\x1b[A\x1b[A\r")  # two back: info 0
    assert "vm 0 'root' (root partition)" in out
    out = command(shell, "pause hel\x03")
    assert "^C" in out
    time.sleep(0.2)
    out = command(shell, "info hello\r")
    assert re.search(r"state +running", out), out  # the cancelled pause did not run


def test_errors_keep_the_shell(shell):
    out = command(shell, "nope\r")
    assert "skiff: unknown command 'nope': type help" in out
    out = command(shell, "destroy\r")
    assert "destroy: usage: destroy <vm>" in out
    out = command(shell, "pause ghost\r")
    assert "pause: no VM named 'ghost' (see list)" in out


def test_top_refreshes_until_a_key(shell):
    shell.child.send("top\r")
    shell.expect(r"skiff top: 2 VMs, 0\.5\d\d s interval, any key quits")
    shell.expect(r"skiff top: 2 VMs, 1\.\d{3} s interval")
    shell.expect(r"hello +running")
    shell.child.send("x")
    shell.expect(PROMPT)
    with pytest.raises(AssertionError):
        shell.expect(r"skiff top:", timeout=1.5)
