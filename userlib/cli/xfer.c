// SPDX-License-Identifier: GPL-2.0
/*
 * memwell recv / send: records between two processes.  The receiver owns
 * the ring: it creates it (/dev/memwell, or a local memfd ring), listens on
 * an AF_UNIX socket path and hands the ring's fd to the first sender that
 * connects (SCM_RIGHTS).  The sender writes every line of its input as one
 * record (newline included, so the receiver's output is byte for byte the
 * sender's input) and closes the socket when done; the receiver drains the
 * ring and exits.  The socket carries nothing but the fd and the hang-up.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"

static const char recv_help[] =
"usage: memwell recv --socket PATH [options]\n"
"\n"
"Create a ring, listen on the AF_UNIX socket PATH, pass the ring to the\n"
"first 'memwell send' that connects, and write every record it sends to\n"
"stdout until the sender hangs up.\n"
"\n"
"  --socket PATH       where to listen (a stale socket there is replaced)\n"
"  --quiet             count the records, do not print them\n"
CLI_RING_HELP
"  --json              no records on stdout; one JSON object at the end\n";

static const char send_help[] =
"usage: memwell send --socket PATH [--wait SEC] [FILE...]\n"
"\n"
"Connect to a 'memwell recv' listening on PATH, receive its ring, and send\n"
"every line of the FILEs (default: stdin; '-' is stdin) as one record.\n"
"\n"
"  --socket PATH       the receiver's socket\n"
"  --wait SEC          keep trying to connect this long (default 5)\n"
"  --json              one JSON object at the end\n";

static void sock_addr(const char *path, struct sockaddr_un *a)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(a->sun_path))
		cli_die(CLI_EXIT_USAGE, ENAMETOOLONG, "--socket: path '%s' is too long", path);
	strcpy(a->sun_path, path);
}

static void nap(unsigned int us)
{
	struct timespec ts = { 0, (long)us * 1000 };

	nanosleep(&ts, NULL);
}

int cmd_recv(int argc, char **argv)
{
	static const struct option lo[] = {
		CLI_RING_LONGOPTS,
		{ "socket", required_argument, NULL, 'S' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_ring_opts o = { .flags = MEMWELL_F_RECORDS, .ring_size = 256 << 10,
				   .block_size = 8 };
	const char *path = NULL;
	bool quiet = false, hup = false;
	struct sockaddr_un a;
	struct memwell_io_stats io;
	struct memwell *mw;
	struct memwell_ring *r;
	__u64 records = 0, bytes = 0, polls = 0;
	double t0 = 0, t1;
	struct stat sst;
	int c, ls, cs, err;

	while ((c = getopt_long(argc, argv, ":hq", lo, NULL)) != -1) {
		if (cli_ring_opt(&o, c, optarg))
			continue;
		switch (c) {
		case 'S': path = optarg; break;
		case 'q': quiet = true; break;
		case 'J': quiet = true; break;
		case 'h': cli_help(recv_help);
		default: cli_bad_option(c, argv);
		}
	}
	if (optind < argc)
		cli_usage("unexpected argument '%s'", argv[optind]);
	if (!path)
		cli_usage("--socket PATH is required");
	if (!(o.flags & MEMWELL_F_RECORDS))
		cli_usage("recv moves records (not --blocks)");
	sock_addr(path, &a);
	mw = cli_ring_create(&o);
	r = memwell_get_ring(mw);

	ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ls < 0)
		cli_fail(errno, "socket failed");
	if (lstat(path, &sst) == 0) {
		if (!S_ISSOCK(sst.st_mode))
			cli_fail(EEXIST, "%s exists and is not a socket", path);
		unlink(path);
	}
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 1))
		cli_fail(errno, "cannot listen on %s", path);
	signal(SIGPIPE, SIG_IGN);
	cs = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
	if (cs < 0)
		cli_fail(errno, "accept on %s failed", path);
	close(ls);
	unlink(path);
	err = memwell_send_fd(cs, memwell_fd(mw));
	if (err)
		cli_fail(-err, "passing the ring to the sender failed");
	t0 = cli_now();
	for (;;) {
		struct memwell_batch b = { { 0, 0 }, 0, 0, 0 };
		struct memwell_rec rec;
		int n = memwell_batch_take(r, 64, ~0ULL, ~0ULL, &b);

		if (n > 0) {
			while (!memwell_batch_next(r, &b, &rec)) {
				records++;
				bytes += rec.len;
				if (!quiet)
					fwrite(rec.data, 1, rec.len, stdout);
			}
			memwell_batch_release(r, &b);
			if (cli_progress_due())
				cli_progress("recv: %llu records", (unsigned long long)records);
			continue;
		}
		if (n == -EBUSY)
			continue;
		if (n != -EAGAIN)
			cli_fail(-n, "reading the ring failed");
		if (hup) {
			/* The sender closed after its last commit: nothing more. */
			break;
		}
		{
			struct pollfd p[2] = {
				{ .fd = cs, .events = POLLIN },
				{ .fd = memwell_fd(mw), .events = POLLIN },
			};
			/* Device rings sleep in poll(); local ones can only nap. */
			int np = o.local ? 1 : 2, k;

			polls++;
			k = poll(p, (nfds_t)np, o.local ? 1 : -1);
			if (k < 0 && errno != EINTR)
				cli_fail(errno, "poll failed");
			if (k > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
				char tmp[64];

				/* EOF on the socket: the sender is done (or dead). */
				if (read(cs, tmp, sizeof(tmp)) <= 0)
					hup = true;
			}
		}
	}
	t1 = cli_now();
	fflush(stdout);
	cli_progress_end();
	memset(&io, 0, sizeof(io));
	memwell_get_io_stats(mw, &io, sizeof(io));
	if (cli_json) {
		struct cj j;
		double secs = t1 - t0 > 0 ? t1 - t0 : 1e-9;
		__u64 sys = polls + io.syscalls;

		cj_begin(&j, stdout);
		cj_str(&j, "cmd", "recv");
		cj_str(&j, "mode", o.local ? "local" : "dev");
		cj_u64(&j, "records", records);
		cj_u64(&j, "bytes", bytes);
		cj_dbl(&j, "seconds", t1 - t0, 6);
		cj_dbl(&j, "records_per_s", records / secs, 0);
		cj_u64(&j, "syscalls", sys);
		cj_dbl(&j, "syscalls_per_1000", records ? 1000.0 * (double)sys / (double)records : 0.0, 3);
		cj_end(&j);
	}
	else
		fprintf(stderr, "memwell: recv: %llu records, %llu bytes, %llu syscalls\n",
			(unsigned long long)records, (unsigned long long)bytes,
			(unsigned long long)(polls + io.syscalls));
	close(cs);
	memwell_close(mw);
	return 0;
}

