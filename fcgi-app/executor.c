/*
 * The executor in slot k: claims the oldest queued job, judges it in the
 * sandbox, stores the verdict and wakes every http worker.  One thread
 * (the sandbox forks from here: no other thread may hold a lock then).
 * Never accepts HTTP.  See the theory block in main.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "judge/metrics.h"
#include "base/config.h"
#include "base/err.h"
#include "base/log.h"
#include "base/util.h"
#include "judge/cache.h"
#include "judge/judge.h"
#include "judge/lang.h"
#include "judge/prepare.h"
#include "sandbox/sandbox.h"
#include "store/queue.h"
#include "store/store.h"
#include "proc.h"

/*
 * The lease (lease_ms: by default the time budget plus room) is renewed
 * before each test (with the progress note), so it only has to outlast
 * one compile or one test.  The master requeues a dead executor's jobs at
 * once; the lease sweep (any node's master) requeues those of an executor
 * that hangs, that lost its host, or whose death could not be recorded at
 * once.
 */
/*
 * How long one store call waits for a lock: an executor only waits, and
 * a longer wait means fewer retries of a verdict.
 */
#define STORE_WAIT_MS	5000
/*
 * The normal way to learn of a new job is the wake-up on job_fd (from
 * this node) or the store's notification (PostgreSQL: from any node).
 * The timeout is a safety net only, for a wake-up that was lost (a worker
 * killed between its insert and its write, a connection down); it is not
 * a poll.
 */
#define IDLE_MS		5000
#define RETRY_MS	1000	/* after a store error */

/*
 * Sleeps until job_fd, sig_fd or the store's notifications (when it has
 * them) are readable, or timeout_ms passed.  A readable job_fd is
 * decremented by one (EFD_SEMAPHORE): each queued job wakes one
 * executor, and EAGAIN means another executor took this count.  A
 * notification wakes every listening executor of every node; the claim
 * sorts out which gets the job.
 *
 * Returns 1 when a claim is worth trying: a count was ours, a
 * notification came, or the time passed (the safety net).  0 when the
 * only news was a count another executor took: poll() wakes every idle
 * executor of the host for each job, and a claim by each of them would
 * be a write transaction that only queues behind the one that matters.
 * A job is never left by this: each queued job adds a count, and
 * whoever takes a count claims.
 */
static int
wait_for_job(const struct proc_ctx *ctx, struct store *st, int sig_fd,
    int timeout_ms)
{
	struct pollfd	pfd[3];
	struct err	err;
	uint64_t	n;
	int		nfd = 2, claim = 0;

	pfd[0].fd = ctx->job_fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = sig_fd;
	pfd[1].events = POLLIN;
	if ((pfd[2].fd = store_wake_fd(st, STORE_WAKE_JOB, &err)) >= 0) {
		/* one that came in with the last claim's answer is read */
		if (store_wake_read(st, &err) > 0)
			return 1;
		pfd[2].events = POLLIN;
		pfd[2].revents = 0;
		nfd = 3;
	}
	if (poll(pfd, (nfds_t)nfd, timeout_ms) <= 0)
		return 1;
	if ((pfd[0].revents & POLLIN) &&
	    read(ctx->job_fd, &n, sizeof(n)) == (ssize_t)sizeof(n))
		claim = 1;
	if (pfd[0].revents & ~POLLIN)
		claim = 1;	/* not a count: look all the same */
	if (nfd == 3 && (pfd[2].revents & (POLLIN | POLLHUP | POLLERR))) {
		claim = 1;
		if (store_wake_read(st, &err) == -1)
			log_debug("wake-ups: %s", err.msg);
	}
	return claim;
}

/* Points fd 0 (the listening socket in the master) at /dev/null. */
static void
null_stdin(int slot)
{
	int	fd;

	if ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
		fatal("executor %d: /dev/null: %s", slot, strerror(errno));
	if (fd != 0) {
		if (dup3(fd, 0, O_CLOEXEC) == -1)
			fatal("executor %d: dup3: %s", slot, strerror(errno));
		close(fd);
	}
}

