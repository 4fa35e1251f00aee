// SPDX-License-Identifier: GPL-2.0
/*
 * memwell load / unload: through libkmod when built with it
 * (MEMWELL_CLI_KMOD), else through the finit_module/init_module and
 * delete_module syscalls (the static build for the test VM).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifdef MEMWELL_CLI_KMOD
#include <libkmod.h>
#endif

#include "cli.h"

#ifdef MEMWELL_CLI_KMOD
/* libkmod's own log lines would break the one-line error rule. */
static void kmod_quiet(void *data, int priority, const char *file, int line,
		       const char *fn, const char *format, va_list args)
{
	(void)data; (void)priority; (void)file; (void)line; (void)fn;
	(void)format; (void)args;
}
#endif

#define MODNAME "memwell"

static const char load_help[] =
"usage: memwell load [MODULE.ko] [param=value...]\n"
"\n"
"Load memwell.ko (default: ./memwell.ko if present, else 'memwell' from\n"
"the module tree) and wait for /dev/memwell.  Needs root.\n";

static const char unload_help[] =
"usage: memwell unload\n"
"\n"
"Unload memwell.ko.  Fails with EBUSY while a ring is open or mapped.\n";

static bool module_loaded(void)
{
	return access("/sys/module/" MODNAME, F_OK) == 0;
}

static void need_root(void)
{
	if (geteuid() != 0)
		cli_fail(EPERM, "must be root");
}

static void wait_for_dev(void)
{
	const char *dev = cli_dev_path();

	/* devtmpfs creates the node at once; udev (if any) may lag. */
	for (int i = 0; i < 100; i++) {
		if (access(dev, F_OK) == 0)
			return;
		usleep(20000);
	}
	cli_warn(ENOENT, "module loaded but %s did not appear", dev);
}

static void load_error(int err, const char *path)
{
	switch (err) {
	case EEXIST:
		cli_fail(err, "module %s is already loaded", MODNAME);
	case EPERM:
	case EACCES:
		cli_fail(err, "the kernel refused to load %s (root? module loading disabled?)", path);
	case ENOEXEC:
		cli_fail(err, "%s is not a valid module for this kernel (uname -r; see dmesg)", path);
	case EINVAL:
		cli_fail(err, "%s was rejected: bad parameter or version magic (see dmesg)", path);
	case ENOENT:
		cli_fail(err, "%s: no such file", path);
	case ENOSYS:
		cli_fail(err, "this kernel cannot load modules");
	default:
		cli_fail(err, "loading %s failed (see dmesg)", path);
	}
}

static char *join_params(int argc, char **argv)
{
	size_t n = 1;
	char *p;

	for (int i = 0; i < argc; i++) {
		if (!strchr(argv[i], '=') || argv[i][0] == '=')
			cli_usage("'%s' is not param=value", argv[i]);
		n += strlen(argv[i]) + 1;
	}
	p = calloc(1, n);
	if (!p)
		cli_fail(ENOMEM, "out of memory");
	for (int i = 0; i < argc; i++) {
		if (i)
			strcat(p, " ");
		strcat(p, argv[i]);
	}
	return p;
}

#ifndef MEMWELL_CLI_KMOD
static int load_syscall(const char *path, const char *params)
{
	struct stat st;
	void *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (!syscall(SYS_finit_module, fd, params, 0)) {
		close(fd);
		return 0;
	}
	if (errno != ENOSYS) {
		int err = errno;

		close(fd);
		return -err;
	}
	/* No finit_module: read the image and use init_module. */
	if (fstat(fd, &st) || !(buf = malloc((size_t)st.st_size + 1))) {
		close(fd);
		return -ENOMEM;
	}
	if (read(fd, buf, (size_t)st.st_size) != st.st_size) {
		free(buf);
		close(fd);
		return -EIO;
	}
	close(fd);
	fd = (int)syscall(SYS_init_module, buf, (unsigned long)st.st_size, params);
	free(buf);
	return fd ? -errno : 0;
}
#endif

