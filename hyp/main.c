/**
 * The boot story (STYLE habit 14): each step of bringing up the machine, in order, one call each.
 * A step that fails prints one sentence saying what is wrong and stops the machine.
 */
#include <skiff/blk.h>
#include <skiff/board.h>
#include <skiff/boot.h>
#include <skiff/console.h>
#include <skiff/hypercall.h>
#include <skiff/cpu.h>
#include <skiff/irqchip.h>
#include <skiff/mem.h>
#include <skiff/panic.h>
#include <skiff/psci.h>
#include <skiff/arch_vcpu.h>
#include <skiff/sched.h>
#include <skiff/selftest.h>
#include <skiff/smp.h>
#include <skiff/vcpu_trap.h>
#include <skiff/vmconfig.h>
#include <skiff/vmem.h>
#include <skiff/vmid.h>
#include <skiff/string.h>
#include <skiff/timer.h>
#include <skiff/uart.h>

#define FDT_MAX_SIZE (2 * 1024 * 1024) /* the arm64 boot protocol's DTB size limit */

struct cpu cpus[PLATFORM_MAX_CPUS];
extern struct vmid_space vmids;
static struct platform plat;
static struct uart board_uart, console_uart;

static NORETURN void boot_fail(const char *what, const char *why)
{
	kprintf("skiff: %s: %s\n", what, why);
	machine_stop();
}

static void check(const char *what, const char *err)
{
	if (err)
		boot_fail(what, err);
}

static void banner(void)
{
	kprintf("\nSkiff %s hypervisor (board %s)\n", SKIFF_VERSION, board.name);
}

/*
 * The board's UART, usable before anything is known about the machine, if something answers at
 * its address: this may be a build for another board.
 */
static void early_console(void)
{
	board_uart.drv = uart_driver_find(board.early_uart_compatible);
	board_uart.base = board.early_uart_base;
	if (board_uart.drv && !arch_mmio_probe(board_uart.base))
		board_uart.drv = NULL;
	if (board_uart.drv) {
		board_uart.drv->init(board_uart.base);
		console_attach(&board_uart);
	}
	/* Entered at EL3 there is no firmware above us to answer an SMC. */
	psci_set_conduit(arch_boot_el() == 3 ? FW_CONDUIT_NONE : board.fallback_psci);
}

/* Entered at EL1 there is no EL2 to run a hypervisor in: say so and how to get one, then stop. */
static NORETURN void refuse_el1(void *fdt)
{
	banner();
	if (!platform_parse_fdt(&plat, fdt, FDT_MAX_SIZE))
		psci_set_conduit(plat.psci);
	kprintf("skiff: entered at EL1, but a hypervisor needs EL2.\n"
		"skiff: on QEMU add 'virtualization=on' to -M (e.g. -M virt,virtualization=on);\n"
		"skiff: with U-Boot, boot with booti/bootm from a U-Boot that runs at EL2.\n");
	machine_stop();
}

static bool board_matches(const struct platform *p)
{
	for (const char *const *c = board.dtb_compatible; *c; c++)
		if (strcmp(*c, p->compatible) == 0)
			return true;
	return false;
}

/* The console moves to the UART the DTB names, if this build has a driver for it. */
static bool dtb_console(void)
{
	const struct uart_driver *drv = uart_driver_find(plat.uart.compatible);

	if (!drv)
		return false;
	console_uart.drv = drv;
	console_uart.base = (uintptr_t)pa_addr(plat.uart.base);
	drv->init(console_uart.base);
	console_attach(&console_uart);
	return true;
}

/*
 * A DTB for another board: either the DTB or this build is wrong, and which one we cannot tell.
 * The message goes to the board's UART and to the DTB's console, so it shows either way; the
 * DTB's console keeps the rest.
 */
static NORETURN void wrong_board(bool on_dtb_console)
{
	static char why[160];

	snprintf(why, sizeof(why),
		 "its root compatible does not match this board's build (BOARD=%s): "
		 "the DTB is for \"%s\"",
		 board.name, plat.compatible);
	if (on_dtb_console && board_uart.drv && board_uart.base != console_uart.base) {
		console_attach(&board_uart);
		banner();
		kprintf("skiff: wrong device tree: %s\n", why);
		console_attach(&console_uart);
	}
	kprintf("skiff: wrong device tree: %s\n", why);
	machine_stop();
}

/*
 * A DTB that parses describes the machine better than anything else we know: the console moves
 * to its UART before the banner, and its PSCI is used even to refuse it.
 */
static void platform_init(void *fdt)
{
	const char *err = platform_parse_fdt(&plat, fdt, FDT_MAX_SIZE);
	bool on_dtb_console = !err && dtb_console();

	banner();
	check("cannot use the device tree", err);
	if (arch_boot_el() != 3)
		psci_set_conduit(plat.psci);
	if (!board_matches(&plat))
		wrong_board(on_dtb_console);
	if (!on_dtb_console)
		boot_fail("console", "no driver for the DTB's console UART");
}

