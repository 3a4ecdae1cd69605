/*
 * coderunner: the command-line tool.
 *
 *   coderunner sandbox [options] -- ARGV   run one command in a box, print
 *                                          the result as JSON
 *   coderunner check [-l languages.json]   what this host supports
 *   coderunner db prune -c CONFIG --older-than DAYS
 *   coderunner backup [-c CONFIG] FILE     a copy of the database, made
 *                                          while the service runs
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/config.h"
#include "base/err.h"
#include "base/util.h"
#include "judge/lang.h"
#include "sandbox/sandbox.h"
#include "store/store.h"

#define MAX_LIST	64

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: coderunner sandbox [--time-limit S] [--wall-time-limit S]\n"
	    "           [--memory-limit KB] [--max-processes N]\n"
	    "           [--output-limit BYTES] [--stdout-limit BYTES]\n"
	    "           [--stderr-limit BYTES] [--file-size-limit KB]\n"
	    "           [--open-files N] [--stack-limit KB] [--stdin FILE]\n"
	    "           [--env K=V]... [--ro PATH]... [--copy SRC[:NAME]]...\n"
	    "           [--box-rw] [--no-box] [--export] [--stderr-to-stdout]\n"
	    "           [--slot N] [--box-root DIR] [--cgroup NAME]\n"
	    "           -- ARGV...\n"
	    "       coderunner sandbox --init | --cleanup [--slot N] "
	    "[--box-root DIR]\n"
	    "       coderunner check [-l languages.json] [--box-root DIR]\n"
	    "       coderunner db prune -c CONFIG --older-than DAYS\n"
	    "       coderunner backup [-c CONFIG] FILE\n");
	exit(2);
}

static char *
read_host_file(const char *path, size_t *len)
{
	FILE	*f;
	char	*data = NULL;
	long	 size;

	if ((f = fopen(path, "rbe")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 &&
	    (data = malloc((size_t)size + 1)) != NULL) {
		if (fread(data, 1, (size_t)size, f) != (size_t)size) {
			free(data);
			data = NULL;
		} else {
			data[size] = '\0';
			*len = (size_t)size;
		}
	}
	fclose(f);
	return data;
}

/* sandbox_box_export's callback: one {path, mode, size} per file. */
static int
export_file(void *arg, const struct sandbox_box_file *f, struct err *err)
{
	json_object	*o = json_object_new_object();

	(void)err;
	json_object_object_add(o, "path", json_object_new_string(f->path));
	json_object_object_add(o, "mode", json_object_new_int(f->mode));
	json_object_object_add(o, "size", json_object_new_int64(
	    (int64_t)f->len));
	json_object_array_add(arg, o);
	return 0;
}

