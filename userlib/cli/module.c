// SPDX-License-Identifier: GPL-2.0
/*
 * memwell load / unload: memwell.ko and the source kinds' modules
 * (memwell_gen.ko, memwell_sched.ko, memwell_sink.ko), through libkmod
 * when built with it (MEMWELL_CLI_KMOD), else through the
 * finit_module/init_module and delete_module syscalls (the static build
 * for the test VM).  cli_source_load() loads one kind's module for
 * memwell stream.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifdef MEMWELL_CLI_KMOD
#include <libkmod.h>
#endif

#include "cli.h"
#include "json.h"

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

/* The source kinds, each a module of its own: memwell_<kind>.ko. */
static const char *const source_kinds[] = { "gen", "sched", "sink" };
#define NR_SOURCES	(sizeof(source_kinds) / sizeof(source_kinds[0]))

static const char load_help[] =
"usage: memwell load [MODULE.ko] [param=value...]\n"
"\n"
"Load memwell.ko (default: ./memwell.ko if present, else 'memwell' from\n"
"the module tree), then the source kinds' modules memwell_gen.ko,\n"
"memwell_sched.ko and memwell_sink.ko found next to it (or, loading by\n"
"name, in the module tree), and wait for /dev/memwell.  Needs root.\n";

static const char unload_help[] =
"usage: memwell unload\n"
"\n"
"Unload the source kinds' modules, then memwell.ko.  Fails with EBUSY\n"
"while a source is attached or a ring is open or mapped.\n";

static bool mod_loaded(const char *name)
{
	char p[128];

	snprintf(p, sizeof(p), "/sys/module/%s", name);
	return access(p, F_OK) == 0;
}

static bool module_loaded(void)
{
	return mod_loaded(MODNAME);
}

/* A loaded module's reference count, or -1. */
static int mod_refcnt(const char *name)
{
	char p[128], buf[32];
	int refs;
	FILE *f;

	snprintf(p, sizeof(p), "/sys/module/%s/refcnt", name);
	f = fopen(p, "r");
	if (!f)
		return -1;
	refs = fgets(buf, sizeof(buf), f) ? atoi(buf) : -1;
	fclose(f);
	return refs;
}

/*
 * References on memwell.ko beyond the modules using it: open or mapped
 * files.  -1 if unknown.
 */
