/**
 * The shell (shell.h): reading lines, parsing them into commands, the verb table, help, and the
 * switch between the prompt and verbs that keep the terminal.
 */
#include <pv/args.h>
#include <pv/fmt.h>
#include <pv/string.h>

#include "hyplog.h"
#include "json.h"
#include "line.h"
#include "shell.h"
#include "term.h"
#include "verbs.h"

struct verb {
	const char *name, *args, *help;
	unsigned int min_args, max_args;
	int (*run)(const struct cmd *c);
};

static int verb_help(const struct cmd *c);

static const struct verb verbs[] = {
	{ "list", "", "VMs: id, name, memory, vCPUs and their CPUs, state, CPU time", 0, 0,
	  verb_list },
	{ "info", "<vm>", "everything known about one VM", 1, 1, verb_info },
	{ "create", "<config>", "start a VM from the boot config's node <config>", 1, 1,
	  verb_create },
	{ "pause", "<vm>", "stop scheduling a VM", 1, 1, verb_pause },
	{ "unpause", "<vm>", "resume a paused VM", 1, 1, verb_unpause },
	{ "shutdown", "<vm>", "ask a VM to shut down (its shutdown channel)", 1, 1, verb_shutdown },
	{ "reboot", "<vm>", "restart a VM from its image", 1, 1, verb_reboot },
	{ "destroy", "<vm>", "stop a VM at once and free it", 1, 1, verb_destroy },
	{ "console", "<vm>", "attach to a VM's console; Ctrl-] comes back", 1, 1, verb_console },
	{ "vcpu-list", "[vm]", "each vCPU's physical CPU, state and affinity", 0, 1,
	  verb_vcpu_list },
	{ "vcpu-pin", "<vm> <vcpu|all> <cpus|all>", "CPUs a VM's vCPU may run on (1, 0-2,5, all)",
	  3, 3, verb_vcpu_pin },
	{ "mem-set", "<vm> <size>", "a VM's memory target (64M, 512K, 1G, bytes): its balloon", 2,
	  2, verb_mem_set },
	{ "mem", "", "host memory: free, shared, zero pages, swap, balloons", 0, 0, verb_mem },
	{ "top", "[-n N]", "live CPU % and memory per VM, every second, until a key", 0, 2,
	  verb_top },
	{ "log", "[N]", "the last N (20) hypervisor messages", 0, 1, verb_log },
	{ "help", "[verb]", "this list", 0, 1, verb_help },
	{ "debug", "crash|exit|stats", "root faults or exits (restart test); service counters", 1,
	  1, verb_debug },
};

#define NVERBS (sizeof(verbs) / sizeof(verbs[0]))

static struct {
	struct line_editor ed;
	const struct verb_mode *mode; /* a verb that has the terminal, or NULL */
	unsigned long marker;         /* the "@<n>" of the machine request running, 0: none */
	bool json;                    /* the running command's output is JSON */
} sh;

static const struct verb *verb_named(const char *name)
{
	for (unsigned int i = 0; i < NVERBS; i++)
		if (!strcmp(verbs[i].name, name))
			return &verbs[i];
	return 0;
}

int verb_fail(const struct cmd *c, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	pv_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->json) {
		json_begin();
		json_bool("ok", false);
		json_str("verb", c->verb);
		json_str("error", msg);
		json_end();
	} else {
		term_printf("%s: %s\n", c->verb, msg);
	}
	return VERB_FAIL;
}

void verb_json_begin(const struct cmd *c)
{
	json_begin();
	json_bool("ok", true);
	json_str("verb", c->verb);
}

int verb_done(const struct cmd *c, const struct vm_rec *r, const char *what, bool hv_says)
{
	if (!c->json && hv_says) {
		hyplog_now(); /* the hypervisor's line about it is the verb's output */
		return VERB_OK;
	}
	if (!c->json) {
		term_printf("vm %u '%s' %s\n", r->st.id, r->st.name, what);
		return VERB_OK;
	}
	verb_json_begin(c);
	json_uint("id", r->st.id);
	json_str("name", r->st.name);
	json_str("result", what);
	json_end();
	return VERB_OK;
}

static void help_line(const struct verb *v)
{
	char head[32];

	pv_snprintf(head, sizeof(head), "%s %s", v->name, v->args);
	term_printf("  %-20s %s\n", head, v->help);
}

static int verb_help(const struct cmd *c)
{
	const struct verb *one = c->argc ? verb_named(c->argv[0]) : 0;

	if (c->argc && !one)
		return verb_fail(c, "no verb '%.32s' (help lists them)", c->argv[0]);
	if (c->json) {
		verb_json_begin(c);
		json_array("verbs");
		for (unsigned int i = 0; i < NVERBS; i++)
			if (!one || one == &verbs[i])
				json_str(0, verbs[i].name);
		json_end();
		return VERB_OK;
	}
	for (unsigned int i = 0; i < NVERBS; i++)
		if (!one || one == &verbs[i])
			help_line(&verbs[i]);
	if (!one)
		term_puts("<vm> is an id or a name. 'json <verb>' or '--json': one JSON line.\n"
			  "Keys: arrows, Home/End, ^A ^E ^B ^F ^U ^K ^W ^L, Up/Down history, ^C "
			  "cancels.\n");
	return VERB_OK;
}

