"""`make debug` path: QEMU's gdbstub halts Skiff at reset and gdb-multiarch, with the ELF's
symbols, stops at a breakpoint in the portable boot code running at EL2."""
import socket
import subprocess

from conftest import BUILD, ROOT, virt_machine


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gdb_breaks_in_boot_main_at_el2(qemu, skiff_bin):
    port = free_port()
    q = qemu(f"{virt_machine(3)} -kernel {skiff_bin} -S -gdb tcp:127.0.0.1:{port}")
    gdb = subprocess.run(
        ["gdb-multiarch", "-nx", "-batch", str(BUILD / "skiff.elf"),
         "-ex", f"target remote 127.0.0.1:{port}",
         "-ex", "break boot_main", "-ex", "continue",
         "-ex", "info registers cpsr", "-ex", "bt 1"],
        cwd=str(ROOT), capture_output=True, text=True, timeout=60)
    out = gdb.stdout + gdb.stderr
    assert "Breakpoint 1, boot_main" in out, out
    # PSTATE.M[3:0] = 0b1001 (EL2h): gdb shows cpsr 0x3c9 or similar with mode bits 9.
    cpsr = [l for l in out.splitlines() if l.startswith("cpsr")]
    assert cpsr and int(cpsr[0].split()[1], 16) & 0xf == 0x9, out
    q.close()
