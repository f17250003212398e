/*
 * Secondary CPUs that Skiff does not run yet. Held by the firmware on a spin table, they poll
 * their release address in a WFE loop, which QEMU executes as a busy loop (a whole host core
 * each on -M raspi3b). Released to cpu_park they halt in WFI instead, MMU off, interrupts
 * masked; none are routed to them (their timers and mailboxes stay disabled).
 */
	.text

/* uint64_t arch_cpu_park_entry(void): VA = PA, so the PC-relative address is the physical one. */
	.global	arch_cpu_park_entry
	.type	arch_cpu_park_entry, %function
arch_cpu_park_entry:
	adr	x0, cpu_park
	ret
	.size	arch_cpu_park_entry, . - arch_cpu_park_entry

/* void arch_cpu_send_event(void) */
	.global	arch_cpu_send_event
	.type	arch_cpu_send_event, %function
arch_cpu_send_event:
	dsb	sy
	sev
	ret
	.size	arch_cpu_send_event, . - arch_cpu_send_event

	.balign	8
cpu_park:
	msr	daifset, #0xf
1:	wfi
	b	1b
