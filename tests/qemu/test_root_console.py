"""Guests' consoles through the root partition: their lines arrive over CONSOLE channels and are
shown as "[name] text"; `console <vm>` attaches the terminal to one guest (its output raw, the
keys typed go to it) and Ctrl-] comes back."""
import re
import time

import pytest

from conftest import BUILD
from rootctl import PROMPT, Headless, interactive


@pytest.fixture(scope="module", autouse=True)
def needs_channels():
    image = BUILD / "skiff.bin"
    if not image.exists() or b"root partition: restarting" not in image.read_bytes():
        pytest.skip("the hypervisor image has no root partition support yet")


@pytest.fixture
def shell():
    q = interactive("test-root")
    yield q
    q.close()


def attach(q, name, tries=20):
    """`console <name>`, again while the guest has not opened its console channel yet (it looks
    for the offer at most once a second)."""
    for _ in range(tries):
        q.child.send(f"console {name}\r")
        i = q.child.expect([r"\[attached to vm \d+ '" + name + r"': Ctrl-\] returns\]",
                            r"has no console channel open"], timeout=5)
        if i == 0:
            return
        q.expect(PROMPT)
        time.sleep(0.25)
    raise AssertionError(f"{name} never opened its console channel")


def test_guest_lines_come_through_the_console_channel():
    h = Headless("test-root")
    try:
        for _ in range(50):  # guests open the channel with their first line after the offer
            if "console" in h.json("info", "hello")["channels"].split():
                break
            time.sleep(0.2)
        assert "console" in h.json("info", "hello")["channels"].split()
        mark, raw_mark = h.mark(), len(h.raw())
        h.wait_for(r"\[hello\] hello: \d+ s\n(.|\n)*\[hello\] hello: \d+ s", after=mark)
        # Root erases its prompt line, prints the guest's line and redraws the prompt: a guest
        # line never starts after the prompt on the same line. (Before the channel was open, the
        # hypervisor printed the guest's lines itself, wherever the cursor was.)
        assert not re.search(r"skiff> \[hello\]", h.console()[mark:])
        assert re.search(r"\r\x1b\[K\[hello\] hello: \d+ s", h.raw()[raw_mark:])
    finally:
        h.close()


def test_console_attach_type_and_detach(shell):
    attach(shell, "repl")
    shell.child.send("hi there\r")
    shell.expect(r"repl: got 'hi there'")
    assert "[repl]" not in shell.child.before  # raw while attached: no prefix
    shell.child.send("\x1d")
    shell.expect(r"\[detached from vm 2 'repl': Ctrl-\]\]")
    shell.expect(PROMPT)
    shell.child.send("info repl\r")
    shell.expect(r"channels +console")


def test_attached_output_is_raw_and_others_held(shell):
    attach(shell, "hello")
    shell.expect(r"\n(hello: \d+ s)")
    shell.child.send("\x1d")
    shell.expect(r"\[detached from vm 1 'hello'")
    shell.expect(PROMPT)
