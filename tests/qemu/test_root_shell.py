"""The management shell in the root partition, driven over the console socket by skiffctl: the
demo config (root + hello, ticker, hog) is listed, each verb does its job, and every bad command
gets exactly one clear line (docs/root.md)."""
import re
import time

import pytest

from conftest import BUILD
from rootctl import Headless


@pytest.fixture(scope="module", autouse=True)
def needs_root_support():
    image = BUILD / "skiff.bin"
    if not image.exists() or b"root partition: restarting" not in image.read_bytes():
        pytest.skip("the hypervisor image has no root partition support yet")


@pytest.fixture(scope="module")
def demo():
    h = Headless("demo")
    yield h
    h.close()


def test_list_shows_the_demo_guests(demo):
    out = demo.ok("list")
    lines = out.splitlines()
    assert re.match(r"Name +ID +Mem\(KiB\) +RSS\(KiB\) +VCPUs +CPU +State +Time\(s\)$", lines[0])
    for vm_id, name, kib in [(0, "root", 4096), (1, "hello", 2048), (2, "ticker", 2048),
                             (3, "hog", 2048)]:
        m = re.search(rf"^{name} +{vm_id} +{kib} +(\d+) +1 +\d +running +\d+\.\d{{3}}$", out, re.M)
        assert m and 0 < int(m[1]) <= kib, out


def test_list_json(demo):
    answer = demo.json("list")
    assert answer["ok"] and answer["verb"] == "list"
    by_name = {v["name"]: v for v in answer["vms"]}
    assert set(by_name) >= {"root", "hello", "ticker", "hog"}
    assert by_name["root"]["privileged"] and not by_name["hello"]["privileged"]
    assert by_name["hello"]["memory_kib"] == 2048 and by_name["root"]["memory_kib"] == 4096
    assert by_name["root"]["weight"] == 1024
    assert all(v["cpu_us"] > 0 for v in answer["vms"])


def test_cpu_time_grows(demo):
    before = demo.vms()["hog"]["cpu_us"]
    time.sleep(0.5)
    assert demo.vms()["hog"]["cpu_us"] > before + 100000


@pytest.mark.parametrize("words, line", [
    (["frobnicate"], "skiff: unknown command 'frobnicate': type help"),
    (["pause"], "pause: usage: pause <vm>"),
    (["pause", "a", "b"], "pause: usage: pause <vm>"),
    (["info", "nosuchvm"], "info: no VM named 'nosuchvm' (see list)"),
    (["destroy", "42"], "destroy: no VM with id 42 (see list)"),
    (["unpause", "hello"], "unpause: vm 1 'hello' is running, not paused"),
    (["create", "nothing"], "create: no VM named 'nothing' in the boot config"),
    (["create", "hello"], "create: a VM named 'hello' exists and has not exited: destroy it "
                          "first"),
    (["destroy", "root"], "destroy: vm 0 'root' is the root partition running this shell "
                          "('debug crash' restarts it)"),
    (["console", "hello"], "console: console is interactive: use it at the skiff> prompt"),
    (["top", "-n", "x"], "top: -n wants a number of frames above 0, not 'x'"),
    (["log", "-1"], "log: N must be a number of lines above 0, not '-1'"),
    (["debug", "nothing"], "debug: usage: debug crash|exit|stats"),
])
def test_errors_are_one_clear_line(demo, words, line):
    r = demo.ctl(*words)
    assert r.returncode == 1, r
    assert r.stdout.splitlines() == [line]
    answer = demo.json(*words)
    assert answer == {"ok": False, "verb": answer["verb"], "error": line.split(": ", 1)[1]}


def test_help_lists_every_verb(demo):
    out = demo.ok("help")
    for verb in ["list", "info", "create", "pause", "unpause", "shutdown", "reboot", "destroy",
                 "console", "mem-set", "mem", "top", "log", "help"]:
        assert re.search(rf"^  {verb}\b", out, re.M), verb
    assert demo.json("help")["verbs"][:3] == ["list", "info", "create"]


