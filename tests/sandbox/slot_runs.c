/*
 * Driver for tests/sandbox/test_slot_reuse.py: runs several commands one
 * after the other through sandbox_run() with ONE sandbox handle, as an
 * executor does, so that consecutive runs share the slot's namespaces.
 *
 *   slot_runs [--slot N] [--box-root DIR] [--repeat K] [--ro PATH]...
 *       [--cgroup NAME] [--spare] [--no-limits] -- ARGV1... [-- ARGV2...]...
 *
 * --spare opens the handle as an executor does (sandbox_config's
 * spare_cgroup); --no-limits sets no memory or process limit (a cgroup v2
 * dir without those controllers).
 *
 * Each run gets a fresh, empty box dir at /box; the programs come in
 * through --ro.  Prints one line per run:
 *
 *   <status> <exit code> <stdout, with \n as \\n and \ as \\\\>
 *
 * and exits 0, or 1 as soon as sandbox_run() itself fails (the error on
 * stderr).  Last, on stderr, "children <before> <after>": how many child
 * processes this process had before sandbox_close() and after it (a run
 * may leave its exiting init for the next run or close to reap; more than
 * one, or any after close, is a leak).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "sandbox/sandbox.h"

#define MAX_RO		8
#define MAX_CMDS	16

/* How many children this process has (live or zombie). */
static int
count_children(void)
{
	char	path[64];
	FILE	*f;
	int	n = 0, c;
	long	pid;

	snprintf(path, sizeof(path), "/proc/self/task/%d/children",
	    (int)getpid());
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fscanf(f, "%ld", &pid) == 1)
		n++;
	while ((c = fgetc(f)) != EOF)
		;
	fclose(f);
	return n;
}

static void
print_escaped(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\n')
			fputs("\\n", stdout);
		else if (s[i] == '\\')
			fputs("\\\\", stdout);
		else
			putchar(s[i]);
	}
}

int
main(int argc, char **argv)
{
	struct sandbox_config	 cfg = {
		.box_root = "/tmp/coderunner-slot-runs", .uid_base = 200000 };
	struct sandbox_spec	 spec;
	struct sandbox_result	 res;
	struct sandbox		*sb = NULL;
	struct err		 err = { "" };
	static const char *const env[] = { "PATH=/usr/bin:/bin", "HOME=/box",
				    "LANG=C.UTF-8", NULL };
	const char		*ro[MAX_RO + 1] = { NULL };
	char			**cmds[MAX_CMDS];
	int			 a, i, k, nro = 0, ncmd = 0, repeat = 1, rc = 0;
	int			 no_limits = 0;
	int			 before;
	struct sandbox_box	*box;

	for (a = 1; a < argc && strcmp(argv[a], "--") != 0; a++) {
		if (strcmp(argv[a], "--slot") == 0 && a + 1 < argc)
			cfg.slot = (unsigned)atoi(argv[++a]);
		else if (strcmp(argv[a], "--box-root") == 0 && a + 1 < argc)
			cfg.box_root = argv[++a];
		else if (strcmp(argv[a], "--repeat") == 0 && a + 1 < argc)
			repeat = atoi(argv[++a]);
		else if (strcmp(argv[a], "--ro") == 0 && a + 1 < argc &&
		    nro < MAX_RO)
			ro[nro++] = argv[++a];
		else if (strcmp(argv[a], "--cgroup") == 0 && a + 1 < argc)
			cfg.cgroup_base = argv[++a];
		else if (strcmp(argv[a], "--spare") == 0)
			cfg.spare_cgroup = 1;
		else if (strcmp(argv[a], "--no-limits") == 0)
			no_limits = 1;
		else {
			fprintf(stderr, "slot_runs: bad option %s\n", argv[a]);
			return 2;
		}
	}
	/* split the rest at each "--" */
	for (; a < argc && ncmd < MAX_CMDS; a++) {
		if (strcmp(argv[a], "--") != 0)
			continue;
		argv[a] = NULL;
		if (a + 1 < argc && strcmp(argv[a + 1], "--") != 0)
			cmds[ncmd++] = argv + a + 1;
	}
	if (ncmd == 0) {
		fprintf(stderr, "usage: slot_runs [options] -- argv... "
		    "[-- argv...]...\n");
		return 2;
	}
	if ((sb = sandbox_open(&cfg, &err)) == NULL) {
		fprintf(stderr, "sandbox_open: %s\n", err.msg);
		return 1;
	}
	if (sandbox_sweep(sb, 0, &err) == -1)
		fprintf(stderr, "sweep: %s\n", err.msg);
	memset(&spec, 0, sizeof(spec));
	spec.envp = env;
	spec.ro_paths = ro;
	spec.box_mode = SANDBOX_BOX_OVERLAY;
	spec.lim.wall_ms = 5000;
	spec.lim.cpu_ms = 2000;
	spec.lim.mem_bytes = no_limits ? 0 : 256ull << 20;
	spec.lim.max_procs = no_limits ? 0 : 32;
	for (k = 0; k < repeat && rc == 0; k++)
		for (i = 0; i < ncmd && rc == 0; i++) {
			if ((box = sandbox_box_new(sb, 16u << 20, 2048,
			    &err)) == NULL) {
				fprintf(stderr, "box: %s\n", err.msg);
				rc = 1;
				break;
			}
			spec.box = box;
			spec.argv = (const char *const *)cmds[i];
			if (sandbox_run(sb, &spec, &res, &err) == -1) {
				fprintf(stderr, "sandbox_run: %s\n", err.msg);
				rc = 1;
			} else {
				printf("%s %d ", sandbox_status_name(
				    res.status), res.exit_code);
				print_escaped(res.out, res.out_len);
				putchar('\n');
				fflush(stdout);
				sandbox_result_reset(&res);
			}
			if (sandbox_box_free(sb, box, &err) == -1) {
				fprintf(stderr, "box remove: %s\n", err.msg);
				rc = 1;
			}
		}
	before = count_children();
	sandbox_close(sb);
	fprintf(stderr, "children %d %d\n", before, count_children());
	return rc;
}
