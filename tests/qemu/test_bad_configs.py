"""Bad VM configs are rejected one VM at a time (issue 3: "A bad image or config is rejected with a
message naming the VM and the problem; other VMs still start"). tests/bad-vms/bad-vms.dts
(build/dts/test-bad-vms.dtb) puts fifteen bad VM nodes between two good ones: a bystander first
(it must keep its 100 ms rounds) and hello last (it must start after all the rejections and run to
its exit). The bad images come from mk/qemutests.mk: a text file, an x86-64 executable, an ELF cut
inside its first segment and one cut inside its header.
"""
import re

import pytest

from vmrun import bad_vm_modules, qemu_command, run_until

# VM name -> what its rejection reason must mention.
REJECTED = {
    "no-image": r"image",
    "unknown-image": r"image is not among the boot modules",
    "no-memory": r"memory-kib",
    "odd-memory": r"multiple of 4 KiB",
    "huge-memory": r"memory",
    "tiny-memory": r"does not fit",
    "vcpus-0": r"vcpus",
    "vcpus-9": r"vcpus",
    "weight-0": r"weight",
    "weight-string": r"32-bit",
    "cap-150": r"cap",
    "not-an-elf": r"not an ELF",
    "x86-64": r"AArch64",
    "truncated": r"outside the file",
    "header-only": r"shorter than its header",
}


@pytest.fixture(scope="module")
def console():
    """The console until the bystander's 5th round (hello's 3 rounds end before)."""
    cmd = qemu_command("test-bad-vms", allow_missing=True, extra_modules=bad_vm_modules())
    con = run_until(cmd, r"bystander: round 5 ok", timeout=60)
    assert not con.timed_out, con
    return con


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_bad_vm_is_rejected_with_its_reason(console, name):
    found = console.grep(rf"^vm '{re.escape(name)}' rejected: (.+)$")
    assert len(found) == 1, console
    assert re.search(REJECTED[name], found[0][1]), found[0][0]
    assert not console.grep(rf"'{re.escape(name)}' started"), console


def test_only_the_bad_vms_are_rejected(console):
    assert {m[1] for m in console.grep(r"^vm '(\S+)' rejected: ")} == set(REJECTED)


def test_good_vms_still_start_and_run(console):
    # Rejected VMs take no id: the good ones are 0 and 1, in config order.
    assert console.grep(r"^vm 0 'bystander' started: ")
    assert console.grep(r"^vm 1 'hello' started: 512 KiB")
    assert console.grep(r"^\[hello\] hello from VM 1 'hello'")
    assert console.grep(r"^vm 1 'hello' exited with code 0$"), console
    rounds = [int(m[1]) for m in console.grep(r"^\[bystander\] bystander: round (\d+) ok$")]
    assert rounds[:5] == [1, 2, 3, 4, 5], console
    assert not console.grep(r"FAIL|parked|PANIC|pv: "), console
