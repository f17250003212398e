"""Bad starts: a broken or missing device tree, entry at EL3, and the EL2 crash report.

How a broken DTB reaches Skiff. QEMU parses a `-dtb FILE` itself (it adds /chosen, replaces the
memory nodes with its own, grows the buffer) and refuses to start on a bad magic, a wrong
totalsize or a struct block its walk trips over; a DTB without memory nodes gets QEMU's memory
node back. So only corruptions QEMU walks past go through `-dtb` (a wrong board, a property name
offset outside the strings block). Everything else plays a loader that hands over a broken DTB:
QEMU starts halted with its gdbstub, gdb-multiarch stops at Skiff's first instruction, writes the
bad blob where x0 points (QEMU's own DTB) and lets Skiff run.

Every refusal is one sentence on the console, then PSCI SYSTEM_OFF ends QEMU with status 0.
"""
import os
import re
import struct
import subprocess
import tempfile
import time

import pytest

from conftest import BUILD, QEMU, ROOT, run_cmd, virt_machine

REFUSED = "skiff: cannot use the device tree: "
FDT_HEADER = struct.Struct(">10I")  # magic, totalsize, off_dt_struct, off_dt_strings, ...
FDT_BEGIN_NODE = 1


# ---- DTBs: QEMU's own, packed, and ways to break it ----

@pytest.fixture(scope="session")
def virt_dtb(tmp_path_factory):
    """QEMU's DTB for the test machine, packed by dtc (QEMU pads it to 1 MiB; given back with
    -dtb, QEMU doubles that and the result breaks the 2 MiB limit of the arm64 boot protocol)."""
    d = tmp_path_factory.mktemp("dtb")
    run_cmd(f"{QEMU} {virt_machine(3, extra=f',dumpdtb={d}/virt.dtb')} -nographic")
    run_cmd(f"dtc -q -I dtb -O dtb -o {d}/packed.dtb {d}/virt.dtb")
    return (d / "packed.dtb").read_bytes()


def header(blob):
    return dict(zip(("magic", "totalsize", "off_struct", "off_strings", "off_rsvmap", "version",
                     "last_comp", "boot_cpu", "size_strings", "size_struct"),
                    FDT_HEADER.unpack_from(blob)))


def set_header(blob, field, value):
    offsets = {"magic": 0, "totalsize": 4}
    out = bytearray(blob)
    struct.pack_into(">I", out, offsets[field], value)
    return bytes(out)


def node_tag(blob, name):
    """Offset of the FDT_BEGIN_NODE tag of node `name` (the tag precedes the name)."""
    at = blob.index(name.encode() + b"\0", header(blob)["off_struct"]) - 4
    assert struct.unpack_from(">I", blob, at)[0] == FDT_BEGIN_NODE
    return at


def dtc_edit(blob, tmp_path, edit):
    """Decompiles `blob`, applies `edit` to the source text and compiles it again."""
    src, dts, out = tmp_path / "in.dtb", tmp_path / "edit.dts", tmp_path / "out.dtb"
    src.write_bytes(blob)
    text = run_cmd(f"dtc -q -I dtb -O dts {src}").stdout
    edited = edit(text)
    assert edited != text, "the edit changed nothing"
    dts.write_text(edited)
    run_cmd(f"dtc -q -I dts -O dtb -o {out} {dts}")
    return out.read_bytes()


def without_memory_node(text):
    return re.sub(r"\n\tmemory@[0-9a-f]+ \{.*?\n\t\};\n", "\n", text, flags=re.S)


def with_root_compatible(text, compat):
    return re.sub(r'^(\tcompatible = )"linux,dummy-virt";', rf'\1"{compat}";', text, count=1,
                  flags=re.M)


# ---- Ways to start Skiff with a given DTB ----

def boot_with_dtb_file(qemu, tmp_path, blob):
    path = tmp_path / "given.dtb"
    path.write_bytes(blob)
    return qemu(f"{virt_machine(3)} -kernel {BUILD / 'skiff.bin'} -dtb {path}")


def boot_with_poked_dtb(qemu, tmp_path, blob):
    """Starts Skiff with `blob` in place of QEMU's DTB, written by gdb at Skiff's entry."""
    path = tmp_path / "poked.dtb"
    path.write_bytes(blob)
    with tempfile.TemporaryDirectory(prefix="skiff-gdb-") as sockdir:  # short path for AF_UNIX
        sock = f"{sockdir}/gdb.sock"
        q = qemu(f"{virt_machine(3)} -kernel {BUILD / 'skiff.bin'} -S "
                 f"-gdb unix:{sock},server=on,wait=off")
        wait_for_file(sock)
        gdb = subprocess.run(
            ["gdb-multiarch", "-nx", "-batch", str(BUILD / "skiff.elf"),
             "-ex", f"target remote {sock}", "-ex", "hbreak _start", "-ex", "continue",
             "-ex", "printf \"x0 = %#lx\\n\", $x0", "-ex", f"restore {path} binary $x0",
             "-ex", "delete", "-ex", "detach"],
            cwd=str(ROOT), capture_output=True, text=True, timeout=60)
    out = gdb.stdout + gdb.stderr
    assert "Restoring binary file" in out and re.search(r"x0 = 0x[1-9a-f]", out), out
    return q


