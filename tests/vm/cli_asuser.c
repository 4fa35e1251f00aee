// SPDX-License-Identifier: GPL-2.0
/*
 * cli_asuser UID CMD [ARG...]: run CMD with every uid and gid set to UID and
 * no supplementary groups (busybox has no setpriv); for the CLI's
 * "must be root" tests in the VM.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned long id;

	if (argc < 3) {
		fprintf(stderr, "usage: cli_asuser UID CMD [ARG...]\n");
		return 2;
	}
	id = strtoul(argv[1], NULL, 0);
	if (setgroups(0, NULL) || setresgid((gid_t)id, (gid_t)id, (gid_t)id) ||
	    setresuid((uid_t)id, (uid_t)id, (uid_t)id)) {
		perror("cli_asuser");
		return 1;
	}
	execv(argv[2], argv + 2);
	perror("cli_asuser: exec");
	return 127;
}