def test_info(demo):
    out = demo.ok("info", "ticker")
    assert re.match(r"vm 2 'ticker'\n  state      running\n  memory     2048 KiB promised: \d+ "
                    r"resident, \d+ shared, 0 ballooned, 0 swapped, \d+ untouched\n"
                    r"  balloon    (target 2048 KiB \(none set\), holds 0 KiB|no status yet)", out), out
    assert "  weight     256\n  cap        none\n" in out
    root = demo.json("info", "0")
    assert root["name"] == "root" and root["privileged"]


def test_log_has_the_hypervisor_messages(demo):
    out = demo.ok("log", "400")
    assert re.search(r"^vm 1 'hello' started: 2048 KiB", out, re.M), out
    lines = demo.json("log", "400")["lines"]
    assert any(l.startswith("vm 3 'hog' started") for l in lines)


def test_top_samples(demo):
    out = demo.ok("top", "-n", "2", timeout=20)
    frames = out.split("skiff top: ")
    assert len(frames) == 3, out
    hog = re.search(r"^ +3 hog +running +(\d+)\.\d", frames[2], re.M)
    assert hog and int(hog.group(1)) > 20, out  # the CPU hog gets a good share
    answer = demo.json("top")
    assert 900000 < answer["interval_us"] < 1500000
    assert {v["name"] for v in answer["vms"]} >= {"root", "hello", "ticker", "hog"}


def ticks(console):
    return [int(n) for n in re.findall(r"\[ticker\] ticker: tick (\d+)", console)]


def test_pause_stops_output_and_unpause_resumes(demo):
    demo.wait_for(r"\[ticker\] ticker: tick \d+")
    assert demo.ok("pause", "ticker") == "vm 2 'ticker' paused\n"
    assert demo.vms()["ticker"]["state"] == "paused"
    time.sleep(0.3)  # a line already on its way
    mark = demo.mark()
    time.sleep(1.5)  # three periods of ticker
    assert ticks(demo.console()[mark:]) == []
    assert demo.ok("unpause", "2") == "vm 2 'ticker' unpaused\n"
    demo.wait_for(r"\[ticker\] ticker: tick \d+", after=mark)
    assert demo.vms()["ticker"]["state"] == "running"


def test_reboot_restarts_from_the_image(demo):
    mark = demo.mark()
    assert demo.ok("reboot", "ticker") == "vm 2 'ticker' rebooting\n"  # the hypervisor's line
    demo.wait_for(r"\[ticker\] ticker: tick 1\b", after=mark)


def test_destroy_then_create(demo):
    assert demo.ok("destroy", "hello") == "vm 1 'hello' destroyed\n"
    assert "hello" not in demo.vms()
    mark = demo.mark()
    out = demo.ok("create", "hello")
    m = re.fullmatch(r"vm (\d+) 'hello' created: 2048 KiB, 1 vCPU, weight 256, cap 0%\n", out)
    assert m, out
    demo.wait_for(rf"\[hello\] hello from VM {m.group(1)} 'hello'", after=mark)
    assert demo.vms()["hello"]["id"] == int(m.group(1))


def test_create_from_a_template(demo):
    answer = demo.json("create", "hello2")
    assert answer["ok"] and answer["name"] == "hello2", answer
    demo.wait_for(rf"\[hello2\] hello from VM {answer['id']} 'hello2'.*period-ms=2000")
    assert demo.ok("destroy", "hello2").endswith("destroyed\n")


def test_skiffctl_without_qemu_fails_cleanly(tmp_path):
    from rootctl import SKIFFCTL
    import subprocess
    r = subprocess.run([str(SKIFFCTL), "--socket", str(tmp_path / "none"), "--timeout", "0.5",
                        "list"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and "cannot connect" in r.stderr
    r = subprocess.run([str(SKIFFCTL)], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and "usage" in r.stderr


def test_skiffctl_attach_is_the_shell(demo):
    import pexpect
    from rootctl import SKIFFCTL
    child = pexpect.spawn(str(SKIFFCTL), ["--socket", demo.sock, "attach"], encoding="utf-8",
                          timeout=10, codec_errors="replace")
    try:
        child.expect(r"attached to .*Ctrl-\\ leaves")
        child.expect("skiff> ")  # ^L redrew the prompt
        child.send("info 0\r")
        child.expect(r"vm 0 'root' \(root partition\)")
        child.send("\x1c")
        child.expect(r"skiffctl: detached")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert demo.ok("info", "0").startswith("vm 0 'root'")