/* What the judge's hooks need. */
struct progress {
	const struct proc_ctx	*ctx;
	struct store		*st;
	struct cache		*cache;		/* compile cache, or NULL */
	struct prepared		*prepared;	/* the languages' prepared
						   files */
	int			 slot;
	int			 sweep_due;	/* a box was left: sweep */
	int64_t			 lease_ms;
	struct store_lease	 lease;		/* of the job in hand */
	struct sandbox_box	*box;		/* the job's, to free after
						   its verdict */
};

/*
 * The compile cache: compile_cache, or compile-cache next to the
 * database (in the working directory when the database is a server's
 * URI).  Without it judging goes on (every compile runs).
 */
static struct cache *
open_cache(const struct config *cfg, int slot)
{
	struct cache	*c;
	struct err	 err;
	char		 dir[PATH_MAX];
	const char	*slash;

	if (cfg->compile_cache_bytes == 0)
		return NULL;
	if (cfg->compile_cache[0] != '\0')
		snprintf(dir, sizeof(dir), "%s", cfg->compile_cache);
	else if (strstr(cfg->database, "://") == NULL &&
	    (slash = strrchr(cfg->database, '/')) != NULL)
		snprintf(dir, sizeof(dir), "%.*s/compile-cache",
		    (int)(slash - cfg->database), cfg->database);
	else
		snprintf(dir, sizeof(dir), "compile-cache");
	if ((c = cache_open(dir, (uint64_t)cfg->compile_cache_bytes,
	    &err)) == NULL)
		log_warnx("executor %d: no compile cache: %s", slot, err.msg);
	return c;
}

/*
 * The languages' prepared files (prepare.c): prepared_dir, or next to
 * box_root, whose parents the boxes' uid passes already.
 */
static void
prepared_path(const struct config *cfg, char *buf, size_t size)
{
	size_t	n = strlen(cfg->box_root);

	if (cfg->prepared_dir[0] != '\0') {
		snprintf(buf, size, "%s", cfg->prepared_dir);
		return;
	}
	while (n > 1 && cfg->box_root[n - 1] == '/')
		n--;
	snprintf(buf, size, "%.*s.prepared", (int)n, cfg->box_root);
}

/*
 * After a job: makes its language's prepared files if they are missing,
 * off the verdict's path.  Until then its compiles run without them.
 */
static void
prepare_after(struct progress *p, struct sandbox *sb, int lang_id)
{
	const struct lang	*l;
	struct err		 err;
	int64_t			 t0 = util_mono_us();
	int			 rc;

	if (p->prepared == NULL ||
	    (l = lang_by_id(p->ctx->langs, lang_id)) == NULL)
		return;
	if ((rc = prepared_make(p->prepared, sb, l, &err)) == -1)
		log_warnx("executor %d: %s: no prepared files (compiles go "
		    "on without): %s", p->slot, l->name, err.msg);
	else if (rc == 1)
		log_info("executor %d: %s: prepared files made in %lld ms",
		    p->slot, l->name, (long long)((util_mono_us() - t0) / 1000));
}

/*
 * judge_hooks.test_started: records "running test k" for the pages and
 * renews the lease in the same write.  A failure only loses the progress
 * note, so it is logged and judging goes on.
 */
static void
test_started(void *arg, const struct submission *s, size_t k)
{
	struct progress	*p = arg;
	struct err	 err;

	if (store_progress(p->st, &p->lease, (int)k, p->lease_ms, &err) == -1)
		log_warnx("executor %d: job %s: progress: %s", p->slot,
		    s->token, err.msg);
}

/*
 * judge_hooks.box_left: a box could not be unmounted.  The verdict
 * stands; the box's memory stays until the slot's namespaces are made
 * anew, which the sandbox does before its next box.
 */
