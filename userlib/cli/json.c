// SPDX-License-Identifier: GPL-2.0
/*
 * The CLI's JSON writer (json.h).  Strings are checked as UTF-8 as they
 * are written: a byte that does not start a well-formed sequence, or a
 * truncated sequence, becomes one U+FFFD for its maximal valid prefix
 * (the Unicode recommendation, which Python's errors="replace" follows),
 * so every output parses whatever bytes a name, path or process name holds.
 */
#include <math.h>
#include <string.h>

#include "json.h"

/*
 * Length of the well-formed UTF-8 sequence at @s (at most @n bytes), or
 * minus the length of its maximal valid prefix (at least 1) if it is not
 * one.  RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF.
 */
static int cj_utf8_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	int need, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else {
		return -1;
	}
	for (i = 1; i < need; i++) {
		if ((size_t)i >= n || s[i] < lo || s[i] > hi)
			return -i;
		lo = 0x80;
		hi = 0xbf;
	}
	return need;
}

void cj_write_string(FILE *f, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	fputc('"', f);
	while (i < len) {
		unsigned char c = s[i];
		int n;

		switch (c) {
		case '"': fputs("\\\"", f); i++; continue;
		case '\\': fputs("\\\\", f); i++; continue;
		case '\b': fputs("\\b", f); i++; continue;
		case '\f': fputs("\\f", f); i++; continue;
		case '\n': fputs("\\n", f); i++; continue;
		case '\r': fputs("\\r", f); i++; continue;
		case '\t': fputs("\\t", f); i++; continue;
		}
		if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c);
			i++;
			continue;
		}
		n = cj_utf8_len(s + i, len - i);
		if (n < 0) {
			fputs("\\ufffd", f);
			i += (size_t)-n;
			continue;
		}
		fwrite(s + i, 1, (size_t)n, f);
		i += (size_t)n;
	}
	fputc('"', f);
}

/* The separator and key of the next value. */
static void cj_key(struct cj *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	if (key) {
		cj_write_string(j->f, key, strlen(key));
		fputc(':', j->f);
	}
}

static void cj_open(struct cj *j, const char *key, char c)
{
	cj_key(j, key);
	fputc(c, j->f);
	if (j->depth + 1 < CJ_DEPTH_MAX)
		j->depth++;
	j->first[j->depth] = true;
}

static void cj_close(struct cj *j, char c)
{
	fputc(c, j->f);
	if (j->depth > 0)
		j->depth--;
}

void cj_begin(struct cj *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->first[0] = true;
	cj_open(j, NULL, '{');
}

void cj_end(struct cj *j)
{
	cj_close(j, '}');
	fputc('\n', j->f);
	fflush(j->f);
}

void cj_obj(struct cj *j, const char *key)
{
	cj_open(j, key, '{');
}

void cj_obj_end(struct cj *j)
{
	cj_close(j, '}');
}

void cj_arr(struct cj *j, const char *key)
{
	cj_open(j, key, '[');
}

void cj_arr_end(struct cj *j)
{
	cj_close(j, ']');
}

void cj_strn(struct cj *j, const char *key, const char *s, size_t len)
{
	cj_key(j, key);
	cj_write_string(j->f, s, len);
}

void cj_str(struct cj *j, const char *key, const char *s)
{
	if (!s) {
		cj_null(j, key);
		return;
	}
	cj_strn(j, key, s, strlen(s));
}

void cj_u64(struct cj *j, const char *key, unsigned long long v)
{
	cj_key(j, key);
	fprintf(j->f, "%llu", v);
}

void cj_i64(struct cj *j, const char *key, long long v)
{
	cj_key(j, key);
	fprintf(j->f, "%lld", v);
}

/* JSON has no NaN or infinity: those are null. */
void cj_dbl(struct cj *j, const char *key, double v, int decimals)
{
	if (!isfinite(v)) {
		cj_null(j, key);
		return;
	}
	cj_key(j, key);
	fprintf(j->f, "%.*f", decimals, v);
}

void cj_bool(struct cj *j, const char *key, bool v)
{
	cj_key(j, key);
	fputs(v ? "true" : "false", j->f);
}

void cj_null(struct cj *j, const char *key)
{
	cj_key(j, key);
	fputs("null", j->f);
}
