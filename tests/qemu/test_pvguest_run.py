"""pv-guest guests running under Skiff: the selftest's in-guest TEST()s pass on GICv3 and GICv2,
the demo guests interleave, and every adversarial guest is contained while a bystander keeps
passing its checks. Guest lines arrive as the hypervisor prints them ("[name] ..."); VM reports
are the hypervisor's ("vm N 'name' parked: ...", "vm N 'name' exited with code C").

Skipped while the hypervisor image has no guest support (it does not know the "skiff-config"
boot module yet)."""
import re
import subprocess

import pytest

from conftest import BUILD, ROOT, Qemu, virt_machine

ADVERSARIES = ["bad-read", "bad-write", "bad-exec", "bad-smc", "bad-ptimer", "bad-sgi"]


def guest_args(config):
    return subprocess.run(["python3", "tools/guest-args.py", f"build/dts/{config}.dtb"],
                          cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="module", autouse=True)
def needs_guest_support():
    image = BUILD / "skiff.bin"
    if not image.exists() or b"skiff-config" not in image.read_bytes():
        pytest.skip("the hypervisor image does not load VM configs yet")


def boot(config, gic=3, timeout=60):
    return Qemu(f"{virt_machine(gic=gic)} -kernel {BUILD / 'skiff.bin'} {guest_args(config)}",
                timeout=timeout)


@pytest.mark.parametrize("gic", [3, 2])
def test_selftest_passes(gic):
    q = boot("test-selftest", gic)
    try:
        m = q.expect(r"TESTS: (\d+) passed, (\d+) failed")
        console = q.child.before
        assert m.group(2) == "0", console
        assert int(m.group(1)) >= 30
        assert "FAIL" not in console
        assert len(re.findall(r"TEST \w+: PASS", console)) == int(m.group(1))
        q.expect(r"vm \d+ 'selftest' exited with code 0")
    finally:
        q.close()


def test_demo_guests_interleave():
    q = boot("demo")
    try:
        q.expect(r"hello from VM \d+ 'hello' \(vCPU 0, 2048 KiB RAM, Skiff ABI 1\.4\)")
        # The three print independently, so their lines may come in any order.
        q.expect_all([r"ticker: tick 2\b", r"hello: 1 s", r"hog: \d+ M iterations"])
    finally:
        q.close()


@pytest.fixture(scope="module")
def adversarial_console():
    """The console of the adversarial config until the bystander's 40th round (4 s virtual)."""
    q = boot("test-adversarial", timeout=90)
    try:
        q.expect(r"bystander: round 40 ok")
        return q.child.before + q.child.after
    finally:
        q.close()


@pytest.mark.parametrize("name", ADVERSARIES)
def test_adversary_is_parked(adversarial_console, name):
    assert re.search(rf"vm \d+ '{name}' parked: ", adversarial_console), adversarial_console
    assert f"{name}: FAIL" not in adversarial_console


def test_undefined_instruction_reported_by_the_guest(adversarial_console):
    assert re.search(r"pv: synchronous exception from EL1: ESR_EL1 0x2000000 \(EC 0x0\)",
                     adversarial_console)
    assert re.search(r"vm \d+ 'undef' exited with code 225", adversarial_console)


def test_spinners_are_preempted_not_parked(adversarial_console):
    for name in ["spin", "hvc-flood"]:
        assert not re.search(rf"'{name}' parked", adversarial_console)
    assert "hvc-flood: FAIL" not in adversarial_console
    assert re.search(r"hvc-flood: \d+ k calls, all NOT_SUPPORTED", adversarial_console)


def test_bystander_keeps_passing(adversarial_console):
    rounds = [int(n) for n in re.findall(r"bystander: round (\d+) ok", adversarial_console)]
    assert rounds == list(range(1, 41))
    assert not [l for l in adversarial_console.splitlines() if "bystander" in l and "FAIL" in l]