/* Prints the result; with export, "box_files" (taking files, or null). */
static void
print_result(const struct sandbox_result *r, int export, json_object *files)
{
	json_object	*o = json_object_new_object(), *denied;
	char		 name[64];
	int		 i;

	json_object_object_add(o, "status",
	    json_object_new_string(sandbox_status_name(r->status)));
	json_object_object_add(o, "message",
	    json_object_new_string(r->message));
	json_object_object_add(o, "exit_code",
	    json_object_new_int(r->exit_code));
	json_object_object_add(o, "signal", json_object_new_int(r->term_sig));
	json_object_object_add(o, "cpu_ms", json_object_new_int64(r->cpu_ms));
	json_object_object_add(o, "wall_ms",
	    json_object_new_int64(r->wall_ms));
	json_object_object_add(o, "memory_kb",
	    json_object_new_int64((int64_t)(r->mem_peak_bytes / 1024)));
	json_object_object_add(o, "memory_exact",
	    json_object_new_boolean(r->mem_exact));
	json_object_object_add(o, "oom_killed",
	    json_object_new_boolean(r->oom_killed));
	json_object_object_add(o, "cgroup",
	    json_object_new_string(sandbox_cgroup_name(r->cgroup)));
	json_object_object_add(o, "stdout",
	    json_object_new_string_len(r->out, (int)r->out_len));
	json_object_object_add(o, "stdout_truncated",
	    json_object_new_boolean(r->out_truncated));
	json_object_object_add(o, "stderr",
	    json_object_new_string_len(r->errout, (int)r->errout_len));
	json_object_object_add(o, "stderr_truncated",
	    json_object_new_boolean(r->errout_truncated));
	json_object_object_add(o, "procs_peak",
	    json_object_new_int64(r->procs_peak));
	json_object_object_add(o, "procs_limited",
	    json_object_new_boolean(r->procs_limited));
	json_object_object_add(o, "denied_count",
	    json_object_new_int64(r->denied_count));
	denied = json_object_new_array();
	for (i = 0; i < r->denied_n; i++) {
		sandbox_syscall_name(r->denied_nr[i], name, sizeof(name));
		json_object_array_add(denied, json_object_new_string(name));
	}
	json_object_object_add(o, "denied_syscalls", denied);
	if (export)
		json_object_object_add(o, "box_files", files);
	printf("%s\n", json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/*
 * coderunner sandbox --init / --cleanup: starts or stops the slot's
 * keeper (sandbox.h), as isolate's --init and --cleanup, and says what
 * it did as JSON.
 */
static int
kept_slot(const struct sandbox_config *cfg, int init)
{
	struct sandbox	*sb;
	struct err	 err = { "" };
	json_object	*msg;
	int		 r = -1;

	if ((sb = sandbox_open(cfg, &err)) != NULL)
		r = init ? sandbox_slot_keep(sb, &err) :
		    sandbox_slot_release(sb, &err);
	sandbox_close(sb);
	if (r == -1) {
		msg = json_object_new_string(err.msg);
		printf("{\"status\":\"IE\",\"error\":%s}\n",
		    json_object_to_json_string(msg));
		json_object_put(msg);
		return 2;
	}
	printf("{\"status\":\"OK\",\"slot\":%u,\"%s\":%s}\n", cfg->slot,
	    init ? "started" : "stopped", r == 1 ? "true" : "false");
	return 0;
}

static int
cmd_sandbox(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "time-limit", required_argument, NULL, 't' },
		{ "wall-time-limit", required_argument, NULL, 'w' },
		{ "memory-limit", required_argument, NULL, 'm' },
		{ "max-processes", required_argument, NULL, 'p' },
		{ "output-limit", required_argument, NULL, 'o' },
		{ "stdout-limit", required_argument, NULL, 'O' },
		{ "stderr-limit", required_argument, NULL, 'R' },
		{ "file-size-limit", required_argument, NULL, 'f' },
		{ "open-files", required_argument, NULL, 'n' },
		{ "stack-limit", required_argument, NULL, 'k' },
		{ "stdin", required_argument, NULL, 'i' },
		{ "env", required_argument, NULL, 'e' },
		{ "ro", required_argument, NULL, 'r' },
		{ "copy", required_argument, NULL, 'C' },
		{ "box-rw", no_argument, NULL, 'W' },
		{ "export", no_argument, NULL, 'X' },
		{ "no-box", no_argument, NULL, 'N' },
		{ "stderr-to-stdout", no_argument, NULL, 'E' },
		{ "slot", required_argument, NULL, 's' },
		{ "box-root", required_argument, NULL, 'b' },
		{ "cgroup", required_argument, NULL, 'g' },
		{ "init", no_argument, NULL, 'I' },
		{ "cleanup", no_argument, NULL, 'K' },
		{ NULL, 0, NULL, 0 }
	};
	struct sandbox_config	 cfg = {
		.box_root = "/tmp/coderunner-boxes", .uid_base = 200000 };
	struct sandbox_spec	 spec;
	struct sandbox_result	 res;
	struct sandbox		*sb = NULL;
	struct err		 err = { "" };
	const char		*env[MAX_LIST + 2], *ro[MAX_LIST + 1];
	const char		*copies[MAX_LIST + 1];
	struct sandbox_box_file	 copy[MAX_LIST];
	struct sandbox_kept_box	 kb;
	char			*copy_owner[MAX_LIST];
	char			*stdin_data = NULL, *colon, *src;
	size_t			 nenv = 0, nro = 0, ncopy = 0, nfiles = 0, len;
	size_t			 i;
	json_object		*msg;
	struct sandbox_box	*box = NULL;
	json_object		*files = NULL;
	int			 ch, rc = 2, no_box = 0, export = 0, r;
	int			 keep = 0;

	memset(&spec, 0, sizeof(spec));
	spec.box_mode = SANDBOX_BOX_OVERLAY;
	spec.lim.wall_ms = 10000;
	spec.lim.cpu_ms = 5000;
	spec.lim.mem_bytes = 256ull << 20;
	spec.lim.max_procs = 64;
	while ((ch = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (ch) {
		case 't':
			spec.lim.cpu_ms = (uint32_t)(atof(optarg) * 1000);
			break;
		case 'w':
			spec.lim.wall_ms = (uint32_t)(atof(optarg) * 1000);
			break;
		case 'm':
			spec.lim.mem_bytes = strtoull(optarg, NULL, 10) * 1024;
			break;
		case 'p':
			spec.lim.max_procs = (uint32_t)atoi(optarg);
			break;
		case 'o':
			spec.lim.stdout_bytes = spec.lim.stderr_bytes =
			    strtoull(optarg, NULL, 10);
			break;
		case 'O':
			spec.lim.stdout_bytes = strtoull(optarg, NULL, 10);
			break;
		case 'R':
			spec.lim.stderr_bytes = strtoull(optarg, NULL, 10);
			break;
		case 'f':
			spec.lim.fsize_bytes = strtoull(optarg, NULL, 10) * 1024;
			break;
		case 'n':
			spec.lim.nofile = (uint32_t)atoi(optarg);
			break;
		case 'k':
			spec.lim.stack_bytes = strtoull(optarg, NULL, 10) * 1024;
			break;
		case 'i':
			free(stdin_data);
			if ((stdin_data = read_host_file(optarg, &len)) ==
			    NULL) {
				fprintf(stderr, "coderunner: %s: %s\n", optarg,
				    strerror(errno));
				goto out;
			}
			spec.stdin_data = stdin_data;
			spec.stdin_len = len;
			break;
		case 'e':
			if (nenv == MAX_LIST)
				usage();
			env[nenv++] = optarg;
			break;
		case 'r':
			if (nro == MAX_LIST)
				usage();
			ro[nro++] = optarg;
			break;
		case 'C':
			if (ncopy == MAX_LIST)
				usage();
			copies[ncopy++] = optarg;
			break;
		case 'W':
			spec.box_mode = SANDBOX_BOX_RW;
			break;
		case 'X':
			export = 1;
			break;
		case 'N':
			no_box = 1;
			break;
		case 'E':
			spec.stderr_to_stdout = 1;
			break;
		case 's':
			cfg.slot = (unsigned)atoi(optarg);
			break;
		case 'b':
			cfg.box_root = optarg;
			break;
		case 'g':
			cfg.cgroup_base = optarg;
			break;
		case 'I':
		case 'K':
			if (keep != 0 && keep != ch)
				usage();
			keep = ch;
			break;
		default:
			usage();
		}
	}
	if (keep != 0)
		return optind == argc ? kept_slot(&cfg, keep == 'I') : (usage(), 2);
	if (optind >= argc || spec.lim.wall_ms == 0)
		usage();
	if (nenv == 0) {
		env[nenv++] = "PATH=/usr/local/bin:/usr/bin:/bin";
		env[nenv++] = "HOME=/box";
		env[nenv++] = "LANG=C.UTF-8";
	}
	env[nenv] = NULL;
	ro[nro] = NULL;
	spec.argv = (const char *const *)(argv + optind);
	spec.envp = env;
	spec.ro_paths = ro;

	/* the corpus's box disk: 16 MiB and 2048 inodes, and the copies */
	memset(&kb, 0, sizeof(kb));
	kb.bytes = 16u << 20;
	kb.files = copy;
	for (; !no_box && nfiles < ncopy; nfiles++) {
		struct stat	st;

		memset(&copy[nfiles], 0, sizeof(copy[nfiles]));
		if ((src = strdup(copies[nfiles])) == NULL) {
			err_errno(&err, "strdup");
			goto fail;
		}
		if ((colon = strchr(src, ':')) != NULL)
			*colon++ = '\0';
		else
			colon = strrchr(src, '/') ? strrchr(src, '/') + 1 : src;
		/* the name points into src, which copy_owner[] keeps */
		copy[nfiles].path = colon;
		copy[nfiles].data = read_host_file(src, &len);
		if (copy[nfiles].data == NULL || stat(src, &st) == -1) {
			err_errno(&err, "%s", src);
			free(src);
			free((char *)(uintptr_t)copy[nfiles].data);
			goto fail;
		}
		copy_owner[nfiles] = src;
		copy[nfiles].len = len;
		copy[nfiles].mode = (int)(st.st_mode & 0755);
		kb.bytes += len;
	}
	kb.nfiles = nfiles;
	kb.inodes = (uint32_t)(2048 + nfiles);

	/* a kept slot's keeper makes the run (sandbox.h) unless we export */
	if (!export) {
		switch (sandbox_kept_run(&cfg, &spec, no_box ? NULL : &kb,
		    &res, &err)) {
		case -1:
			goto fail;
		case 1:
			print_result(&res, 0, NULL);
			sandbox_result_reset(&res);
			rc = 0;
			goto out;
		}
	}
	if ((sb = sandbox_open(&cfg, &err)) == NULL ||
	    sandbox_slot_join(sb, &err) == -1)
		goto fail;
	if (err.msg[0] != '\0') {
		fprintf(stderr, "coderunner: %s\n", err.msg);
		err.msg[0] = '\0';
	}
	/* what a killed predecessor in this slot left behind */
	if (sandbox_sweep(sb, 0, &err) == -1)
		fprintf(stderr, "coderunner: sweep: %s\n", err.msg);
	if (!no_box) {
		if ((box = sandbox_box_new(sb, kb.bytes, kb.inodes,
		    &err)) == NULL)
			goto fail;
		spec.box = box;
		for (i = 0; i < nfiles; i++)
			if (sandbox_box_write(box, copy[i].path,
			    copy[i].data, copy[i].len, copy[i].mode,
			    &err) == -1)
				goto fail;
	}
	if (sandbox_run(sb, &spec, &res, &err) == -1)
		goto fail;
	/* what the host reads back of the box: the compile cache's view */
	if (export && box != NULL) {
		files = json_object_new_array();
		if ((r = sandbox_box_export(sb, box, 4096, 64u << 20,
		    export_file, files, &err)) == -1) {
			json_object_put(files);
			sandbox_result_reset(&res);
			goto fail;
		}
		if (r == 0) {
			json_object_put(files);
			files = NULL;	/* null: not all plain files */
		}
	}
	print_result(&res, export, files);
	sandbox_result_reset(&res);
	rc = 0;
	goto out;
fail:
	msg = json_object_new_string(err.msg);
	printf("{\"status\":\"IE\",\"error\":%s}\n",
	    json_object_to_json_string(msg));
	json_object_put(msg);	/* the text belonged to it */
out:
	if (sandbox_box_free(sb, box, &err) == -1) {
		fprintf(stderr, "coderunner: remove box: %s\n", err.msg);
		rc = 2;
	}
	sandbox_close(sb);
	for (i = 0; i < nfiles; i++) {
		free((char *)(uintptr_t)copy[i].data);
		free(copy_owner[i]);
	}
	free(stdin_data);
	return rc;
}

static int
cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "languages", required_argument, NULL, 'l' },
		{ "box-root", required_argument, NULL, 'b' },
		{ "cgroup", required_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 }
	};
	struct sandbox_config	 cfg = {
		.box_root = "/tmp/coderunner-boxes", .uid_base = 200000 };
	struct sandbox		*sb = NULL;
	struct sandbox_host	 h;
	struct lang_table	*lt = NULL;
	struct err		 err = { "" };
	const char		*langs = "contrib/languages.json";
	size_t			 i;
	int			 ch, rc = 1;

	while ((ch = getopt_long(argc, argv, "l:", opts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			langs = optarg;
			break;
		case 'b':
			cfg.box_root = optarg;
			break;
		case 'g':
			cfg.cgroup_base = optarg;
			break;
		default:
			usage();
		}
	}
	if ((sb = sandbox_open(&cfg, &err)) == NULL) {
		printf("sandbox: FAIL (%s)\n", err.msg);
		goto out;
	}
	if (sandbox_probe_host(sb, &h, &err) == -1) {
		printf("user namespaces: FAIL (%s)\n", err.msg);
		goto out;
	}
	printf("kernel: %s\n", h.kernel);
	printf("user namespaces: %s\n", h.userns ? "ok" : "FAIL");
	printf("seccomp: %s\n", h.seccomp ? "ok" : "FAIL");
	printf("seccomp user notification: %s\n", h.seccomp_notify ?
	    "ok (denied calls are named in results)" :
	    "no (denied calls fail with EPERM, unreported)");
	printf("box uid on the host: %u (%s)\n", (unsigned)h.box_uid,
	    h.ids == SANDBOX_IDS_SUBID ? "a subordinate id of this user, "
	    "owns nothing" : h.ids == SANDBOX_IDS_ROOT ? "box_uid_base + "
	    "slot" : "this user's own: no /etc/subuid range or no "
	    "newuidmap; run contrib/setup-host.sh as root");
	printf("system files: %s\n", h.private_fs ? "seen through the "
	    "slot's own overlays (locks and watches stay in the slot)" :
	    "the host's inodes, shared by every box");
	printf("device nodes: %s\n", h.private_devices ? "the slot's own "
	    "set (" SANDBOX_DEV_POOL ")" : "the host's, shared by every box "
	    "(no free set in " SANDBOX_DEV_POOL ": run contrib/setup-host.sh "
	    "as root)");
	printf("i386 system calls (int 0x80): %s\n", h.ia32 ?
	    "run by this kernel; the seccomp filter kills them" :
	    "refused by this kernel (ia32 emulation off): SIGSEGV");
	printf("cgroup: %s%s%s%s%s\n", sandbox_cgroup_name(h.cgroup),
	    h.cgroup_path[0] ? " at " : "", h.cgroup_path,
	    h.controllers[0] ? " controllers: " : "", h.controllers);
	if (h.cgroup != SANDBOX_CG_NONE) {
		printf("process limit (pids): %s\n", h.pids ? "ok" :
		    "no (RLIMIT_NPROC only)");
		printf("swap in the memory limit: %s\n", h.swap_off ? "ok" :
		    "no swap accounting (fine when the host has no swap)");
	}
	if (h.cgroup == SANDBOX_CG_V1)
		printf("moves into a run's cgroups: %s\n", h.favordynmods == 1 ?
		    "ok (favordynmods)" : h.favordynmods == 0 ? "the first "
		    "after an idle moment waits for an RCU grace period (no "
		    "favordynmods on a cgroup2 mount: run "
		    "contrib/setup-host.sh as root)" : "unknown (the mount "
		    "table could not be read)");
	if (h.cgroup == SANDBOX_CG_NONE)
		printf("  (no delegated cgroup: limits fall back to rlimits; "
		    "memory is address space, CPU is per process)\n");
	if ((lt = lang_table_load(langs, &err)) == NULL ||
	    lang_table_probe(lt, sb, &err) == -1)
		printf("languages: FAIL (%s)\n", err.msg);
	else
		for (i = 0; i < lt->n; i++)
			printf("language %d %s: %s\n", lt->langs[i].id,
			    lt->langs[i].name, lt->langs[i].available ?
			    lt->langs[i].display : "missing");
	rc = h.userns && h.seccomp && lt != NULL ? 0 : 1;
out:
	lang_table_free(lt);
	sandbox_close(sb);
	return rc;
}

