/*
 * Driver for tests/bench/sandbox_overhead.py: runs argv N times through
 * sandbox_run() in this process, or with --bare as a plain fork+exec+wait
 * (stdout to /dev/null; this is also how the script times the CLI and
 * bwrap, so every row pays the same measuring overhead), and prints one
 * wall time in microseconds per line.  --gap MS sleeps before each run;
 * --cgroup names the delegated cgroup, and --no-limits leaves memory and
 * process limits off (tests/sandbox/cgroup2_host.py --fake has no
 * controllers to hold them).
 * Exits non-zero if a run fails.
 */
#include <sys/wait.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "sandbox/sandbox.h"

static long long
now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int
main(int argc, char **argv)
{
	/* as an executor opens its slot */
	struct sandbox_config	 cfg = { .box_root = "/tmp/coderunner-bench",
				    .slot = 7, .uid_base = 200000,
				    .spare_cgroup = 1 };
	struct sandbox_spec	 spec;
	struct sandbox_result	 res;
	struct sandbox		*sb = NULL;
	struct err		 err = { "" };
	static const char *const env[] = { "PATH=/usr/bin:/bin",
				    "HOME=/box", "LANG=C.UTF-8", NULL };
	const char		*ro[8] = { NULL };
	long long		 t0;
	int			 nro = 0;
	int			 i, n = 200, gap_ms = 0, bare = 0, box = 0;
	int			 no_limits = 0;
	struct sandbox_box	*sbox = NULL;
	int			 st, a = 1;
	pid_t			 pid;

	for (; a < argc && argv[a][0] == '-'; a++) {
		if (strcmp(argv[a], "--bare") == 0)
			bare = 1;
		else if (strcmp(argv[a], "--box") == 0)
			box = 1;
		else if (strcmp(argv[a], "-n") == 0 && a + 1 < argc)
			n = atoi(argv[++a]);
		else if (strcmp(argv[a], "--gap") == 0 && a + 1 < argc)
			gap_ms = atoi(argv[++a]);
		else if (strcmp(argv[a], "--box-root") == 0 && a + 1 < argc)
			cfg.box_root = argv[++a];
		else if (strcmp(argv[a], "--cgroup") == 0 && a + 1 < argc)
			cfg.cgroup_base = argv[++a];
		else if (strcmp(argv[a], "--no-limits") == 0)
			no_limits = 1;
		else if (strcmp(argv[a], "--ro") == 0 && a + 1 < argc &&
		    nro < 7)
			ro[nro++] = argv[++a];
		else if (strcmp(argv[a], "--") == 0) {
			a++;
			break;
		}
	}
	if (a >= argc) {
		fprintf(stderr, "usage: sandbox_inproc [--bare] [--box] "
		    "[-n N] [--gap MS] [--box-root DIR] [--cgroup NAME] "
		    "[--no-limits] [--ro PATH]... -- argv...\n");
		return 2;
	}
	if (!bare && (sb = sandbox_open(&cfg, &err)) == NULL) {
		fprintf(stderr, "sandbox_open: %s\n", err.msg);
		return 1;
	}
	memset(&spec, 0, sizeof(spec));
	spec.argv = (const char *const *)(argv + a);
	spec.envp = env;
	spec.ro_paths = ro;
	spec.box_mode = SANDBOX_BOX_OVERLAY;
	spec.lim.wall_ms = 10000;
	spec.lim.cpu_ms = 5000;
	/* --no-limits: none a cgroup would hold (v2 without controllers) */
	spec.lim.mem_bytes = no_limits ? 0 : 256ull << 20;
	spec.lim.max_procs = no_limits ? 0 : 64;
	for (i = 0; i < n; i++) {
		if (gap_ms > 0)
			usleep(gap_ms * 1000);
		if (box && (sbox = sandbox_box_new(sb, 16u << 20, 2048,
		    &err)) == NULL) {
			fprintf(stderr, "box: %s\n", err.msg);
			return 1;
		}
		spec.box = sbox;
		t0 = now_us();
		if (bare) {
			if ((pid = fork()) == 0) {
				int	nul = open("/dev/null", O_WRONLY);

				if (nul == -1 || dup2(nul, 1) == -1)
					_exit(126);
				execvp(argv[a], argv + a);
				_exit(127);
			}
			waitpid(pid, &st, 0);
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
				fprintf(stderr, "bare run failed: %d\n", st);
				return 1;
			}
		} else {
			if (sandbox_run(sb, &spec, &res, &err) == -1) {
				fprintf(stderr, "sandbox_run: %s\n", err.msg);
				return 1;
			}
			if (res.status != SANDBOX_OK) {
				fprintf(stderr, "run: %s %s\n",
				    sandbox_status_name(res.status),
				    res.message);
				return 1;
			}
			sandbox_result_reset(&res);
		}
		if (box && sandbox_box_free(sb, sbox, &err) == -1) {
			fprintf(stderr, "box remove: %s\n", err.msg);
			return 1;
		}
		printf("%lld\n", now_us() - t0);
	}
	sandbox_close(sb);
	return 0;
}
