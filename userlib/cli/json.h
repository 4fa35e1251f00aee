/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small JSON writer for the memwell CLI: one object at a time, written
 * as it is built, every string escaped (quotes, backslashes, control
 * characters; bytes that are not UTF-8 become U+FFFD), every missing
 * value null.
 */
#ifndef MEMWELL_CLI_JSON_H
#define MEMWELL_CLI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CJ_DEPTH_MAX	8

struct cj {
	FILE *f;
	int depth;
	bool first[CJ_DEPTH_MAX];
};

/*
 * Every call takes a @key: the member name inside an object, NULL inside
 * an array.  cj_begin() opens the top-level object, cj_end() closes it
 * and ends the line.
 */
void cj_begin(struct cj *j, FILE *f);
void cj_end(struct cj *j);
void cj_obj(struct cj *j, const char *key);
void cj_obj_end(struct cj *j);
void cj_arr(struct cj *j, const char *key);
void cj_arr_end(struct cj *j);
void cj_str(struct cj *j, const char *key, const char *s);	/* NULL: null */
void cj_strn(struct cj *j, const char *key, const char *s, size_t len);
void cj_u64(struct cj *j, const char *key, unsigned long long v);
void cj_i64(struct cj *j, const char *key, long long v);
void cj_dbl(struct cj *j, const char *key, double v, int decimals);
void cj_bool(struct cj *j, const char *key, bool v);
void cj_null(struct cj *j, const char *key);

/* @s as a JSON string (with its quotes) on @f. */
void cj_write_string(FILE *f, const char *s, size_t len);

#endif /* MEMWELL_CLI_JSON_H */
