// SPDX-License-Identifier: GPL-2.0
/*
 * memwell CLI: option parsing shared by every subcommand (opt.h).  Every
 * bad option or value ends here in cli_usage(), so each is one line that
 * names the option and quotes what was given.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "opt.h"

void cli_usage(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	cli_die(CLI_EXIT_USAGE, 0, "%s", buf);
}

/*
 * A long option getopt_long() refused: @arg is "--name[=value]".  It says
 * '?' for an unknown name, an ambiguous abbreviation and a value given to
 * an option that takes none alike; the table tells them apart.
 */
static void __attribute__((noreturn))
cli_bad_long_option(int c, const char *arg, const struct option *lo)
{
	const char *name = arg + 2;
	size_t len = strcspn(name, "=");
	const struct option *hit = NULL;
	int hits = 0;

	if (c == ':')
		cli_usage("option '%s' needs a value", arg);
	for (const struct option *o = lo; o->name; o++) {
		if (strncmp(o->name, name, len))
			continue;
		if (strlen(o->name) == len) {
			hit = o;
			hits = 1;
			break;
		}
		hit = o;
		hits++;
	}
	if (hits > 1)
		cli_usage("option '--%.*s' is ambiguous", (int)len, name);
	if (hits == 1 && name[len] == '=' && hit->has_arg == no_argument)
		cli_usage("option '--%s' takes no value", hit->name);
	cli_usage("unknown option '%s'", arg);
}

int cli_getopt(int argc, char **argv, const char *shortopts,
	       const struct option *lo, const char *help)
{
	for (;;) {
		int before = optind, c;

		opterr = 0;
		c = getopt_long(argc, argv, shortopts, lo, NULL);
		switch (c) {
		case CLI_OPT_JSON:
			cli_json = true;
			break;
		case 'h':
			fputs(help, stdout);
			exit(0);
		case '?':
		case ':':
			/* A long option's error moves past it; a short one's may not. */
			if (optind > before && !strncmp(argv[optind - 1], "--", 2))
				cli_bad_long_option(c, argv[optind - 1], lo);
			if (c == ':')
				cli_usage("option '-%c' needs a value", optopt);
			cli_usage("unknown option '-%c'", optopt);
		default:
			return c;
		}
	}
}

void cli_no_operands(int argc, char **argv)
{
	if (optind < argc)
		cli_usage("unexpected argument '%s'", argv[optind]);
}

/* @v as the user would write it: sizes with the largest exact suffix. */
static const char *cli_num_text(char *buf, size_t len, unsigned long long v,
				enum cli_num_kind kind)
{
	static const char suffix[] = "\0KMG";
	int i = 0;

	while (kind == CLI_NUM_SIZE && v && !(v & 1023) && i < 3) {
		v >>= 10;
		i++;
	}
	snprintf(buf, len, "%llu%.1s", v, &suffix[i]);
	return buf;
}

/* The multiplier of suffix @c, or 0 for none. */
static unsigned long long cli_suffix(char c, enum cli_num_kind kind)
{
	static const char names[] = "kKmMgG";
	const char *p = c ? strchr(names, c) : NULL;
	int power = p ? (int)(p - names) / 2 + 1 : 0;
	unsigned long long mul = 1;

	if (!power || kind == CLI_NUM_PLAIN)
		return 0;
	while (power--)
		mul *= kind == CLI_NUM_SIZE ? 1024 : 1000;
	return mul;
}

static int cli_digit(char c, unsigned int base)
{
	int d = c >= '0' && c <= '9' ? c - '0' :
		c >= 'a' && c <= 'f' ? c - 'a' + 10 :
		c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;

	return d < (int)base ? d : -1;
}

/*
 * The value of @s (a usage error if it is not a number of @kind); *@over
 * is set instead when it does not fit 64 bits.
 */
static unsigned long long cli_scan_num(const char *opt, const char *s,
				       enum cli_num_kind kind, bool *over)
{
	unsigned long long v = 0, mul = 1;
	unsigned int base = 10;
	const char *p = s;
	int d;

	*over = false;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (cli_digit(*p, base) < 0)
		cli_usage("%s: '%s' is not a number", opt, s);
	for (; (d = cli_digit(*p, base)) >= 0; p++) {
		if (v > (ULLONG_MAX - (unsigned int)d) / base)
			*over = true;
		v = v * base + (unsigned int)d;
	}
	if (base == 10 && *p && cli_suffix(*p, kind)) {
		mul = cli_suffix(*p++, kind);
		if (kind == CLI_NUM_SIZE && (*p == 'B' || *p == 'b'))
			p++;
		else if (kind == CLI_NUM_SIZE && p[0] == 'i' && p[1] == 'B')
			p += 2;
	} else if (base == 10 && kind == CLI_NUM_SIZE && *p == 'B') {
		p++;
	}
	if (*p)
		cli_usage("%s: '%s' is not a number", opt, s);
	if (v && mul > ULLONG_MAX / v)
		*over = true;
	return v * mul;
}

static void cli_check_range(const char *opt, const char *s, enum cli_num_kind kind,
			    unsigned long long v, bool over,
			    unsigned long long min, unsigned long long max)
{
	char lo[32], hi[32];

	if (!over && v >= min && v <= max)
		return;
	cli_num_text(lo, sizeof(lo), min, kind);
	if (max != ULLONG_MAX)
		cli_usage("%s: '%s' is not %s..%s", opt, s, lo,
			  cli_num_text(hi, sizeof(hi), max, kind));
	if (over)
		cli_usage("%s: '%s' is out of range", opt, s);
	cli_usage("%s: '%s' is not at least %s", opt, s, lo);
}

unsigned long long cli_parse_num(const char *opt, const char *s, enum cli_num_kind kind,
				 unsigned long long min, unsigned long long max)
{
	bool over;
	unsigned long long v;

	s = s ? s : "";
	v = cli_scan_num(opt, s, kind, &over);
	cli_check_range(opt, s, kind, v, over, min, max);
	return v;
}

unsigned long long cli_parse_pow2(const char *opt, const char *s,
				  unsigned long long min, unsigned long long max)
{
	bool over;
	unsigned long long v;

	s = s ? s : "";
	v = cli_scan_num(opt, s, CLI_NUM_SIZE, &over);
	if (!over && (!v || (v & (v - 1))))
		cli_usage("%s: '%s' is not a power of two", opt, s);
	cli_check_range(opt, s, CLI_NUM_SIZE, v, over, min, max);
	return v;
}

double cli_parse_seconds(const char *opt, const char *s)
{
	size_t whole, frac = 0;
	const char *p;
	double v;

	s = s ? s : "";
	whole = strspn(s, "0123456789");
	p = s + whole;
	if (*p == '.') {
		frac = strspn(p + 1, "0123456789");
		p += 1 + frac;
	}
	v = (whole || frac) && !*p ? strtod(s, NULL) : -1;
	if (v < 0 || v > 1e7)
		cli_usage("%s: '%s' is not a number of seconds", opt, s);
	return v;
}

unsigned int cli_parse_choice(const char *opt, const char *s, const char *const *names)
{
	char list[256] = "";
	unsigned int i;

	for (i = 0; names[i]; i++)
		if (!strcmp(s, names[i]))
			return i;
	for (i = 0; names[i]; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			 !i ? "" : names[i + 1] ? ", " : " or ", names[i]);
	cli_usage("%s: '%s' is not %s", opt, s, list);
}
