/**
 * What the shell's verbs share: a parsed command, the ways to report a result (text or JSON),
 * and the hooks for verbs that keep the terminal (top, console). Each verb returns VERB_OK,
 * VERB_FAIL (after printing exactly one error line) or VERB_ASYNC (it calls shell_finish later).
 */
#ifndef ROOT_VERBS_H
#define ROOT_VERBS_H

#include <stdbool.h>

#include "vms.h"

#define CMD_MAX_ARGS 8

struct cmd {
	const char *verb;
	const char *argv[CMD_MAX_ARGS]; /* the arguments after the verb */
	unsigned int argc;
	bool json;    /* machine-readable output */
	bool machine; /* run for a machine request (no screen control sequences) */
};

enum { VERB_OK = 0, VERB_FAIL = 1, VERB_ASYNC = 2 };

/** Prints the one error line ("<verb>: <message>", or JSON) and returns VERB_FAIL. */
int verb_fail(const struct cmd *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/**
 * Reports a done action on a VM ("vm 2 'hello' paused", or JSON) and returns VERB_OK. As with
 * `xl`, text output stays quiet when the hypervisor prints the event itself (`hv_says`: it
 * reports creating, rebooting and destroying a VM on the console).
 */
int verb_done(const struct cmd *c, const struct vm_rec *r, const char *what, bool hv_says);

/** Starts a JSON answer: {"ok":true,"verb":...} so far. */
void verb_json_begin(const struct cmd *c);

/** The VM named by argument `i`, refreshed from the hypervisor; NULL after verb_fail. */
struct vm_rec *verb_vm_arg(const struct cmd *c, unsigned int i);

/** A verb that keeps the terminal: keystrokes and time go to it until shell_finish(). */
struct verb_mode {
	void (*input)(char c);
	unsigned long (*tick)(unsigned long now_us); /* the next deadline, 0: none */
};
void shell_enter(const struct verb_mode *m);
void shell_finish(int status);

/* The verbs (verbs_vm.c, verbs_mem.c, top.c, log.c, console.c, debug in main.c). */
int verb_list(const struct cmd *c);
int verb_info(const struct cmd *c);
int verb_create(const struct cmd *c);
int verb_pause(const struct cmd *c);
int verb_unpause(const struct cmd *c);
int verb_destroy(const struct cmd *c);
int verb_reboot(const struct cmd *c);
int verb_shutdown(const struct cmd *c);
int verb_console(const struct cmd *c);
int verb_top(const struct cmd *c);
int verb_mem_set(const struct cmd *c);
int verb_mem(const struct cmd *c);
int verb_log(const struct cmd *c);
int verb_debug(const struct cmd *c);
int verb_vcpu_list(const struct cmd *c);
int verb_vcpu_pin(const struct cmd *c);

/** A VM's resident/shared/ballooned/swapped KiB as JSON members (list, info, top). */
void verb_json_memory(const struct vm_rec *r);

/** Each vCPU's physical CPU, "-" for one that is off: "1", "0,2,-,3" (list, info, top). */
const char *vcpu_placement(const struct skiff_vm_status *st, char *buf, unsigned long size);
/** A CPU mask as a list: "all" for 0, else "1", "0-2,5". */
const char *cpu_mask_text(unsigned int mask, char *buf, unsigned long size);
/** Parses "all" (0) or a CPU list like "1" or "0-2,5" into *mask: 0, or -1 and a sentence. */
int parse_cpu_list(const char *s, unsigned int *mask, const char **err);
/** A VM's vCPUs as a JSON array member "vcpu_list": vcpu, cpu, state, affinity. */
void verb_json_placement(const struct vm_rec *r);

/** Formats microseconds as seconds with three decimals ("12.345"). */
const char *fmt_seconds(char *buf, unsigned long size, unsigned long us);

#endif
