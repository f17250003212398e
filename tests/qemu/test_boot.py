"""Boot tests: Skiff comes up at EL2 on QEMU virt with each GIC, and refuses bad starts clearly."""
import re

import pytest

from conftest import virt_machine


@pytest.mark.parametrize("gic", [3, 2])
def test_boots_at_el2_and_ticks(qemu, skiff_bin, gic):
    q = qemu(f"{virt_machine(gic)} -kernel {skiff_bin}")
    q.expect(r"Skiff \S+ hypervisor \(board qemu-virt\)")
    q.expect(r"EL +entered at EL2, running at EL2")
    q.expect(rf"GIC +GICv{gic}, timer INTID 26")
    m = q.expect(r"RAM +0x0040000000-0x007fffffff \((\d+) MiB\)")
    assert int(m.group(1)) == 1024
    m = q.expect(r"free +(\d+) MiB in (\d+) frames")
    assert 1000 < int(m.group(1)) < 1024
    q.expect(r"boot: done in \d+ us")
    q.expect(r"timer: EL2 physical timer ticking at 1000 Hz \(3 ticks")


def test_ram_size_follows_dtb(qemu, skiff_bin):
    q = qemu(f"-M virt,virtualization=on -cpu cortex-a57 -m 256M -kernel {skiff_bin}")
    m = q.expect(r"RAM +0x0040000000-0x004fffffff \((\d+) MiB\)")
    assert int(m.group(1)) == 256


def test_el1_entry_refused_with_message(qemu, skiff_bin):
    q = qemu(f"{virt_machine(3, virtualization=False)} -kernel {skiff_bin}")
    q.expect(r"entered at EL1, but a hypervisor needs EL2")
    q.expect(r"virtualization=on")
    out, status = q.wait_exit()
    assert "stopping the machine" in out
    assert status == 0  # PSCI SYSTEM_OFF over HVC ended QEMU