static int
cmd_db(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "older-than", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	struct config	 cfg;
	struct store	*st = NULL;
	struct err	 err = { "" };
	const char	*conf = NULL;
	int64_t		 days = -1;
	int		 ch, n, rc = 1;

	if (argc < 2 || strcmp(argv[1], "prune") != 0)
		usage();
	argc--;
	argv++;
	while ((ch = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			conf = optarg;
			break;
		case 'o':
			if (util_parse_i64(optarg, 0, 100000, &days) == -1)
				usage();
			break;
		default:
			usage();
		}
	}
	if (days < 0)
		usage();
	if (config_defaults(&cfg, &err) == -1 ||
	    (conf != NULL && config_load(&cfg, conf, &err) == -1)) {
		fprintf(stderr, "coderunner: %s\n", err.msg);
		return 1;
	}
	if ((st = store_open(cfg.database, &err)) == NULL ||
	    (n = store_prune(st, util_now_ms() - days * 86400000, &err)) < 0)
		fprintf(stderr, "coderunner: %s\n", err.msg);
	else {
		printf("pruned %d submissions\n", n);
		rc = 0;
	}
	store_close(st);
	config_reset(&cfg);
	return rc;
}

/*
 * A consistent copy of the store at FILE, made while the service goes on
 * (store_backup).  Restore: stop the service, put FILE in the database's
 * place (owned by the service user, mode 0600, without -wal or -shm
 * files beside it), start the service.
 */