/* Splits `line` (modified) at blanks into at most `max` words: false if there are more. */
static bool split(char *line, char **words, unsigned int max, unsigned int *n)
{
	char *p = line;

	for (*n = 0;;) {
		while (*p == ' ' || *p == '\t')
			*p++ = 0;
		if (!*p)
			return true;
		if (*n == max)
			return false;
		words[(*n)++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
}

/* Words into a command: "json" before the verb or "--json" anywhere asks for JSON. */
static bool parse(char *line, struct cmd *c)
{
	char *w[CMD_MAX_ARGS + 3];
	unsigned int n;

	memset(c, 0, sizeof(*c));
	if (!split(line, w, sizeof(w) / sizeof(w[0]), &n))
		return false;
	for (unsigned int i = 0; i < n; i++) {
		if (!strcmp(w[i], "--json") || (!c->verb && !strcmp(w[i], "json")))
			c->json = true;
		else if (!c->verb)
			c->verb = w[i];
		else if (c->argc == CMD_MAX_ARGS)
			return false;
		else
			c->argv[c->argc++] = w[i];
	}
	return true;
}

static int run(struct cmd *c)
{
	const struct verb *v;

	if (!c->verb && !c->json)
		return VERB_OK;
	if (!c->verb) {
		c->verb = "skiff";
		return verb_fail(c, "json needs a verb: json <verb> [args]");
	}
	v = verb_named(c->verb);
	if (!v) {
		const char *name = c->verb;

		c->verb = "skiff";
		return verb_fail(c, "unknown command '%.32s': type help", name);
	}
	if (c->argc < v->min_args || c->argc > v->max_args)
		return verb_fail(c, "usage: %s %s", v->name, v->args);
	return v->run(c);
}

static void redraw(void)
{
	line_redraw(&sh.ed);
}

static void prompt(void)
{
	unsigned long held = term_take_held();

	if (held)
		term_printf("(%lu line%s from other VMs %s not shown meanwhile)\n", held,
			    held == 1 ? "" : "s", held == 1 ? "was" : "were");
	line_start(&sh.ed);
	term_set_mode(TERM_PROMPT, redraw);
}

void shell_finish(int status)
{
	if (sh.marker)
		term_printf("@%lu end %d\n", sh.marker, status);
	sh.marker = 0;
	sh.mode = 0;
	prompt();
}

void shell_enter(const struct verb_mode *m)
{
	sh.mode = m;
	term_set_mode(TERM_HOLD, 0);
}

/* "@<n> rest": a machine request; returns `rest` and sets sh.marker, else returns `line`. */
static char *machine_request(char *line)
{
	unsigned long len = 0, n;

	if (line[0] != '@')
		return line;
	while (line[1 + len] >= '0' && line[1 + len] <= '9')
		len++;
	if (!len || line[1 + len] != ' ' || pv_parse_ulong(line + 1, len, &n) || !n)
		return line;
	sh.marker = n;
	term_printf("@%lu begin\n", n);
	return line + 1 + len + 1;
}

/* Runs one command line (modified); the prompt comes back when the verb is done. */
static void execute(char *line)
{
	struct cmd c;
	int status;

	term_set_mode(TERM_BUSY, 0);
	line = machine_request(line);
	term_flush(); /* the echo and "@n begin" out before any hypervisor message the verb causes
		       */
	if (!parse(line, &c)) {
		c.verb = "skiff";
		status = verb_fail(&c, "too many arguments");
	} else {
		c.machine = sh.marker != 0;
		status = run(&c);
	}
	if (status != VERB_ASYNC)
		shell_finish(status);
}

static void run_line(void)
{
	static char copy[LINE_MAX + 1]; /* arguments live here while an ASYNC verb runs */

	memcpy(copy, line_text(&sh.ed), LINE_MAX + 1);
	if (copy[0] != '@')
		line_history_add(&sh.ed, copy);
	execute(copy);
}

void shell_start(const char *first)
{
	static char copy[LINE_MAX + 1];

	line_init(&sh.ed, SHELL_PROMPT);
	sh.mode = 0;
	sh.marker = 0;
	if (!first) {
		prompt();
		return;
	}
	pv_snprintf(copy, sizeof(copy), "%s", first);
	execute(copy);
}

void shell_input(const char *buf, unsigned long len)
{
	for (unsigned long i = 0; i < len; i++) {
		if (sh.mode) {
			sh.mode->input(buf[i]);
			continue;
		}
		switch (line_key(&sh.ed, buf[i])) {
		case LINE_DONE:
			run_line();
			break;
		case LINE_CANCEL:
			prompt();
			break;
		case LINE_EDITING:
			break;
		}
	}
}

unsigned long shell_tick(unsigned long now_us)
{
	return sh.mode && sh.mode->tick ? sh.mode->tick(now_us) : 0;
}
