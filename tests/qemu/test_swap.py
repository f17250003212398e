"""Swap to a real virtio-blk disk (issue 5): the hypervisor drives the disk itself.

test-swap (mk/qemutests.mk): 4 memstress VMs promised 256 MiB each on a 128 MiB machine, each
writing 40 MiB of pages no other page equals (sharing cannot help), sleeping, checking every
page, twice. Only swap can hold it all: pages go out to a raw file QEMU attaches, come back when
touched, and every page must read back what its VM wrote. Without a disk, or with a disk that
holds data, the VMs wait for memory and the console says why.
"""
import subprocess

import pytest

from vmrun import qemu_command, run_until

COUNT = 4
DONE = r"^\[vm\d{3}\] memstress: vm \d+ done"


def disk(path, mib=128, first_bytes=b""):
    with open(path, "wb") as f:
        f.truncate(mib << 20)
        f.write(first_bytes)
    return (f"-drive if=none,file={path},format=raw,id=swap "
            f"-device virtio-blk-device,drive=swap")


def run(extra, count=COUNT, timeout=180, until=DONE, smp=1):
    return run_until(qemu_command("test-swap", ram_mib=128, extra=extra, smp=smp), until, count,
                     timeout=timeout)


def test_pages_beyond_ram_go_to_swap_and_come_back(tmp_path):
    img = tmp_path / "swap.img"
    con = run(disk(img))
    assert not con.timed_out, con
    assert not con.grep(r"rejected|parked|FAIL|pv: |PANIC|swap is off"), con
    assert con.grep(r"^swap: virtio-blk, 128 MiB, 32767 slots of 4 KiB"), con
    passes = con.grep(r"^\[vm\d{3}\] memstress: vm (\d+) round (\d) PASS 10240 pages")
    assert sorted((int(m[1]), int(m[2])) for m in passes) == \
        [(vm, r) for vm in range(COUNT) for r in (1, 2)], con
    free_mib = int(con.grep(r"^  free  (\d+) MiB in \d+ frames")[0][1])
    assert COUNT * 40 > free_mib + 24, con  # more than RAM was in use at once
    # The file really holds Skiff's label and swapped pages (not all zeros past the label).
    with open(img, "rb") as f:
        assert f.read(8) == b"SKIFFSWP"
        f.seek(4096)
        assert any(f.read(4 << 20)), "no page was ever written to the disk"


def test_without_a_disk_vms_wait_and_say_why(tmp_path):
    con = run("", count=1, timeout=60,
              until=r"waits for memory: .* and there is no swap disk")
    assert not con.timed_out, con
    assert con.grep(r"^swap: no disk: guests' memory stays in RAM"), con
    assert not con.grep(r"FAIL|PANIC|parked"), con


def test_a_disk_holding_data_is_not_swapped_to(tmp_path):
    img = tmp_path / "data.img"
    con = run(disk(img, first_bytes=b"precious data"), count=1, timeout=60,
              until=r"waits for memory: .* and the swap disk is not in use")
    assert not con.timed_out, con
    assert con.grep(r"^swap: virtio-blk holds data \(first sector neither blank nor SKIFFSWP\)"), con
    with open(img, "rb") as f:
        assert f.read(13) == b"precious data"
        assert not any(f.read(1 << 20))


# -smp 2 (here and below): faults on two CPUs at once, completions on whichever CPU takes the
# disk's interrupt, reclaim on whichever idles (the swap lock, hyp/vmem_swap.c). The full test
# above on -smp 2 passes too but takes twice as long (two CPUs' TCG threads on two host cores).
@pytest.mark.parametrize("smp", [1, 2])
def test_a_full_disk_makes_vms_wait_and_say_why(tmp_path, smp):
    con = run(disk(tmp_path / "small.img", mib=8), count=1, timeout=90, smp=smp,
              until=r"waits for memory: .* and the swap disk is full")
    assert not con.timed_out, con
    assert not con.grep(r"FAIL|PANIC|parked"), con


@pytest.mark.parametrize("smp", [1, 2])
def test_a_failing_disk_turns_swap_off_and_loses_nothing(tmp_path, smp):
    """QEMU's blkdebug driver fails every write to the first swap slot (sector 8): the label in
    slot 0 is written, the first page written out fails. Swap goes off, the page stays in
    memory, and the VMs wait for memory with the reason."""
    img, conf = tmp_path / "swap.img", tmp_path / "blkdebug.conf"
    with open(img, "wb") as f:
        f.truncate(128 << 20)
    conf.write_text('[inject-error]\nevent = "write_aio"\nerrno = "5"\nsector = "8"\n')
    con = run(f"-drive if=none,id=swap,format=raw,file=blkdebug:{conf}:{img} "
              f"-device virtio-blk-device,drive=swap", count=1, timeout=90, smp=smp,
              until=r"waits for memory: .* and the swap disk failed")
    assert not con.timed_out, con
    assert con.grep(r"^swap: writing to virtio-blk failed \(.*\): swap is off"), con
    assert not con.grep(r"FAIL|PANIC|parked"), con
