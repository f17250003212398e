/**
 * console <vm>: the terminal becomes that VM's console. Its output (from its CONSOLE channel) is
 * shown raw, keystrokes go to it as they are typed, other VMs' lines are held back, and Ctrl-]
 * (GS, 0x1d, as in telnet and `xl console`) comes back to the shell.
 */
#include <skiff-abi/channel.h>
#include <pv/string.h>

#include "services.h"
#include "shell.h"
#include "term.h"
#include "verbs.h"

#define DETACH_KEY 0x1d

static struct {
	unsigned int vm;
	char name[32];
} att = { .vm = SKIFF_VM_NONE };

unsigned int shell_attached_vm(void)
{
	return att.vm;
}

void shell_detach(const char *why)
{
	if (att.vm == SKIFF_VM_NONE)
		return;
	if (term_mid_line())
		term_puts("\n");
	term_printf("[detached from vm %u '%s': %s]\n", att.vm, att.name, why);
	att.vm = SKIFF_VM_NONE;
	shell_finish(VERB_OK);
}

static void input(char c)
{
	if (c == DETACH_KEY)
		shell_detach("Ctrl-]");
	else if (services_console_send(att.vm, &c, 1) == SKIFF_E_NOENT)
		shell_detach("its console channel closed"); /* a full ring just loses the key */
}

static const struct verb_mode console_mode = { input, 0 };

int verb_console(const struct cmd *c)
{
	struct vm_rec *r;

	if (c->json || c->machine)
		return verb_fail(c, "console is interactive: use it at the skiff> prompt");
	r = verb_vm_arg(c, 0);
	if (!r)
		return VERB_FAIL;
	if (r->st.privileged)
		return verb_fail(c, "vm %u '%s' is the root partition: this shell is its console",
				 r->st.id, r->st.name);
	if (!vm_is_live(r))
		return verb_fail(c, "vm %u '%s' is %s", r->st.id, r->st.name,
				 vm_state_name(r->st.state));
	if (!services_has(r->st.id, SKIFF_CLASS_CONSOLE))
		return verb_fail(c,
				 "vm %u '%s' has no console channel open (its lines show as [%s])",
				 r->st.id, r->st.name, r->st.name);
	att.vm = r->st.id;
	memcpy(att.name, r->st.name, sizeof(att.name));
	term_printf("[attached to vm %u '%s': Ctrl-] returns]\n", att.vm, att.name);
	shell_enter(&console_mode);
	return VERB_ASYNC;
}
