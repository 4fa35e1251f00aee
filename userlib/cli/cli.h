/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The memwell command-line tool: shared helpers of its subcommands.
 *
 * Conventions: every error is one line on stderr,
 *   memwell: <cmd>: <what> (<ERRNO NAME>)
 * and a non-zero exit: 2 for bad usage, 3 when the loaded memwell.ko lacks
 * a feature (e.g. kernel sources), 1 for anything else.
 */
#ifndef MEMWELL_CLI_H
#define MEMWELL_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "libmemwell.h"

#define CLI_EXIT_FAIL		1
#define CLI_EXIT_USAGE		2
#define CLI_EXIT_UNSUPPORTED	3

extern const char *cli_cmd;	/* subcommand, for messages */
extern bool cli_json;		/* --json: one JSON object per run on stdout */

/* "memwell: <cmd>: <what> (<ERRNAME>)", then exit(code). @err is positive. */
void cli_die(int code, int err, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));
#define cli_fail(err, ...)	cli_die(CLI_EXIT_FAIL, (err), __VA_ARGS__)
#define cli_usage(...)		cli_die(CLI_EXIT_USAGE, EINVAL, __VA_ARGS__)
/* Same line, no exit. */
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

#endif /* MEMWELL_CLI_H */