static int send_file(struct memwell *mw, int sock, FILE *f, const char *name,
		     __u64 *records, __u64 *bytes, __u64 *naps)
{
	struct memwell_ring *r = memwell_get_ring(mw);
	bool dev = memwell_get_ring(mw)->kick != NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	__u64 lineno = 0;

	while ((len = getline(&line, &cap, f)) > 0) {
		int err;

		lineno++;
		if ((__u64)len > r->rec_max)
			cli_fail(EMSGSIZE, "%s: line %llu (%zd B) is longer than the ring's largest record (%llu B)",
				 name, (unsigned long long)lineno, len,
				 (unsigned long long)r->rec_max);
		while ((err = memwell_rec_write(r, line, (__u64)len)) == -EAGAIN ||
		       err == -EBUSY) {
			struct pollfd p = { .fd = sock, .events = POLLIN };

			if (err == -EBUSY)
				continue;
			/* Full: sleep for room, but notice a dead receiver. */
			if (dev) {
				err = memwell_wait_blocks(mw, MEMWELL_WAIT_WRITE,
							  memwell_rec_blocks(r, (__u64)len), 200);
				if (err < 0 && err != -EINTR)
					cli_fail(-err, "waiting for room failed");
			} else {
				nap(200);
				++*naps;
			}
			++*naps;
			if (poll(&p, 1, 0) > 0)
				cli_fail(EPIPE, "the receiver hung up");
		}
		if (err)
			cli_fail(-err, "writing a record failed");
		++*records;
		*bytes += (__u64)len;
		if (cli_progress_due())
			cli_progress("send: %llu records", (unsigned long long)*records);
	}
	if (ferror(f))
		cli_fail(errno, "reading %s failed", name);
	free(line);
	return 0;
}

