// SPDX-License-Identifier: GPL-2.0
/*
 * memwell: the command-line tool.  main(), the error and number helpers,
 * and the ring options shared by several subcommands.
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
	fputs(buf, stderr);
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

void cli_bad_option(int c, char **argv)
{
	const char *arg = argv[optind - 1];

	if (c == ':')
		cli_usage("option '%s' needs a value", arg);
	if (optopt && optopt < 0x100)
		cli_usage("unknown option '-%c'", optopt);
	cli_usage("unknown option '%s'", arg);
}

void cli_help(const char *text)
{
	fputs(text, stdout);
	exit(0);
}

static unsigned long long cli_parse_num(const char *opt, const char *s, bool binary)
{
	unsigned long long v, mul = 1;
	char *end;

	if (!s || !*s || *s == '-' || *s == ' ')
		cli_usage("%s: '%s' is not a number", opt, s ? s : "");
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno == ERANGE)
		cli_die(CLI_EXIT_USAGE, ERANGE, "%s: '%s' is out of range", opt, s);
	if (end == s)
		cli_usage("%s: '%s' is not a number", opt, s);
	if (*end) {
		switch (*end) {
		case 'k': mul = binary ? 1024ULL : 1000ULL; break;
		case 'K': mul = 1024ULL; break;
		case 'm': mul = binary ? 1ULL << 20 : 1000000ULL; break;
		case 'M': mul = binary ? 1ULL << 20 : 1000000ULL; break;
		case 'g': mul = binary ? 1ULL << 30 : 1000000000ULL; break;
		case 'G': mul = binary ? 1ULL << 30 : 1000000000ULL; break;
		default:
			cli_usage("%s: '%s' is not a number", opt, s);
		}
		if (end[1] && !(binary && (end[1] == 'B' || end[1] == 'b') && !end[2]) &&
		    !(binary && end[1] == 'i' && end[2] == 'B' && !end[3]))
			cli_usage("%s: '%s' is not a number", opt, s);
		if (v && mul > ~0ULL / v)
			cli_die(CLI_EXIT_USAGE, ERANGE, "%s: '%s' is out of range", opt, s);
	}
	return v * mul;
}

unsigned long long cli_parse_count(const char *opt, const char *s)
{
	return cli_parse_num(opt, s, false);
}

unsigned long long cli_parse_size(const char *opt, const char *s)
{
	return cli_parse_num(opt, s, true);
}

double cli_parse_seconds(const char *opt, const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = s && *s ? strtod(s, &end) : -1;
	if (!s || !*s || errno || *end || !(v >= 0) || v > 1e7)
		cli_usage("%s: '%s' is not a number of seconds", opt, s ? s : "");
	return v;
}

unsigned int cli_log2_exact(const char *opt, unsigned long long v)
{
	if (!v || (v & (v - 1)))
		cli_usage("%s: %llu is not a power of two", opt, v);
	return (unsigned int)__builtin_ctzll(v);
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
