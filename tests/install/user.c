// SPDX-License-Identifier: GPL-2.0
/*
 * A user of an installed memwell: built by tests/install/run.sh against the
 * staged headers (<memwell/...>, flags from pkg-config) and linked with the
 * shared or the static library.  One record through a local ring, through
 * the library's functions and the core's inline ones.
 */
#include <stdio.h>
#include <string.h>

#include <memwell/libmemwell.h>

int main(void)
{
	struct memwell_opts o = {
		.size = sizeof(o),
		.flags = MEMWELL_F_RECORDS,
		.block_shift = 3,
		.count_shift = 10,
	};
	static const char msg[] = "installed";
	char buf[64];
	struct memwell *mw;
	struct memwell_ring *r;
	long n;
	int err;

	err = memwell_create_local(&o, &mw);
	if (err) {
		fprintf(stderr, "memwell_create_local: %d\n", err);
		return 1;
	}
	r = memwell_get_ring(mw);
	err = memwell_rec_write(r, msg, sizeof(msg));
	n = memwell_rec_read(r, buf, sizeof(buf));
	memwell_close(mw);
	if (err || n != (long)sizeof(msg) || memcmp(buf, msg, sizeof(msg))) {
		fprintf(stderr, "record round trip: write %d, read %ld\n", err, n);
		return 1;
	}
	puts("memwell: record round trip ok");
	return 0;
}
