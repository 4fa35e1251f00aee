// SPDX-License-Identifier: GPL-2.0
/*
 * memwell: the command-line tool.  main(), the error helpers and the
 * progress line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"
#include "opt.h"

/* The project version (top-level VERSION), passed by the Makefile. */
#ifndef MEMWELL_VERSION
#error "build with -DMEMWELL_VERSION='\"$(cat VERSION)\"' (see the Makefile)"
#endif

const char *cli_cmd = NULL;
bool cli_json;

const char *cli_errname(int err)
{
	const char *n = strerrorname_np(err);

	return n ? n : "EUNKNOWN";
}

int cli_exit_code(int err)
{
	return err == EACCES || err == EPERM ? CLI_EXIT_PERM : CLI_EXIT_FAIL;
}

/*
 * One error or warning: a line on stderr, or under --json one object;
 * @code is the exit code (< 0: a warning).  Usage errors (exit 2) carry
 * no errno: there is no system error behind them.
 */
static void cli_report(int code, int err, const char *hint, const char *fmt,
		       va_list ap)
{
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	cli_progress_end();
	fflush(stdout);
	if (code == CLI_EXIT_USAGE)
		err = 0;
	if (cli_json) {
		struct cj j;

		cj_begin(&j, stderr);
		cj_str(&j, "cmd", cli_cmd);
		cj_str(&j, code < 0 ? "warning" : "error", buf);
		cj_str(&j, "errno", err ? cli_errname(err) : NULL);
		if (code >= 0)
			cj_i64(&j, "exit", code);
		cj_str(&j, "hint", hint);
		cj_end(&j);
		return;
	}
	fputs("memwell: ", stderr);
	if (cli_cmd)
		fprintf(stderr, "%s: ", cli_cmd);
	/* One line, whatever the quoted arguments hold: control bytes as \xNN. */
	for (const char *p = buf; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20 || c == 0x7f)
			fprintf(stderr, "\\x%02x", c);
		else
			fputc(c, stderr);
	}
	if (err)
		fprintf(stderr, " (%s)", cli_errname(err));
	fputc('\n', stderr);
	for (const char *l = hint; l && *l;) {
		const char *nl = strchr(l, '\n');
		int n = nl ? (int)(nl - l) : (int)strlen(l);

		fprintf(stderr, "  %.*s\n", n, l);
		l += n + !!nl;
	}
}

void cli_die_hint(int code, int err, const char *hint, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_report(code, err, hint, fmt, ap);
	va_end(ap);
	exit(code);
}

void cli_warn(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_report(-1, err, NULL, fmt, ap);
	va_end(ap);
}

void cli_die_dev(int err, const char *path)
{
	if (err == ENOENT || err == ENXIO || err == ENODEV)
		cli_die_hint(CLI_EXIT_NO_MODULE, err,
			     "load it as root: 'memwell load' (memwell.ko in the current directory or\n"
			     "the module tree) or 'modprobe memwell'",
			     "%s missing: memwell.ko is not loaded", path);
	if (err == EACCES || err == EPERM)
		cli_die_hint(CLI_EXIT_PERM, err,
			     "the device is for root and the memwell group (memwell(7)): 'usermod -aG\n"
			     "memwell USER', then log in again",
			     "no permission to open %s", path);
	cli_fail(err, "cannot open %s", path);
}

double cli_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cli_progress_on = -1;
static bool cli_progress_shown;
static double cli_progress_last;

static bool cli_progress_enabled(void)
{
	if (cli_progress_on < 0)
		cli_progress_on = isatty(STDERR_FILENO) && !getenv("MEMWELL_NO_PROGRESS");
	return cli_progress_on && !cli_json;
}

bool cli_progress_due(void)
{
	double now;

	if (!cli_progress_enabled())
		return false;
	now = cli_now();
	if (now - cli_progress_last < 0.25)
		return false;
	cli_progress_last = now;
	return true;
}

void cli_progress(const char *fmt, ...)
{
	va_list ap;

	if (!cli_progress_enabled())
		return;
	fputs("\r\033[K", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
	cli_progress_shown = true;
}

void cli_progress_end(void)
{
	if (cli_progress_shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		cli_progress_shown = false;
	}
}

static const char usage_text[] =
"usage: memwell [--json] <command> [options]\n"
"       memwell --version | --help\n"
"\n"
"Lock-free, zero-copy rings shared by processes and the kernel.\n"
"\n"
"commands:\n"
"  load [module.ko] [param=value...]   load memwell.ko and the sources (root)\n"
"  unload                              unload them (root)\n"
"  create [ring options] [-- CMD...]   create a ring, print its layout; with\n"
"                                      CMD, run it holding the ring (fd in\n"
"                                      $MEMWELL_FD)\n"
"  stat [--fd N]                       a ring's geometry, positions, counters\n"
"  list [--fdinfo]                     every ring on the system (root), or the\n"
"                                      rings of the processes you may inspect\n"
"  stream [options]                    stream a kernel source (gen, sched) to\n"
"                                      this process: count/verify, hexdump, decode\n"
"  recv --socket PATH [options]        create a ring, hand it to a sender over\n"
"                                      an AF_UNIX socket, print records as lines\n"
"  send --socket PATH [FILE...]        send lines of FILEs (or stdin) as records\n"
"  bench [options]                     ring throughput: memwell, pipe, eventfd\n"
"\n"
"'memwell <command> --help' describes a command.  --json (before or after\n"
"the command) prints one JSON object per run; errors are then one JSON\n"
"object on stderr.  Errors are one line, 'memwell: <command>: <what>\n"
"(<ERRNO>)'.  Exit status: 0 success, 1 failure, 2 bad usage, 3 the loaded\n"
"module lacks the feature, 4 permission denied, 5 memwell.ko not loaded,\n"
"6 the kernel refused to load a module (signing, lockdown).\n";

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} cmds[] = {
	{ "load", cmd_load },
	{ "unload", cmd_unload },
	{ "create", cmd_create },
	{ "stat", cmd_stat },
	{ "list", cmd_list },
	{ "stream", cmd_stream },
	{ "send", cmd_send },
	{ "recv", cmd_recv },
	{ "bench", cmd_bench },
};

int main(int argc, char **argv)
{
	int i = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* --json anywhere before "--": errors in the command line are JSON too. */
	for (int j = 1; j < argc && strcmp(argv[j], "--"); j++)
		if (!strcmp(argv[j], "--json"))
			cli_json = true;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--json")) {
			cli_json = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage_text, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--version")) {
			printf("memwell %s (ABI %u)\n", MEMWELL_VERSION,
			       MEMWELL_ABI_VERSION);
			return 0;
		} else {
			cli_usage("unknown option '%s'; try 'memwell --help'", argv[i]);
		}
	}
	if (i >= argc)
		cli_usage("no command given; try 'memwell --help'");
	for (size_t c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++) {
		if (!strcmp(argv[i], cmds[c].name)) {
			cli_cmd = cmds[c].name;
			optind = 1;
			opterr = 0;
			return cmds[c].fn(argc - i, argv + i);
		}
	}
	cli_usage("unknown command '%s'; try 'memwell --help'", argv[i]);
}
