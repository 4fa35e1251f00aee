/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The memwell CLI's option parsing, one set of rules for every subcommand:
 * the getopt loop with the options all of them take (--json, --help), the
 * operands check, numbers with suffixes and range checks, named choices,
 * and usage errors (one line, no errno, exit CLI_EXIT_USAGE; a JSON
 * object under --json).
 *
 * Numbers are decimal, or hexadecimal after 0x (then without a suffix);
 * a leading zero does not mean octal.  No sign, no white space.
 */
#ifndef MEMWELL_CLI_OPT_H
#define MEMWELL_CLI_OPT_H

#include <getopt.h>
#include <limits.h>

/* getopt_long() value of --json; the subcommands' own values stay below. */
#define CLI_OPT_JSON	0x1100

/* Ends every subcommand's option table: --json, --help, the terminator. */
#define CLI_COMMON_LONGOPTS \
	{ "json", no_argument, NULL, CLI_OPT_JSON }, \
	{ "help", no_argument, NULL, 'h' }, \
	{ NULL, 0, NULL, 0 }

/* A usage error: "memwell: <cmd>: <what>", exit CLI_EXIT_USAGE. */
void cli_usage(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/*
 * getopt_long() over @lo (ending with CLI_COMMON_LONGOPTS) that handles
 * the common options itself: --json sets cli_json, -h/--help prints @help
 * and exits 0, an unknown, ambiguous or misused option is a usage error.
 * Returns the next other option's value, or -1 after the last option.
 * @shortopts starts with ':' ("+:" to stop at the first operand).
 */
int cli_getopt(int argc, char **argv, const char *shortopts,
	       const struct option *lo, const char *help);
/* A usage error if operands follow the options. */
void cli_no_operands(int argc, char **argv);

enum cli_num_kind {
	CLI_NUM_PLAIN,	/* no suffix (descriptors) */
	CLI_NUM_COUNT,	/* k/K m/M g/G: 10^3, 10^6, 10^9 */
	CLI_NUM_SIZE,	/* k/K m/M g/G: 2^10, 2^20, 2^30, then B, b or iB; or B */
};

/*
 * The number @s given for option @opt (named in messages), within
 * @min..@max; anything else is a usage error that quotes @s.
 */
unsigned long long cli_parse_num(const char *opt, const char *s, enum cli_num_kind kind,
				 unsigned long long min, unsigned long long max);
#define cli_parse_count(opt, s, min, max) cli_parse_num(opt, s, CLI_NUM_COUNT, min, max)
#define cli_parse_size(opt, s, min, max) cli_parse_num(opt, s, CLI_NUM_SIZE, min, max)
/* A size that is a power of two, within @min..@max. */
unsigned long long cli_parse_pow2(const char *opt, const char *s,
				  unsigned long long min, unsigned long long max);
/* Seconds: digits with an optional fraction (".5", "2.", "10"), at most 1e7. */
double cli_parse_seconds(const char *opt, const char *s);
/* The index of @s in the NULL-terminated @names. */
unsigned int cli_parse_choice(const char *opt, const char *s, const char *const *names);

#endif /* MEMWELL_CLI_OPT_H */
