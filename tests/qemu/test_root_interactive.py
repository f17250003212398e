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


def command(q, keys, until):
    """Types `keys`, waits for the pattern `until` (guests' lines and prompt redraws may come
    first) and then the prompt; returns the matched text."""
    q.child.send(keys)
    q.expect(until)
    text = q.child.after
    q.expect(PROMPT)
    return text


def test_make_run_lands_at_the_prompt_with_the_guests_listed():
    q = interactive("demo")
    try:
        before = q.child.before.replace("\r", "")
        assert "Skiff root partition: vm 0 'root'" in before
        table = before[before.index("Name"):]
        for name in ["root", "hello", "ticker", "hog"]:
            assert re.search(rf"^{name} +\d+ +\d+ +\d+ +1 +\d +running", table, re.M), table
    finally:
        q.close()


def test_editing_keys(shell):
    command(shell, "lst\x1b[D\x1b[Di\r", r"root +0 +4096")  # "lst", Left, Left, "i"
    command(shell, "infx\x7fo 1\r", r"vm 1 'hello'\s+state")  # Backspace
    command(shell, "junk\x15info 0\r", r"vm 0 'root' \(root partition\)")  # ^U
    command(shell, "1\x1b[Hinfo \x1b[F\r", r"vm 1 'hello'\s+state")  # Home, End


def test_history_and_cancel(shell):
    command(shell, "info 0\r", r"vm 0 'root' \(root partition\)")
    command(shell, "help pause\r", r"pause <vm> +stop scheduling a VM")
    command(shell, "\x1b[A\x1b[A\r", r"vm 0 'root' \(root partition\)")  # two back: info 0
    command(shell, "pause hel\x03", r"\^C")
    command(shell, "info hello\r", r"state +running")  # the cancelled pause did not run


def test_errors_keep_the_shell(shell):
    command(shell, "nope\r", r"skiff: unknown command 'nope': type help")
    command(shell, "destroy\r", r"destroy: usage: destroy <vm>")
    command(shell, "pause ghost\r", r"pause: no VM named 'ghost' \(see list\)")


def test_top_refreshes_until_a_key(shell):
    shell.child.send("top\r")
    shell.expect(r"skiff top: 3 VMs, 0\.5\d\d s interval, any key quits")
    shell.expect(r"skiff top: 3 VMs, 1\.\d{3} s interval")
    shell.expect(r"hello +running")
    shell.child.send("x")
    shell.expect(PROMPT)
    with pytest.raises(AssertionError):
        shell.expect(r"skiff top:", timeout=1.5)


def test_hypervisor_message_never_lands_in_a_half_typed_line(shell):
    """The root partition takes the hypervisor's output (LOG_TAKE): a guest parked while the
    operator types appears on a line of its own, the prompt and the half-typed line come back
    after it, and the line still runs."""
    vm = re.search(r"\d+", command(shell, "create bad-later\r", r"vm \d+ 'bad-later' created"))
    shell.child.send("lis")  # bad-later reads outside its RAM two seconds after it starts
    shell.expect(r"parked: [^\r\n]*\r*\n\r*skiff> lis\x1b\[K", timeout=15)
    raw = shell.child.before + shell.child.after
    # erased first: the message starts a line, nothing of the prompt before it
    assert re.search(rf"\r\x1b\[Kvm {vm.group(0)} 'bad-later' parked: data abort", raw), \
        repr(raw[-300:])
    shell.child.send("t\r")
    shell.expect(rf"bad-later +{vm.group(0)} +2048 +\d+ +1 +- +parked")
    shell.expect(PROMPT)