static int files_in_use(void)
{
	int refs = mod_refcnt(MODNAME), holders = 0;
	DIR *d;
	struct dirent *e;

	d = opendir("/sys/module/" MODNAME "/holders");
	if (d) {
		while ((e = readdir(d)))
			holders += e->d_name[0] != '.';
		closedir(d);
	}
	return refs < 0 ? -1 : refs - holders;
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

/* The first line of @path into @buf (newline stripped), or "" if unreadable. */
static const char *read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = 0;
	if (f) {
		if (!fgets(buf, (int)len, f))
			buf[0] = 0;
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

/* The lockdown mode the kernel enforces ("[integrity]" selected), or NULL. */
static const char *lockdown_mode(char *buf, size_t len)
{
	char *lb, *rb;

	read_line("/sys/kernel/security/lockdown", buf, len);
	lb = strchr(buf, '[');
	rb = lb ? strchr(lb, ']') : NULL;
	if (!rb)
		return NULL;
	*rb = 0;
	return strcmp(lb + 1, "none") ? lb + 1 : NULL;
}

/*
 * Does the module file end with an appended signature (~Module signature
 * appended~)?  1 yes, 0 no, -1 unknown (no such file: loaded by name).
 */
static int module_signed(const char *path)
{
	static const char marker[] = "~Module signature appended~\n";
	char tail[sizeof(marker) - 1];
	int ok = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (lseek(fd, -(off_t)sizeof(tail), SEEK_END) >= 0 &&
	    read(fd, tail, sizeof(tail)) == (ssize_t)sizeof(tail))
		ok = !memcmp(tail, marker, sizeof(tail));
	close(fd);
	return ok;
}

static const char sign_hint[] =
"Secure Boot, kernel lockdown or module.sig_enforce=1 make the kernel load\n"
"only modules signed by a key it trusts.  Either:\n"
"- sign memwell.ko with a Machine Owner Key (MOK): create one\n"
"    openssl req -new -x509 -newkey rsa:2048 -nodes -days 36500 -outform DER \\\n"
"      -keyout MOK.priv -out MOK.der -subj '/CN=memwell module signing/'\n"
"  enroll it: 'mokutil --import MOK.der', reboot and confirm in MokManager;\n"
"  then sign every .ko (memwell.ko and memwell_*.ko):\n"
"    /usr/src/linux-headers-$(uname -r)/scripts/sign-file sha256 MOK.priv MOK.der memwell.ko\n"
"- or install with DKMS, which signs with its own key (Debian/Ubuntu:\n"
"  /var/lib/dkms/mok.pub; enroll that with mokutil --import);\n"
"- or turn validation off: 'mokutil --disable-validation' or Secure Boot\n"
"  off in the firmware (lockdown follows it).  See memwell(7).";

/*
 * The kernel refused a module it could read: say which policy refused it
 * (module signing, lockdown, modules_disabled) and how to satisfy it.
 * finit_module() gives EKEYREJECTED for an unsigned or badly signed module
 * under module.sig_enforce, ENOKEY for an unknown key, EPERM when lockdown
 * alone refuses it or module loading is disabled.
 */
static void __attribute__((noreturn)) load_refused(int err, const char *path)
{
	char lock[128], buf[16], policy[96];
	const char *mode = lockdown_mode(lock, sizeof(lock));
	bool enforce = read_line("/sys/module/module/parameters/sig_enforce",
				 buf, sizeof(buf))[0] == 'Y';
	int sig = module_signed(path);

	if (err == EPERM && !strcmp(read_line("/proc/sys/kernel/modules_disabled",
					      buf, sizeof(buf)), "1"))
		cli_die_hint(CLI_EXIT_REFUSED, err,
			     "kernel.modules_disabled=1 cannot be undone: load memwell.ko at boot\n"
			     "(/etc/modules-load.d/memwell.conf) before it is set.",
			     "the kernel refused %s: module loading is disabled until reboot", path);
	if (err == EPERM && !mode && !enforce)
		cli_die(CLI_EXIT_PERM, err, "the kernel refused %s: not permitted "
			"(CAP_SYS_MODULE missing, or a security module denied it)", path);
	snprintf(policy, sizeof(policy), "%s%s%s%s",
		 enforce ? "module.sig_enforce=1" : "", enforce && mode ? ", " : "",
		 mode ? "lockdown=" : "", mode ? mode : "");
	cli_die_hint(CLI_EXIT_REFUSED, err, sign_hint,
		     "the kernel refused %s: %s, and this kernel loads only signed modules (%s)",
		     path, err == ENOKEY ? "it is signed with a key the kernel does not trust" :
		     sig > 0 ? "its signature was rejected" :
		     sig ? "it is unsigned or its signature was rejected" : "it is not signed",
		     policy[0] ? policy : "see dmesg");
}

static void load_error(int err, const char *path)
{
	switch (err) {
	case EEXIST:
		cli_fail(err, "module %s is already loaded", MODNAME);
	case EKEYREJECTED:
	case ENOKEY:
	case EBADMSG:
	case EPERM:
		load_refused(err, path);
	case EACCES:
		cli_fail(err, "the kernel refused to read %s (file permissions, noexec mount?)", path);
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
		if (!strcmp(argv[i], "--json"))
			continue;
		if (!strchr(argv[i], '=') || argv[i][0] == '=')
			cli_usage("'%s' is not param=value", argv[i]);
		n += strlen(argv[i]) + 1;
	}
	p = calloc(1, n);
	if (!p)
		cli_fail(ENOMEM, "out of memory");
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			continue;
		if (p[0])
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

/*
 * Load module @name from @path, or by name from the module tree (libkmod
 * only) if @path is NULL.  Returns 0 or -errno; -ENOENT if there is no
 * such file or module.
 */
static int load_module(const char *name, const char *path, const char *params)
{
#ifdef MEMWELL_CLI_KMOD
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);
	struct kmod_module *mod = NULL;
	int err;

	if (!ctx)
		return -ENOMEM;
	kmod_set_log_fn(ctx, kmod_quiet, NULL);
	if (path) {
		err = kmod_module_new_from_path(ctx, path, &mod);
	} else {
		err = kmod_module_new_from_name(ctx, name, &mod);
		if (!err && !kmod_module_get_path(mod))
			err = -ENOENT;
	}
	if (!err) {
		err = kmod_module_insert_module(mod, 0, params);
		if (err > 0)
			err = -EINVAL;
	}
	kmod_module_unref(mod);
	kmod_unref(ctx);
	return err;
#else
	(void)name;
	if (!path)
		return -ENOENT;
	return load_syscall(path, params);
#endif
}

static int unload_module(const char *name)
{
	int err;
#ifdef MEMWELL_CLI_KMOD
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);
	struct kmod_module *mod = NULL;

	if (!ctx)
		return -ENOMEM;
	kmod_set_log_fn(ctx, kmod_quiet, NULL);
	err = kmod_module_new_from_name(ctx, name, &mod);
	if (!err)
		err = kmod_module_remove_module(mod, KMOD_REMOVE_NOWAIT);
	kmod_module_unref(mod);
	kmod_unref(ctx);
#else
	err = syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
#endif
	return err;
}

/*
 * The file of source @kind's module in @dir, if there is one: @buf, else
 * NULL.
 */
static const char *source_file(const char *dir, const char *kind, char *buf,
			       size_t len)
{
	snprintf(buf, len, "%s/memwell_%s.ko", dir, kind);
	return access(buf, F_OK) == 0 ? buf : NULL;
}

/*
 * Load the source kinds' modules not loaded yet: from @dir (memwell.ko's
 * directory) if given, else by name from the module tree.  A kind with no
 * module is left out; one that fails to load is fatal.  Returns the kinds
 * loaded or already there, space-separated, in @out.
 */
static void load_sources(const char *dir, char *out, size_t len)
{
	out[0] = 0;
	for (size_t i = 0; i < NR_SOURCES; i++) {
		char name[64], file[4096];
		const char *path = NULL;
		int err;

		snprintf(name, sizeof(name), "memwell_%s", source_kinds[i]);
		if (!mod_loaded(name)) {
			if (dir && !(path = source_file(dir, source_kinds[i], file,
							sizeof(file))))
				continue;
			err = load_module(name, path, "");
			if (err == -ENOENT && !path)
				continue;
			if (err && err != -EEXIST)
				load_error(-err, path ? path : name);
		}
		if (out[0])
			strncat(out, " ", len - strlen(out) - 1);
		strncat(out, source_kinds[i], len - strlen(out) - 1);
	}
}

int cli_source_load(const char *kind)
{
	char name[64], file[4096];
	const char *dir = getenv("MEMWELL_MODULE_DIR");
	const char *path = NULL;
	int err;

	snprintf(name, sizeof(name), "memwell_%s", kind);
	if (mod_loaded(name))
		return -EEXIST;
	if (geteuid() != 0)
		return -EPERM;
	if (dir && *dir)
		path = source_file(dir, kind, file, sizeof(file));
	if (!path)
		path = source_file(".", kind, file, sizeof(file));
	err = load_module(name, path, "");
	return err == -EEXIST ? 0 : err;
}

int cmd_load(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	char sources[64], dirbuf[4096];
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
#ifndef MEMWELL_CLI_KMOD
	if (!path)
		cli_fail(ENOENT, "no ./%s.ko (this static build loads files only; give a path)",
			 MODNAME);
#endif
	err = load_module(MODNAME, path, params);
	if (err == -ENOENT && !path)
		cli_fail(ENOENT, "no %s.ko here and none in /lib/modules/$(uname -r)",
			 MODNAME);
	if (err)
		load_error(-err, path ? path : MODNAME);
	free(params);
	/* The source kinds come from where memwell.ko came from. */
	if (path) {
		snprintf(dirbuf, sizeof(dirbuf), "%s", path);
		load_sources(dirname(dirbuf), sources, sizeof(sources));
	} else {
		load_sources(NULL, sources, sizeof(sources));
	}
	wait_for_dev();
	if (cli_json) {
		struct cj j;

		cj_begin(&j, stdout);
		cj_str(&j, "cmd", "load");
		cj_str(&j, "module", MODNAME);
		cj_str(&j, "path", path);
		cj_str(&j, "dev", cli_dev_path());
		cj_arr(&j, "sources");
		for (char *k = strtok(sources, " "); k; k = strtok(NULL, " "))
			cj_str(&j, NULL, k);
		cj_arr_end(&j);
		cj_end(&j);
	} else {
		printf("memwell: loaded %s (%s), sources: %s\n", path ? path : MODNAME,
		       cli_dev_path(), sources[0] ? sources : "none");
	}
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
	/* Busy: fail before unloading anything; an attached source first. */
	for (size_t i = 0; i < NR_SOURCES; i++) {
		char name[64];

		snprintf(name, sizeof(name), "memwell_%s", source_kinds[i]);
		if (mod_refcnt(name) > 0)
			cli_fail(EBUSY, "module %s is in use (a %s source is attached)",
				 name, source_kinds[i]);
	}
	if (files_in_use() > 0)
		cli_fail(EBUSY, "module %s is in use (a ring is open or mapped)", MODNAME);
	/* The source kinds' modules use memwell.ko: they go first. */
	for (size_t i = 0; i < NR_SOURCES; i++) {
		char name[64];

		snprintf(name, sizeof(name), "memwell_%s", source_kinds[i]);
		if (!mod_loaded(name))
			continue;
		err = unload_module(name);
		if (err == -EBUSY || err == -EAGAIN || err == -EWOULDBLOCK)
			cli_fail(EBUSY, "module %s is in use (a %s source is attached)",
				 name, source_kinds[i]);
		if (err && err != -ENOENT)
			cli_fail(-err, "unloading %s failed", name);
	}
	err = unload_module(MODNAME);
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
	if (cli_json) {
		struct cj j;

		cj_begin(&j, stdout);
		cj_str(&j, "cmd", "unload");
		cj_str(&j, "module", MODNAME);
		cj_end(&j);
	} else {
		printf("memwell: unloaded %s\n", MODNAME);
	}
	return 0;
}