static int
cmd_backup(int argc, char **argv)
{
	struct config	 cfg;
	struct store	*st = NULL;
	struct err	 err = { "" };
	const char	*conf = NULL;
	int		 ch, rc = 1;

	while ((ch = getopt(argc, argv, "c:")) != -1) {
		switch (ch) {
		case 'c':
			conf = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind + 1 != argc)
		usage();
	if (config_defaults(&cfg, &err) == -1 ||
	    (conf != NULL && config_load(&cfg, conf, &err) == -1)) {
		fprintf(stderr, "coderunner: %s\n", err.msg);
		return 1;
	}
	/* store_open would make an empty database: there is none to copy */
	if (access(cfg.database, F_OK) == -1)
		fprintf(stderr, "coderunner: %s: %s\n", cfg.database,
		    strerror(errno));
	else if ((st = store_open(cfg.database, &err)) == NULL ||
	    store_backup(st, argv[optind], &err) == -1)
		fprintf(stderr, "coderunner: %s\n", err.msg);
	else {
		printf("backup of %s written to %s\n", cfg.database,
		    argv[optind]);
		rc = 0;
	}
	store_close(st);
	config_reset(&cfg);
	return rc;
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "sandbox") == 0)
		return cmd_sandbox(argc - 1, argv + 1);
	if (strcmp(argv[1], "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "db") == 0)
		return cmd_db(argc - 1, argv + 1);
	if (strcmp(argv[1], "backup") == 0)
		return cmd_backup(argc - 1, argv + 1);
	usage();
}
