/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The memwell command-line tool: shared helpers of its subcommands.
 *
 * Conventions: every error is one line on stderr,
 *   memwell: <cmd>: <what> (<ERRNO NAME>)
 * without the errno for usage errors, possibly followed by lines that
 * start with two spaces and explain what to do; under --json it is one
 * JSON object on stderr instead (cli_die()).  Exit codes: the CLI_EXIT_*
 * below, documented in memwell(1).
 */
#ifndef MEMWELL_CLI_H
#define MEMWELL_CLI_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include "libmemwell.h"

#define CLI_EXIT_FAIL		1	/* any other failure */
#define CLI_EXIT_USAGE		2	/* bad command line */
#define CLI_EXIT_UNSUPPORTED	3	/* the loaded memwell.ko lacks the feature */
#define CLI_EXIT_PERM		4	/* permission denied (EACCES, EPERM) */
#define CLI_EXIT_NO_MODULE	5	/* memwell.ko not loaded, /dev/memwell missing */
#define CLI_EXIT_REFUSED	6	/* the kernel refused to load a module (signing, lockdown) */

extern const char *cli_cmd;	/* subcommand, for messages */
extern bool cli_json;		/* --json: one JSON object per run on stdout */

/*
 * Print the error and exit(code): "memwell: <cmd>: <what> (<ERRNAME>)",
 * then @hint (lines, each printed after two spaces) if not NULL; under
 * --json one object on stderr, {"cmd", "error", "errno", "exit", "hint"}.
 * @err is positive, or 0 for none (usage errors never show one).
 */
void cli_die_hint(int code, int err, const char *hint, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 4, 5)));
#define cli_die(code, err, ...)	cli_die_hint((code), (err), NULL, __VA_ARGS__)
/* A failure: exit 4 for EACCES and EPERM, else 1. */
#define cli_fail(err, ...)	cli_die(cli_exit_code(err), (err), __VA_ARGS__)
#define cli_usage(...)		cli_die(CLI_EXIT_USAGE, 0, __VA_ARGS__)
int cli_exit_code(int err);
/* /dev/memwell (@path) could not be opened for @err: exit 5, 4 or 1. */
void cli_die_dev(int err, const char *path) __attribute__((noreturn));
/* Same line (a "warning" object under --json), no exit. */
void cli_warn(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *cli_errname(int err);

/* getopt_long()'s '?' and ':' results as one-line usage errors. */
void cli_bad_option(int c, char **argv) __attribute__((noreturn));
/* --help text of a subcommand: prints it and exits 0. */
void cli_help(const char *text) __attribute__((noreturn));

/* Numbers: decimal suffixes k/m/g (counts, rates), binary K/M/G ok for sizes. */
unsigned long long cli_parse_count(const char *opt, const char *s);
unsigned long long cli_parse_size(const char *opt, const char *s);
double cli_parse_seconds(const char *opt, const char *s);
unsigned int cli_log2_exact(const char *opt, unsigned long long v);

double cli_now(void);		/* CLOCK_MONOTONIC seconds */

/* Live progress on stderr (only when it is a tty and not --json). */
void cli_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_progress_end(void);
bool cli_progress_due(void);	/* at most 4 updates a second */

/* Ring geometry and mode options shared by create, stream, recv, bench. */
struct cli_ring_opts {
	bool local;		/* memfd ring instead of /dev/memwell */
	__u32 flags;
	unsigned long long ring_size;	/* data bytes */
	unsigned long long block_size;
	char name[MEMWELL_NAME_LEN];
	__u32 mode;		/* --mode: who may open it by name (0: 0600) */
};
#define CLI_RING_LONGOPTS \
	{ "local", no_argument, NULL, 0x1000 }, \
	{ "dev", no_argument, NULL, 0x1001 }, \
	{ "ring-size", required_argument, NULL, 0x1002 }, \
	{ "block-size", required_argument, NULL, 0x1003 }, \
	{ "name", required_argument, NULL, 0x1004 }, \
	{ "prod-multi", no_argument, NULL, 0x1005 }, \
	{ "cons-multi", no_argument, NULL, 0x1006 }, \
	{ "blocks", no_argument, NULL, 0x1007 }, \
	{ "mode", required_argument, NULL, 0x1008 }
#define CLI_RING_HELP \
"  --dev | --local     /dev/memwell ring (default) or a local memfd ring\n" \
"  --ring-size SIZE    data bytes, a power of two (K/M/G suffixes)\n" \
"  --block-size SIZE   bytes per block, a power of two, 8..64K\n" \
"  --prod-multi        many producers (one CAS per reservation)\n" \
"  --cons-multi        many consumers\n" \
"  --name NAME         device ring name for kernel code ([A-Za-z0-9_.-])\n" \
"  --mode MODE         who else may open the named ring (octal, default 0600)\n"
/* Handles one of the options above; returns false for any other. */
bool cli_ring_opt(struct cli_ring_opts *o, int c, const char *arg);
/* Check the geometry; fills the shifts. */
void cli_ring_geometry(const struct cli_ring_opts *o, __u32 *block_shift,
		       __u32 *count_shift);
/* Create the ring or die with a clear message. */
struct memwell *cli_ring_create(const struct cli_ring_opts *o);
const char *cli_dev_path(void);
/* Print the ring's state (stat); @label names it in the JSON object. */
void cli_ring_stat(struct memwell *mw, const char *label);

/*
 * Load source @kind's module memwell_<kind>.ko from $MEMWELL_MODULE_DIR or
 * ./, else by name from the module tree.  0 or -errno: -EEXIST if it is
 * loaded already, -EPERM if we are not root, -ENOENT if there is none.
 */
int cli_source_load(const char *kind);

int cmd_load(int argc, char **argv);
int cmd_unload(int argc, char **argv);
int cmd_create(int argc, char **argv);
int cmd_stat(int argc, char **argv);
int cmd_stream(int argc, char **argv);
int cmd_send(int argc, char **argv);
int cmd_recv(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_list(int argc, char **argv);

#endif /* MEMWELL_CLI_H */