int cmd_send(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "socket", required_argument, NULL, 'S' },
		{ "wait", required_argument, NULL, 'w' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	double wait_s = 5, t0, t1;
	struct sockaddr_un a;
	struct memwell_io_stats io;
	struct memwell *mw;
	__u64 records = 0, bytes = 0, naps = 0;
	int c, s, fd, err;

	while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		switch (c) {
		case 'S': path = optarg; break;
		case 'w': wait_s = cli_parse_seconds("--wait", optarg); break;
		case 'J': break;
		case 'h': cli_help(send_help);
		default: cli_bad_option(c, argv);
		}
	}
	if (!path)
		cli_usage("--socket PATH is required");
	sock_addr(path, &a);
	for (int i = optind; i < argc; i++)
		if (strcmp(argv[i], "-") && access(argv[i], R_OK))
			cli_fail(errno, "%s: cannot read", argv[i]);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		cli_fail(errno, "socket failed");
	t0 = cli_now();
	while (connect(s, (struct sockaddr *)&a, sizeof(a))) {
		err = errno;
		if ((err != ENOENT && err != ECONNREFUSED) || cli_now() - t0 >= wait_s)
			cli_fail(err, "cannot connect to %s (is 'memwell recv --socket %s' running?)",
				 path, path);
		nap(20000);
	}
	fd = memwell_recv_fd(s);
	if (fd < 0)
		cli_fail(-fd, "no ring received from %s", path);
	err = memwell_attach_fd(fd, &mw);
	if (err) {
		close(fd);
		cli_fail(-err, "the fd received from %s is not a usable ring", path);
	}
	if (!(memwell_get_ring(mw)->flags & MEMWELL_F_RECORDS))
		cli_fail(EINVAL, "the receiver's ring is not a records ring");
	t0 = cli_now();
	if (optind >= argc) {
		send_file(mw, s, stdin, "stdin", &records, &bytes, &naps);
	} else {
		for (int i = optind; i < argc; i++) {
			FILE *f = strcmp(argv[i], "-") ? fopen(argv[i], "r") : stdin;

			if (!f)
				cli_fail(errno, "%s: cannot open", argv[i]);
			send_file(mw, s, f, argv[i], &records, &bytes, &naps);
			if (f != stdin)
				fclose(f);
		}
	}
	t1 = cli_now();
	cli_progress_end();
	memset(&io, 0, sizeof(io));
	memwell_get_io_stats(mw, &io, sizeof(io));
	/* Every record is committed: hanging up tells the receiver to finish. */
	memwell_close(mw);
	close(s);
	if (cli_json) {
		struct cj j;
		__u64 sys = io.syscalls + naps;

		cj_begin(&j, stdout);
		cj_str(&j, "cmd", "send");
		cj_u64(&j, "records", records);
		cj_u64(&j, "bytes", bytes);
		cj_dbl(&j, "seconds", t1 - t0, 6);
		cj_u64(&j, "syscalls", sys);
		cj_dbl(&j, "syscalls_per_1000", records ? 1000.0 * (double)sys / (double)records : 0.0, 3);
		cj_end(&j);
	}
	return 0;
}
