// SPDX-License-Identifier: GPL-2.0
/*
 * cli_holder NAME RECORDS [FORKS]: create a /dev/memwell records ring
 * named NAME (64 B blocks x 1024), commit RECORDS one-block records that
 * nobody consumes, fork FORKS children that inherit the ring's fd, print
 * "ready <pid>" and sleep until killed; for memwell list and fdinfo in
 * tests/vm/cli_guest.sh (a known fill, known holders).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "libmemwell.h"

int main(int argc, char **argv)
{
	struct memwell_opts o = {
		.size = sizeof(o), .flags = MEMWELL_F_RECORDS,
		.block_shift = 6, .count_shift = 10,
	};
	struct memwell *mw;
	char rec[64 - 8];
	long n, forks;
	int err;

	if (argc < 3) {
		fprintf(stderr, "usage: cli_holder NAME RECORDS [FORKS]\n");
		return 2;
	}
	o.name = argv[1];
	n = strtol(argv[2], NULL, 0);
	forks = argc > 3 ? strtol(argv[3], NULL, 0) : 0;
	err = memwell_create_dev(&o, &mw);
	if (err) {
		fprintf(stderr, "cli_holder: memwell_create_dev: %s\n", strerror(-err));
		return 1;
	}
	memset(rec, 'r', sizeof(rec));
	for (long i = 0; i < n; i++) {
		err = memwell_rec_write(memwell_get_ring(mw), rec, sizeof(rec));
		if (err) {
			fprintf(stderr, "cli_holder: record %ld: %s\n", i, strerror(-err));
			return 1;
		}
	}
	for (long i = 0; i < forks; i++) {
		if (fork() == 0) {
			/* Go with the parent: the test kills only the pid it knows. */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			break;
		}
	}
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	for (;;)
		pause();
}