def wait_for_file(path, timeout=10):
    """QEMU creates its gdbstub socket during start-up, before it halts (-S)."""
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        assert time.monotonic() < deadline, f"QEMU never opened {path}"
        time.sleep(0.02)


def assert_refused(q, message):
    q.expect(r"Skiff \S+ hypervisor \(board qemu-virt\)")
    q.expect(re.escape(message))
    out, status = q.wait_exit()
    assert "skiff: stopping the machine" in out
    assert status == 0  # PSCI SYSTEM_OFF (the DTB's, or the board's fallback SMC) ended QEMU


# ---- Tests ----

def test_dtb_of_another_board_refused(qemu, tmp_path, skiff_bin, virt_dtb):
    blob = dtc_edit(virt_dtb, tmp_path, lambda t: with_root_compatible(t, "acme,not-a-virt"))
    q = boot_with_dtb_file(qemu, tmp_path, blob)
    assert_refused(q, "skiff: wrong device tree: its root compatible does not match")


def test_dtb_property_name_outside_strings_refused(qemu, tmp_path, skiff_bin, virt_dtb):
    # The first property of a virtio_mmio node names a string 2 GiB past the strings block.
    # QEMU's walk (node names only) does not look at it; libfdt's full check does.
    blob = bytearray(virt_dtb)
    prop = node_tag(blob, "virtio_mmio@a000000") + 4 + len("virtio_mmio@a000000\0")
    prop = (prop + 3) & ~3
    struct.pack_into(">I", blob, prop + 8, 0x7fffff00)  # FDT_PROP, len, nameoff
    q = boot_with_dtb_file(qemu, tmp_path, bytes(blob))
    assert_refused(q, REFUSED + "DTB structure is corrupt (FDT_ERR_BADOFFSET)")


def corrupt_magic(blob, tmp_path):
    return set_header(blob, "magic", 0xdeadbeef)


def corrupt_totalsize_short(blob, tmp_path):
    # The header ends the blob in the middle of its struct block.
    h = header(blob)
    return set_header(blob, "totalsize", h["off_struct"] + h["size_struct"] // 2)


def corrupt_totalsize_huge(blob, tmp_path):
    return set_header(blob, "totalsize", 64 << 20)


def corrupt_struct_garbage(blob, tmp_path):
    # 16 bytes of garbage over a node's begin tag and name, mid-way through the struct block.
    out = bytearray(blob)
    at = node_tag(blob, "virtio_mmio@a000200")
    assert header(blob)["off_struct"] < at < header(blob)["off_strings"]
    out[at:at + 16] = b"\xa5" * 16
    return bytes(out)


def corrupt_no_memory_node(blob, tmp_path):
    return dtc_edit(blob, tmp_path, without_memory_node)


@pytest.mark.parametrize("corrupt, reason", [
    (corrupt_magic, "DTB header invalid (FDT_ERR_BADMAGIC)"),
    (corrupt_totalsize_short, "DTB header invalid (FDT_ERR_TRUNCATED)"),
    (corrupt_totalsize_huge, "DTB is 67108864 bytes, over the 2097152-byte limit of the arm64 boot protocol"),
    (corrupt_struct_garbage, "DTB structure is corrupt (FDT_ERR_BADSTRUCTURE)"),
    (corrupt_no_memory_node, 'DTB has no memory node with a usable "reg"'),
], ids=["bad-magic", "totalsize-short", "totalsize-huge", "struct-garbage", "no-memory-node"])
def test_broken_dtb_from_loader_refused(qemu, tmp_path, skiff_bin, virt_dtb, corrupt, reason):
    q = boot_with_poked_dtb(qemu, tmp_path, corrupt(virt_dtb, tmp_path))
    assert_refused(q, REFUSED + reason)


def test_missing_dtb_refused(qemu):
    # An ELF given to -kernel starts at EL2 with x0 = 0; power-off uses the board's fallback SMC.
    q = qemu(f"{virt_machine(3)} -kernel {BUILD / 'skiff.elf'}")
    assert_refused(q, REFUSED + "no DTB")


def test_el3_entry_drops_to_el2_and_runs_c(qemu):
    # secure=on: an ELF starts at EL3 with no firmware and no DTB. Reaching the banner and the
    # DTB check proves boot.S's drop to EL2 and the C entry. There is no PSCI firmware to power
    # off with: Skiff's SMC lands in empty EL3 vectors (VBAR_EL3 = 0), so QEMU is closed here.
    q = qemu(f"{virt_machine(3, extra=',secure=on')} -kernel {BUILD / 'skiff.elf'}")
    q.expect(r"Skiff \S+ hypervisor \(board qemu-virt\)")
    q.expect(re.escape(REFUSED + "no DTB"))
    q.close()


def test_el2_crash_report(qemu, skiff_bin):
    q = qemu(f"{virt_machine(3)} -kernel {skiff_bin} -append skiff.selftest=crash")
    q.expect(r"Skiff EL2 crash: synchronous exception from EL2, data abort at EL2")
    q.expect(r"read: translation fault at address 0x1000\b")
    q.expect(r"backtrace:")
    q.expect(r"0x[0-9a-f]{16}  selftest_crash_read\+0x[0-9a-f]+")
    q.expect(r"PANIC \(")
    out, status = q.wait_exit()
    assert "skiff: stopping the machine" in out
    assert status == 0