static void
box_left(void *arg, const char *why)
{
	struct progress	*p = arg;

	log_warnx("executor %d: box not removed: %s", p->slot, why);
	metrics_cleanup_failure(p->ctx->metrics);
	p->sweep_due = 1;
}

/*
 * Removes what crashed runs left; a failure is logged and counted, and
 * the sweep is tried again after the next job.
 */
static void
sweep(struct progress *p, struct sandbox *sb)
{
	struct err	err;
	int		rc;

	p->sweep_due = 0;
	if ((rc = sandbox_sweep(sb, 0, &err)) == -1) {
		log_warnx("executor %d: sweep: %s", p->slot, err.msg);
		metrics_cleanup_failure(p->ctx->metrics);
		p->sweep_due = 1;
	} else if (rc > 0)
		log_info("executor %d: removed %d leftover(s)", p->slot, rc);
}

static void
run_job(struct progress *prog, struct sandbox *sb, struct submission *s)
{
	const struct proc_ctx	*ctx = prog->ctx;
	struct store		*st = prog->st;
	int			 slot = prog->slot;
	struct judge_hooks	 hooks = { test_started, box_left, prog,
	    (int64_t)(ctx->cfg->max.total_wall_s * 1000 + 0.5),
	    prog->prepared, &prog->box };
	struct err	err, held_err;
	int64_t		t0 = util_mono_us();
	int		i;

	log_debug("executor %d: job %s, attempt %d", slot, s->token,
	    s->attempts);
	metrics_executor_busy(ctx->metrics, slot, 1);
	err.msg[0] = '\0';
	if (judge_run(sb, ctx->langs, prog->cache, s,
	    ctx->cfg->stored_output_bytes,
	    &hooks, &err) == -1) {
		if (err.msg[0] == '\0')
			snprintf(err.msg, sizeof(err.msg), "judge failed");
		s->status = JS_IE;
		snprintf(s->message, sizeof(s->message), "%.*s",
		    (int)sizeof(s->message) - 1, err.msg);
	}
	/* a message with a verdict: the sandbox itself failed */
	if (err.msg[0] != '\0') {
		log_warnx("executor %d: job %s: %s", slot, s->token, err.msg);
		metrics_sandbox_failure(ctx->metrics);
	}

	/*
	 * A store that is locked, full or read-only may come back: try
	 * again while the lease lasts (nobody else may take the job before
	 * it ends).  After that, or once the job is no longer ours, leave
	 * it: the master's sweep requeues it, or its new holder finishes it.
	 */
	for (i = 0; store_finish(st, &prog->lease, s, &err) == -1; i++) {
		if (i == 0 || !err.unavailable)
			log_warnx("executor %d: job %s: %s", slot, s->token,
			    err.msg);
		/*
		 * The job went back to the queue while this one ran it (its
		 * lease ran out: this process hung, or lost the store): the
		 * next holder's verdict is the one.  Nothing to retry.
		 */
		if (store_lease_held(st, &prog->lease, &held_err) == 0) {
			log_warnx("executor %d: job %s: lease lost, verdict "
			    "%s refused", slot, s->token,
			    judge_status_code(s->status));
			metrics_executor_busy(ctx->metrics, slot, 0);
			return;
		}
		if (!err.unavailable ||
		    util_now_ms() + RETRY_MS >= prog->lease.until_ms) {
			log_warnx("executor %d: job %s: verdict not stored "
			    "after %d tries: left to the master's sweep or "
			    "to the job's new holder", slot, s->token, i + 1);
			metrics_executor_busy(ctx->metrics, slot, 0);
			return;
		}
		(void)poll(NULL, 0, RETRY_MS);
	}
	if (i > 0)
		log_info("executor %d: job %s: verdict stored after %d "
		    "tries", slot, s->token, i + 1);
	log_info("executor %d: job %s: %s (%s) in %lld ms", slot, s->token,
	    judge_status_code(s->status), judge_status_description(s->status),
	    (long long)((util_mono_us() - t0) / 1000));
	metrics_finished(ctx->metrics, ctx->langs, s->lang_id, s->status,
	    util_mono_us() - t0);
	metrics_executor_busy(ctx->metrics, slot, 0);
	if (ctx->cb_fd != -1 && proc_efd_add(ctx->cb_fd, 1) == -1)
		log_warn("executor %d: wake the callback sender", slot);

	/* W is small: tell every worker, the waiters are among them */
	if ((i = proc_done_send(ctx, s->token)) > 0)
		log_debug("executor %d: job %s: %d worker(s) not told", slot,
		    s->token, i);
}

