/**
 * skiffctl: drives Skiff's management shell (the root partition, docs/root.md) from the host while
 * QEMU runs with its serial port on a unix socket (`make run-headless`).
 *
 *     skiffctl [--socket PATH] [--json] [--timeout S] VERB [ARG...]   one verb, its output
 *                                     (skiffctl mem-set vm1 32M, skiffctl --json mem)
 *     skiffctl [--socket PATH] attach                                 the shell on this terminal
 *     skiffctl [--socket PATH] wait                                   until the shell answers
 *
 * The socket is --socket, else $SKIFF_SOCKET, else build/qemu-virt/console.sock. A verb is sent as
 * a machine request, "@<n> [json] VERB ARGS" (shell.h), after ^] (leave an attached console or
 * top) and ^U (drop a half-typed line); the answer is what the shell prints between "@<n> begin"
 * and "@<n> end <status>". Guest console lines ("[name] text") that arrive meanwhile are left
 * out; hypervisor messages are kept. With --json the answer is the one JSON object line; if a
 * hypervisor message cut it (root prints them as lines of their own once it has taken them,
 * LOG_TAKE; before that, or without it, the hypervisor prints whole lines, but may print between
 * two of the root's console writes), the request is sent again, up to three times.
 *
 * Exit status: 0 the verb succeeded, 1 it failed (its one error line was printed), 2 usage, no
 * connection or timeout.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_SOCKET "build/qemu-virt/console.sock"
#define LINE_MAX_BYTES 65536
#define JSON_TRIES 3
#define ATTACH_QUIT 0x1c /* Ctrl-\ */

struct opts {
	const char *socket;
	bool json;
	double timeout;
	char **words; /* the verb and its arguments */
	int nwords;
};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("skiffctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Connects to the console socket, retrying while QEMU is still creating it. */
static int connect_console(const char *path, double deadline)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(sa.sun_path))
		die("socket path too long: %s", path);
	strcpy(sa.sun_path, path);
	for (;;) {
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		if (fd < 0)
			die("socket: %s", strerror(errno));
		if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			return fd;
		close(fd);
		if ((errno != ENOENT && errno != ECONNREFUSED) || now_s() > deadline)
			die("cannot connect to %s: %s (is `make run-headless` running?)", path,
			    strerror(errno));
		usleep(100 * 1000);
	}
}

static void send_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("console write: %s", n < 0 ? strerror(errno) : "closed");
		s += n;
		len -= (size_t)n;
	}
}

/* Reads the console a line at a time ('\r' dropped), waiting until `deadline`. */
struct reader {
	int fd;
	char buf[4096];
	size_t start, end;
};

/* The next line into `line` (NUL-terminated): true, or false at the deadline. */
static bool read_line(struct reader *r, char *line, size_t size, double deadline)
{
	size_t n = 0;

	for (;;) {
		while (r->start < r->end) {
			char c = r->buf[r->start++];
			if (c == '\n') {
				line[n] = 0;
				return true;
			}
			if (c != '\r' && n + 1 < size)
				line[n++] = c;
		}
		double left = deadline - now_s();
		struct pollfd p = { .fd = r->fd, .events = POLLIN };
		if (left <= 0 || poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			return false;
		ssize_t got = read(r->fd, r->buf, sizeof(r->buf));
		if (got <= 0)
			die("the console closed (QEMU ended?)");
		r->start = 0;
		r->end = (size_t)got;
	}
}

/* Drops terminal control sequences (ESC [ ... final) that redraws leave in a line. */
static void strip_csi(char *s)
{
	char *out = s;

	for (char *p = s; *p; p++) {
		if (p[0] == 0x1b && p[1] == '[') {
			p += 2;
			while (*p && !(*p >= 0x40 && *p <= 0x7e))
				p++;
			if (!*p)
				break;
			continue;
		}
		*out++ = *p;
	}
	*out = 0;
}

/* A guest's console line as the hypervisor or the shell prints it: "[name] text". */
static bool guest_line(const char *s)
{
	const char *p = s + 1;

	if (s[0] != '[')
		return false;
	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
	       *p == '-' || *p == '_')
		p++;
	return p > s + 1 && p[0] == ']' && p[1] == ' ';
}

/* Checks JSON syntax shallowly: quotes and escapes, brackets balanced, one value. */
static bool json_whole(const char *s)
{
	int depth = 0;
	bool in_str = false;

	if (*s != '{')
		return false;
	for (depth = 1, s++; *s; s++) {
		if (in_str) {
			if (*s == '\\' && s[1])
				s++;
			else if (*s == '"')
				in_str = false;
			else if ((unsigned char)*s < 0x20)
				return false;
			continue;
		}
		if (depth == 0)
			return false; /* text after the object */
		if (*s == '"')
			in_str = true;
		else if (*s == '{' || *s == '[')
			depth++;
		else if (*s == '}' || *s == ']')
			depth--;
	}
	return depth == 0 && !in_str;
}

/* The machine request: a fresh marker, then what the shell should run. */
static unsigned long send_request(int fd, const struct opts *o)
{
	static unsigned long seq;
	unsigned long marker = ((unsigned long)time(NULL) % 100000) * 100000 +
			       (unsigned long)getpid() % 1000 * 100 + ++seq % 100;
	char line[1024];
	int n = snprintf(line, sizeof(line), "\x1d\x15@%lu%s", marker, o->json ? " json" : "");

	for (int i = 0; i < o->nwords && n < (int)sizeof(line); i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, " %s", o->words[i]);
	if (n >= (int)sizeof(line) - 2 || n > 200)
		die("command too long for the shell (200 characters)");
	if (!o->nwords)
		n += snprintf(line + n, sizeof(line) - (size_t)n, " ");
	line[n++] = '\r';
	send_all(fd, line, (size_t)n);
	return marker;
}