static void cpu_init_boot(void)
{
	cpus[0].index = 0;
	cpus[0].hwid = arch_cpu_hwid();
	arch_set_this_cpu(&cpus[0]);
}

static void print_ram(void)
{
	for (unsigned i = 0; i < plat.nram; i++)
		kprintf("  RAM   0x%010lx-0x%010lx (%lu MiB)\n", pa_addr(plat.ram[i].begin),
			pa_addr(plat.ram[i].end) - 1, pa_range_size(plat.ram[i]) >> 20);
}

static void boot_report(void)
{
	struct image_layout img = arch_image_layout();
	uint32_t pv = psci_version();

	kprintf("  model %s (%s)\n", plat.model, plat.compatible);
	kprintf("  EL    entered at EL%u, running at EL2\n", arch_boot_el());
	kprintf("  CPU   %s, %u CPU(s) in DTB, counter %lu Hz\n", arch_cpu_model(), plat.ncpus,
		arch_counter_freq());
	kprintf("  GIC   %s, timer INTID %u, UART %s at 0x%lx\n", irq_chip_name(),
		plat.timer.hyp_phys, plat.uart.compatible, pa_addr(plat.uart.base));
	print_ram();
	kprintf("  image 0x%lx-0x%lx (%lu KiB), DTB at 0x%lx (%u bytes)\n",
		pa_addr(img.image.begin), pa_addr(img.image.end) - 1,
		pa_range_size(img.image) >> 10, pa_addr(plat.fdt), plat.fdt_size);
	kprintf("  free  %lu MiB in %lu frames; ", frames.free * PAGE_SIZE >> 20, frames.free);
	if (psci_conduit() == FW_CONDUIT_NONE)
		kprintf("no PSCI\n");
	else
		kprintf("PSCI %u.%u via %s\n", pv >> 16, pv & 0xffff,
			psci_conduit() == FW_CONDUIT_SMC ? "SMC" : "HVC");
}

/* Three ticks of the periodic timer prove the timer and the interrupt controller work. */
static void timer_check(void)
{
	uint64_t t0 = arch_counter_now();

	while (this_cpu()->ticks < 3)
		arch_wait_for_interrupt();
	kprintf("timer: EL2 physical timer ticking at %u Hz (3 ticks in %lu us)\n", TIMER_TICK_HZ,
		timer_ticks_to_us(arch_counter_now() - t0));
	timer_stop_tick();
}

static int swap_submit(void *dev, uint64_t sector, paddr_t buf, uint32_t bytes, bool write,
		       void (*done)(void *ctx, int status), void *ctx)
{
	(void)dev;
	return blk_submit(sector, buf, bytes, write, done, ctx);
}

/* The virtio-blk disk, if there is one, is the swap disk (vmem_swap.c checks its label). */
static void attach_swap(void)
{
	if (blk_available() && !blk_read_only())
		vmem_swap_attach(&(struct swap_device){ .name = "virtio-blk",
							.sectors = blk_capacity_sectors(),
							.submit = swap_submit,
							.strerror = blk_strerror });
	else
		kprintf("swap: %s: guests' memory stays in RAM\n",
			blk_available() ? "the virtio-blk disk is read-only" : "no disk");
}

/* Starts the VMs the config module describes and runs them; with none, idles. */
static NORETURN void run_guests(void)
{
	arch_virt_cpu_init();
	hypercall_check_table();
	vmid_space_init(&vmids, arch_vmid_count());
	check("guest memory", vmem_init(&frames));
	attach_swap();
	if (plat.timer.virt)
		irq_register_percpu(plat.timer.virt, vcpu_vtimer_irq, NULL);
	if (plat.uart.intid) {
		irq_register(plat.uart.intid, console_input_irq, NULL);
		console_rx_irq(true);
	}
	smp_start_secondaries(&plat);
	if (vmconfig_start_all(&plat) == 0)
		kprintf("idle: no guests; Ctrl-A X leaves QEMU\n");
	vcpu_enter_first();
}

void boot_main(void *fdt)
{
	early_console();
	if (arch_boot_el() == 1)
		refuse_el1(fdt);
	platform_init(fdt);
	cpu_init_boot();
	check("memory", mem_init_frames(&plat));
	check("MMU", mem_init_mmu(&plat));
	check("interrupt controller", irq_init(&plat));
	check("interrupt controller (CPU 0)", irq_cpu_init());
	check("timer", timer_init(&plat));
	timer_start_tick();
	boot_report();
	blk_init(&plat);
	selftest_run(plat.bootargs);
	kprintf("boot: done in %lu us\n", timer_ticks_to_us(arch_counter_now()));
	timer_check();
	run_guests();
}