void
executor_main(const struct proc_ctx *ctx, int slot)
{
	struct sandbox_config	 sc;
	struct sandbox		*sb;
	struct store		*st;
	struct submission	*s;
	struct progress		 prog;
	struct err		 err;
	char			 pdir[PATH_MAX];
	int			 sig_fd, rc, claim, lang_id;

	sig_fd = proc_child_init(ctx, "executor", slot);
	null_stdin(slot);
	/* writing a box's stdin after it exited must not kill us */
	signal(SIGPIPE, SIG_IGN);

	if ((st = store_open(ctx->cfg->database, &err)) == NULL ||
	    store_set_node(st, ctx->cfg->node, &err) == -1)
		fatal("executor %d: %s", slot, err.msg);
	store_set_timeout(st, STORE_WAIT_MS);
	memset(&sc, 0, sizeof(sc));
	sc.box_root = ctx->cfg->box_root;
	sc.cgroup_base = ctx->cfg->cgroup_base;
	sc.slot = (unsigned int)slot;
	sc.uid_base = ctx->cfg->box_uid_base;
	sc.spare_cgroup = 1;
	prepared_path(ctx->cfg, pdir, sizeof(pdir));
	sc.prepared_dir = pdir;
	if ((sb = sandbox_open(&sc, &err)) == NULL)
		fatal("executor %d: sandbox: %s", slot, err.msg);
	if ((prog.prepared = prepared_open(pdir, &err)) == NULL)
		fatal("executor %d: %s", slot, err.msg);
	/* what a crashed predecessor in this slot left behind */
	prog.ctx = ctx;
	prog.st = st;
	prog.slot = slot;
	prog.box = NULL;
	prog.lease_ms = ctx->cfg->lease_ms;
	prog.cache = open_cache(ctx->cfg, slot);
	sweep(&prog, sb);
	log_info("executor %d: ready (cgroup %s)", slot,
	    sandbox_cgroup_name(sandbox_cgroup_backend(sb)));
	metrics_executor_ready(ctx->metrics, slot);

	/* SIGTERM is looked at between jobs only: a job in hand finishes */
	claim = 1;
	while (!proc_stop_requested(sig_fd)) {
		s = NULL;
		rc = 0;
		if (claim && (rc = store_claim(st, slot, prog.lease_ms,
		    &prog.lease, &s, &err)) == 1) {
			run_job(&prog, sb, s);
			lang_id = s->lang_id;
			submission_free(s);
			/*
			 * The run's init, exiting meanwhile, and the box:
			 * off the verdict's path.
			 */
			sandbox_settle(sb);
			if (sandbox_box_free(sb, prog.box, &err) == -1)
				box_left(&prog, err.msg);
			prog.box = NULL;
			prepare_after(&prog, sb, lang_id);
			if (prog.sweep_due)
				sweep(&prog, sb);
			continue;
		}
		if (rc == -1)
			log_warnx("executor %d: claim: %s", slot, err.msg);
		claim = wait_for_job(ctx, st, sig_fd, rc == -1 ? RETRY_MS :
		    IDLE_MS);
	}
	log_info("executor %d: stopped", slot);
	cache_close(prog.cache);
	prepared_close(prog.prepared);
	sandbox_close(sb);
	store_close(st);
	exit(0);
}