/* Waits for "@<marker> begin". */
static void await_begin(struct reader *r, unsigned long marker, char *line, double deadline)
{
	char want[32];

	snprintf(want, sizeof(want), "@%lu begin", marker);
	for (;;) {
		if (!read_line(r, line, LINE_MAX_BYTES, deadline))
			die("no answer from the shell within the timeout");
		strip_csi(line);
		if (strstr(line, want))
			return;
	}
}

/*
 * Reads the answer up to "@<marker> end <status>": prints it (text), or keeps the JSON line in
 * `json` (empty if none came whole). Returns the status.
 */
static int read_answer(struct reader *r, unsigned long marker, bool want_json, char *json,
		       double deadline)
{
	static char line[LINE_MAX_BYTES];
	char end[32];
	size_t elen = (size_t)snprintf(end, sizeof(end), "@%lu end ", marker);

	json[0] = 0;
	for (;;) {
		if (!read_line(r, line, sizeof(line), deadline))
			die("the shell did not finish within the timeout");
		strip_csi(line);
		if (!strncmp(line, end, elen))
			return atoi(line + elen);
		if (guest_line(line))
			continue;
		if (!want_json)
			puts(line);
		else if (!json[0] && json_whole(line))
			strcpy(json, line);
	}
}

static int run_verb(const struct opts *o)
{
	static char line[LINE_MAX_BYTES], json[LINE_MAX_BYTES];
	double deadline = now_s() + o->timeout;
	struct reader r = { .fd = connect_console(o->socket, deadline) };
	int status = 2;

	for (int tries = 0; tries < (o->json ? JSON_TRIES : 1); tries++) {
		unsigned long marker = send_request(r.fd, o);

		await_begin(&r, marker, line, deadline);
		status = read_answer(&r, marker, o->json, json, deadline);
		if (!o->json || json[0])
			break;
	}
	close(r.fd);
	if (o->json && !json[0])
		die("no whole JSON answer in %d tries", JSON_TRIES);
	if (o->json)
		puts(json);
	return status;
}

static struct termios saved_tty;

static void restore_tty(void)
{
	tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
}

/* The shell on this terminal, raw, until Ctrl-\ or the console closes. */
static int attach(const struct opts *o)
{
	int fd = connect_console(o->socket, now_s() + o->timeout);
	struct termios raw;
	char buf[4096];

	if (isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &saved_tty)) {
		raw = saved_tty;
		cfmakeraw(&raw);
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
		atexit(restore_tty);
	}
	fprintf(stderr, "skiffctl: attached to %s; Ctrl-\\ leaves\r\n", o->socket);
	send_all(fd, "\x0c", 1); /* ^L: the shell redraws its prompt */
	for (;;) {
		struct pollfd p[2] = { { .fd = STDIN_FILENO, .events = POLLIN },
				       { .fd = fd, .events = POLLIN } };
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (p[1].revents) {
			ssize_t n = read(fd, buf, sizeof(buf));
			if (n <= 0)
				break;
			if (write(STDOUT_FILENO, buf, (size_t)n) < 0)
				break;
		}
		if (p[0].revents) {
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n <= 0 || memchr(buf, ATTACH_QUIT, (size_t)n))
				break;
			send_all(fd, buf, (size_t)n);
		}
	}
	fprintf(stderr, "\r\nskiffctl: detached\r\n");
	return 0;
}

static void usage(void)
{
	fputs("usage: skiffctl [--socket PATH] [--json] [--timeout S] VERB [ARG...]\n"
	      "       skiffctl [--socket PATH] attach | wait\n"
	      "VERB is a shell verb (list, info, create, pause, unpause, shutdown, reboot,\n"
	      "destroy, vcpu-list, vcpu-pin VM VCPU CPUS, mem-set VM SIZE, mem, top -n N, log,\n"
	      "help); attach puts the shell on\n"
	      "this terminal (Ctrl-\\ leaves); wait returns once the shell answers. Socket:\n"
	      "$SKIFF_SOCKET "
	      "or " DEFAULT_SOCKET ".\n",
	      stderr);
	exit(2);
}

static struct opts parse_args(int argc, char **argv)
{
	const char *env = getenv("SKIFF_SOCKET");
	struct opts o = { .socket = env && *env ? env : DEFAULT_SOCKET, .timeout = 10 };
	int i = 1;

	for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
		if (!strcmp(argv[i], "--json"))
			o.json = true;
		else if (!strcmp(argv[i], "--socket") && i + 1 < argc)
			o.socket = argv[++i];
		else if (!strcmp(argv[i], "--timeout") && i + 1 < argc)
			o.timeout = atof(argv[++i]);
		else
			usage();
	}
	if (i == argc || o.timeout <= 0)
		usage();
	o.words = argv + i;
	o.nwords = argc - i;
	return o;
}

int main(int argc, char **argv)
{
	struct opts o = parse_args(argc, argv);

	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(o.words[0], "attach") && o.nwords == 1)
		return attach(&o);
	if (!strcmp(o.words[0], "wait") && o.nwords == 1) {
		o.nwords = 0;
		o.json = false;
	}
	return run_verb(&o);
}