int cmd_load(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	char *params;
	int c, err;

	while ((c = getopt_long(argc, argv, "+:h", lo, NULL)) != -1) {
		switch (c) {
		case 'J': break;
		case 'h': cli_help(load_help);
		default: cli_bad_option(c, argv);
		}
	}
	if (optind < argc && !strchr(argv[optind], '='))
		path = argv[optind++];
	params = join_params(argc - optind, argv + optind);
	if (path && access(path, F_OK))
		cli_fail(errno, "%s: no such module file", path);
	if (!path && access(MODNAME ".ko", F_OK) == 0)
		path = "./" MODNAME ".ko";
	need_root();
	if (module_loaded())
		cli_fail(EEXIST, "module %s is already loaded", MODNAME);
#ifdef MEMWELL_CLI_KMOD
	{
		struct kmod_ctx *ctx = kmod_new(NULL, NULL);
		struct kmod_module *mod = NULL;

		if (!ctx)
			cli_fail(ENOMEM, "kmod_new failed");
		kmod_set_log_fn(ctx, kmod_quiet, NULL);
		if (path) {
			err = kmod_module_new_from_path(ctx, path, &mod);
		} else {
			err = kmod_module_new_from_name(ctx, MODNAME, &mod);
			if (!err && !kmod_module_get_path(mod))
				cli_fail(ENOENT, "no %s.ko here and none in /lib/modules/$(uname -r)",
					 MODNAME);
		}
		if (err)
			load_error(-err, path ? path : MODNAME);
		err = kmod_module_insert_module(mod, 0, params);
		if (err)
			load_error(err < 0 ? -err : EINVAL,
				   path ? path : kmod_module_get_path(mod));
		kmod_module_unref(mod);
		kmod_unref(ctx);
	}
#else
	if (!path)
		cli_fail(ENOENT, "no ./%s.ko (this static build loads files only; give a path)",
			 MODNAME);
	err = load_syscall(path, params);
	if (err)
		load_error(-err, path);
#endif
	free(params);
	wait_for_dev();
	if (cli_json)
		printf("{\"cmd\":\"load\",\"module\":\"%s\",\"path\":\"%s\",\"dev\":\"%s\"}\n",
		       MODNAME, path ? path : "", cli_dev_path());
	else
		printf("memwell: loaded %s (%s)\n", path ? path : MODNAME, cli_dev_path());
	return 0;
}

int cmd_unload(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, err;

	while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		switch (c) {
		case 'J': break;
		case 'h': cli_help(unload_help);
		default: cli_bad_option(c, argv);
		}
	}
	if (optind < argc)
		cli_usage("unexpected argument '%s'", argv[optind]);
	need_root();
	if (!module_loaded() && access("/proc/modules", F_OK) == 0)
		cli_fail(ENOENT, "module %s is not loaded", MODNAME);
#ifdef MEMWELL_CLI_KMOD
	{
		struct kmod_ctx *ctx = kmod_new(NULL, NULL);
		struct kmod_module *mod = NULL;

		if (!ctx)
			cli_fail(ENOMEM, "kmod_new failed");
		kmod_set_log_fn(ctx, kmod_quiet, NULL);
		err = kmod_module_new_from_name(ctx, MODNAME, &mod);
		if (!err)
			err = kmod_module_remove_module(mod, KMOD_REMOVE_NOWAIT);
		kmod_module_unref(mod);
		kmod_unref(ctx);
	}
#else
	err = syscall(SYS_delete_module, MODNAME, O_NONBLOCK) ? -errno : 0;
#endif
	if (err == -EBUSY || err == -EAGAIN || err == -EWOULDBLOCK)
		cli_fail(EBUSY, "module %s is in use (a ring is open or mapped)", MODNAME);
	if (err == -ENOENT)
		cli_fail(ENOENT, "module %s is not loaded", MODNAME);
	if (err == -EPERM)
		cli_fail(EPERM, "must be root");
	if (err == -ENOSYS)
		cli_fail(ENOSYS, "this kernel cannot unload modules");
	if (err)
		cli_fail(-err, "unloading %s failed", MODNAME);
	if (cli_json)
		printf("{\"cmd\":\"unload\",\"module\":\"%s\"}\n", MODNAME);
	else
		printf("memwell: unloaded %s\n", MODNAME);
	return 0;
}
