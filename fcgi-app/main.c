/*
 * coderunner.fcgi: the FastCGI program.
 *
 * Theory of operation
 *
 * spawn-fcgi binds the socket, gives it to nginx's user, drops to the
 * service user and execs us with the listening socket on fd 0.  We bind
 * nothing and need no privilege.
 *
 * Processes
 *
 *   master        main() below.  Loads the config and the language table
 *                 (fatal on any error), opens the store once to migrate it
 *                 and put jobs left running by a previous run back in the
 *                 queue, closes it, makes the wake-up objects, forks the
 *                 children and supervises them.  Never accepts, never
 *                 judges.  Opens the store again, never across a fork,
 *                 for its housekeeping (below).
 *   http worker   worker.c, W of them (http_workers).  Up to
 *                 http_threads threads, as the load needs them, each in
 *                 its own FCGX_Accept_r loop, one store connection
 *                 shared by the threads.  Parses, validates,
 *                 stores, waits or answers 202.  Never runs untrusted code.
 *   executor      executor.c, K of them (executors), slot k = 0..K-1.
 *                 Claims the oldest queued job (store_claim), judges it in
 *                 the sandbox (which forks the boxes), stores the verdict,
 *                 wakes the workers.  Single-threaded.  Never accepts.
 *   callback      callback.c, one, only when callback_allow_hosts is not
 *                 empty.  Sends the callbacks of final submissions (PUT,
 *                 signed), with retries; never blocks an executor.
 *
 * File descriptors (all close-on-exec: only the sandbox execs, and it
 * also close_range()s in the child)
 *
 *   fd 0        listening socket.  Shared open file description, set
 *               O_NONBLOCK by the master so a worker never blocks in
 *               accept(): workers poll() it, then FCGX_Accept_r.  The
 *               master only shutdown()s it when stopping.  Executors
 *               replace it with /dev/null.
 *   sig_fd      the master's signalfd (SIGCHLD, SIGTERM, SIGINT, SIGHUP).
 *               Master only; each child closes it and makes its own for
 *               SIGTERM/SIGINT (proc_child_init).
 *   job_fd      eventfd "a job was queued", EFD_SEMAPHORE | EFD_NONBLOCK.
 *               Written by workers (1 per job) and by the master (n after
 *               a requeue); read by executors, 1 per read.  Semaphore, so
 *               that n jobs queued at once wake n executors, not one that
 *               swallows the whole count; non-blocking, because poll()
 *               wakes every idle executor and only some get a count.
 *   done_pipe[i]  pipe "this job finished", one per worker slot: each
 *               executor writes the token of each verdict to every
 *               worker's pipe (write end O_NONBLOCK: a full pipe drops
 *               the message, never stalls an executor); one thread of
 *               worker i reads it (blocking) and wakes the threads
 *               waiting for that token in api wait=true, and only them.
 *               The master keeps them all so that a restarted worker gets
 *               its slot's again.  Workers close the others' after fork.
 *   cb_fd       eventfd "a verdict is in", EFD_NONBLOCK, only with the
 *               callback process: written by executors after each
 *               verdict, read by the callback process.
 *   database    SQLite's own descriptors, or a PostgreSQL connection,
 *               opened after fork in each process (one connection per
 *               process; an http worker has a second one with
 *               PostgreSQL, listening for verdicts of other nodes).
 *
 * Shared memory
 *
 *   One anonymous MAP_SHARED region (judge/metrics.h), mapped by the master
 *   before the first fork: counters for /metrics, and per executor slot
 *   its pid (the master writes it), ready and busy (the executor writes
 *   them) for /health and /workers.  Atomic updates, no locks.
 *
 * Signals
 *
 *   All handled through signalfd, never in a handler, so SIGCHLD and
 *   SIGTERM cannot race the supervision loop.  Children die with the
 *   master (PR_SET_PDEATHSIG = SIGTERM, then getppid() to close the race).
 *
 * Stopping (SIGTERM or SIGINT to the master)
 *
 *   The master shuts the listening socket down (new connections are
 *   refused, the backlog is still handed out) and sends SIGTERM to every
 *   child.  Workers finish the requests in hand, drain the backlog and
 *   exit 0.  Executors finish the job in hand and exit 0.  After
 *   shutdown_grace_ms the master SIGKILLs what is left, requeues the jobs
 *   of killed executors and exits 0.  A worker that stops on its own
 *   (exit 0: someone else sent it SIGTERM and it shut the shared socket
 *   down) leaves nothing to serve: the master then stops everything.
 *
 * Nodes and roles
 *
 *   With PostgreSQL, several nodes (hosts, or several masters on one
 *   host) share the database; each has a name (config node, the host's
 *   name by default), which the store records with every running job, so
 *   that a master requeues its own executors' jobs only.  Executors of
 *   other nodes are woken by NOTIFY (store_wake_fd), http workers too
 *   when a job of theirs finishes elsewhere.  http_workers 0 makes an
 *   executor-only node (fd 0 need not be a socket then), executors 0 an
 *   HTTP-only node.
 *
 * Restarts
 *
 *   A child that dies otherwise is restarted; an executor's running jobs
 *   are requeued first (store_requeue: attempts + 1, Internal Error after
 *   max_attempts) and the executors woken.  A slot starts at most once a
 *   second, and a child that keeps dying within seconds of its start
 *   waits longer each time (up to 30 s).
 *
 * Housekeeping (the master, between its other work, every TICK_MS)
 *
 *   No job may depend on one moment's write succeeding: the store can be
 *   locked by another process, full or read-only for a while.  So a
 *   requeue that failed is kept as due and tried again every tick: the
 *   start's requeue of every running job (no executor starts before it
 *   is done, or it would take their fresh claims back), and a dead
 *   executor's (its slot is not restarted before it is done, for the same
 *   reason).  Every SWEEP_MS (lease_ms / 4 when that is shorter) the
 *   master requeues the jobs whose lease ran out, whoever held them, of
 *   any node (an executor that hangs, a node that died, a requeue that
 *   was lost), and checkpoints the store's write-ahead log; every
 *   PRUNE_MS (sooner while there is more) it prunes one small batch by
 *   retention_days and max_db_bytes.  Each store call waits at most
 *   MASTER_WAIT_MS for a lock, so supervision is never held up for long.
 */
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
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
#include "judge/lang.h"
#include "sandbox/sandbox.h"
#include "store/queue.h"
#include "store/store.h"
#include "proc.h"

#define MAX_CHILDREN	1024	/* per kind: a sanity bound on the config */
/*
 * libfcgi select()s on each connection (is_af_unix_keeper, OS_Close):
 * every descriptor of a worker must stay below FD_SETSIZE (1024), and a
 * worker holds one connection per thread, besides a few of its own.
 */
#define MAX_THREADS	1000
#define START_GAP_US	1000000	/* at most one start per second per slot */
#define QUICK_DEATH_US	5000000	/* a child dying sooner backs off */
#define BACKOFF_MAX_US	30000000
#define TICK_MS		1000	/* housekeeping: what is due */
#define SWEEP_MS	5000	/* expired leases, checkpoints */
#define PRUNE_MS	10000	/* retention, when the last batch was small */
#define PRUNE_BATCH	100	/* submissions per retention transaction */
#define MASTER_WAIT_MS	500	/* the longest a store call waits for a lock */
#define WARN_EVERY_US	30000000 /* the same store failure, logged again */

enum kind { WORKER, EXECUTOR, CALLBACK };

struct child {
	enum kind	 kind;
	int		 slot;
	pid_t		 pid;		/* 0 while not running */
	int64_t		 started_us;
	int64_t		 start_at_us;	/* when pid == 0: start again then */
	int64_t		 backoff_us;
	int		 requeue_due;	/* an executor's jobs are still to
					   be requeued: no restart before */
};

struct master {
	struct config	 cfg;
	struct proc_ctx	 ctx;
	struct child	*kids;
	int		 nkids;
	int		 stopping;
	int		 killed;
	int64_t		 deadline_us;
	int		 requeue_all;	/* the start's requeue is still due:
					   no executor starts before */
	int64_t		 next_tick_us;
	int64_t		 next_sweep_us;
	int		 sweep_ms;	/* SWEEP_MS, or lease_ms / 4 */
	int64_t		 next_prune_us;
	char		 last_warn[256]; /* housekeeping's last failure */
	int64_t		 last_warn_us;
};

static const char *
kind_name(enum kind k)
{
	return k == WORKER ? "worker" : k == EXECUTOR ? "executor" :
	    "callback";
}

static void
usage(void)
{
	fprintf(stderr, "usage: coderunner.fcgi [-v] [-c config.json]\n"
	    "  started by spawn-fcgi, with the listening socket on fd 0;\n"
	    "  logs to stderr (-d, once the choice of stderr, is accepted)\n");
	exit(2);
}

/*
 * fd 0 must be the listening socket (unless there are no http workers);
 * 1 and 2 must exist so that no descriptor of ours lands there and gets
 * log lines written into it.  fd 0 becomes O_NONBLOCK for every process
 * (see worker.c, accept_next).
 */
static void
setup_fds(int listen)
{
	int		on = 0, fd, fl;
	socklen_t	len = sizeof(on);

	while ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
	if (!listen)
		return;
	if (getsockopt(PROC_LISTEN_FD, SOL_SOCKET, SO_ACCEPTCONN, &on,
	    &len) == -1 || !on)
		fatal("fd 0 is not a listening socket: start me with "
		    "spawn-fcgi (spawn-fcgi -s path -- coderunner.fcgi ...)");
	if ((fl = fcntl(PROC_LISTEN_FD, F_GETFL)) == -1 ||
	    fcntl(PROC_LISTEN_FD, F_SETFL, fl | O_NONBLOCK) == -1)
		fatal("fcntl(0, O_NONBLOCK): %s", strerror(errno));
}

/*
 * Logs a failure of the housekeeping, but the same one at most every
 * WARN_EVERY_US: a store locked or full for minutes says so a few times,
 * not every tick.
 */
static void
warn_store(struct master *m, const char *what, const struct err *err)
{
	char	line[sizeof(m->last_warn)];
	int64_t	now = util_mono_us();

	snprintf(line, sizeof(line), "%s: %.*s", what, 200, err->msg);
	if (strcmp(line, m->last_warn) == 0 &&
	    now - m->last_warn_us < WARN_EVERY_US)
		return;
	memcpy(m->last_warn, line, sizeof(line));
	m->last_warn_us = now;
	log_warnx("%s%s", line, err->unavailable ? " (will retry)" : "");
}

/* The store for one round of housekeeping, or NULL (logged). */
static struct store *
open_store(struct master *m, const char *what)
{
	struct store	*st;
	struct err	 err;

	if ((st = store_open(m->cfg.database, &err)) == NULL) {
		warn_store(m, what, &err);
		return NULL;
	}
	/* the requeue of a dead executor's jobs is by node and slot */
	if (store_set_node(st, m->cfg.node, &err) == -1) {
		warn_store(m, what, &err);
		store_close(st);
		return NULL;
	}
	store_set_timeout(st, MASTER_WAIT_MS);
	return st;
}

/* n jobs are queued again: one wake-up each. */
static void
wake_executors(struct master *m, int n)
{
	/* before the wake-up objects exist, the executors look anyway */
	if (n > 0 && m->ctx.job_fd >= 0 &&
	    proc_efd_add(m->ctx.job_fd, (uint64_t)n) == -1)
		log_warn("wake executors");
}

/*
 * Puts the running jobs of executor slot (< 0: of every executor) back
 * in the queue.  Returns 0, or -1 (logged): the requeue stays due.
 */
static int
requeue(struct master *m, struct store *st, int slot)
{
	struct err	 err;
	char		 what[48];
	int		 n;

	if (slot < 0)
		snprintf(what, sizeof(what), "requeue of the last run's jobs");
	else
		snprintf(what, sizeof(what), "requeue for executor %d", slot);
	if ((n = store_requeue(st, slot, m->cfg.max_attempts, &err)) == -1) {
		warn_store(m, what, &err);
		return -1;
	}
	if (n > 0 && slot < 0)
		log_info("%d job(s) left running by the last run requeued", n);
	else if (n > 0)
		log_info("executor %d: %d job(s) back in the queue", slot, n);
	wake_executors(m, n);
	return 0;
}

/* The requeues that are due: the start's, then each dead executor's. */
static void
requeue_due(struct master *m, struct store *st)
{
	int	i;

	if (m->requeue_all && requeue(m, st, -1) == 0)
		m->requeue_all = 0;
	for (i = 0; i < m->nkids; i++)
		if (m->kids[i].requeue_due && requeue(m, st,
		    m->kids[i].slot) == 0)
			m->kids[i].requeue_due = 0;
}

/*
 * Jobs whose lease ran out go back to the queue (whoever held them), and
 * the write-ahead log is checkpointed.
 */
static void
sweep(struct master *m, struct store *st)
{
	struct err	err;
	int		n;

	if ((n = store_requeue_expired(st, util_now_ms(),
	    m->cfg.max_attempts, &err)) == -1)
		warn_store(m, "sweep", &err);
	else if (n > 0) {
		log_warnx("sweep: %d job(s) whose lease ran out requeued", n);
		wake_executors(m, n);
	}
	if (store_checkpoint(st, &err) == -1)
		warn_store(m, "checkpoint", &err);
}

/*
 * One batch of retention: final submissions older than retention_days,
 * then, while the data is over max_db_bytes, the oldest final ones.
 * Returns 1 if there is more to do at once, 0 if not.
 */
static int
prune(struct master *m, struct store *st)
{
	struct store_health	h;
	struct err		err;
	int			n = 0, more = 0;

	if (m->cfg.retention_days > 0) {
		if ((n = store_prune_batch(st, util_now_ms() -
		    (int64_t)(m->cfg.retention_days * 86400000.0),
		    PRUNE_BATCH, &err)) == -1) {
			warn_store(m, "retention", &err);
			return 0;
		}
		if (n > 0)
			log_info("retention: %d submission(s) older than %g "
			    "days pruned", n, m->cfg.retention_days);
		more = n == PRUNE_BATCH;
	}
	if (m->cfg.max_db_bytes > 0 && !more) {
		if (store_health(st, MASTER_WAIT_MS, &h, &err) == -1) {
			warn_store(m, "retention", &err);
			return 0;
		}
		if (h.data_bytes > m->cfg.max_db_bytes) {
			if ((n = store_prune_batch(st, INT64_MAX, PRUNE_BATCH,
			    &err)) == -1) {
				warn_store(m, "retention", &err);
				return 0;
			}
			if (n > 0)
				log_info("retention: %lld bytes of data over "
				    "max_db_bytes: the %d oldest "
				    "submission(s) pruned", (long long)
				    (h.data_bytes - m->cfg.max_db_bytes), n);
			more = n > 0;
		}
	}
	return more;
}

/* What is due of the housekeeping (see the theory block). */
static void
housekeeping(struct master *m, int64_t now)
{
	struct store	*st;
	int		 i, due = m->requeue_all;

	m->next_tick_us = now + (int64_t)TICK_MS * 1000;
	for (i = 0; i < m->nkids; i++)
		due |= m->kids[i].requeue_due;
	if (!due && now < m->next_sweep_us && now < m->next_prune_us)
		return;
	if ((st = open_store(m, "housekeeping")) == NULL)
		return;
	requeue_due(m, st);
	if (now >= m->next_sweep_us) {
		sweep(m, st);
		m->next_sweep_us = now + (int64_t)m->sweep_ms * 1000;
	}
	if (now >= m->next_prune_us)
		m->next_prune_us = now + (prune(m, st) ? (int64_t)TICK_MS :
		    (int64_t)PRUNE_MS) * 1000;
	store_close(st);
}

static void
spawn(struct master *m, struct child *c)
{
	pid_t	pid;

	c->started_us = util_mono_us();
	if ((pid = fork()) == -1) {
		log_warn("fork %s %d", kind_name(c->kind), c->slot);
		c->start_at_us = c->started_us + START_GAP_US;
		return;
	}
	if (pid == 0) {
		if (c->kind == WORKER)
			worker_main(&m->ctx, c->slot);
		if (c->kind == CALLBACK)
			callback_main(&m->ctx);
		executor_main(&m->ctx, c->slot);
	}
	c->pid = pid;
	if (c->kind == EXECUTOR)
		metrics_executor_pid(m->ctx.metrics, c->slot, pid);
	log_debug("%s %d: pid %d", kind_name(c->kind), c->slot, (int)pid);
}

static void
begin_stop(struct master *m, const char *why)
{
	int	i;

	m->stopping = 1;
	m->deadline_us = util_mono_us() + (int64_t)m->cfg.shutdown_grace_ms *
	    1000;
	log_info("stopping (%s): up to %d ms for the requests and jobs in "
	    "hand", why, m->cfg.shutdown_grace_ms);
	if (m->cfg.http_workers > 0 && shutdown(PROC_LISTEN_FD, SHUT_RD) == -1)
		log_warn("shutdown listener");
	for (i = 0; i < m->nkids; i++)
		if (m->kids[i].pid > 0)
			kill(m->kids[i].pid, SIGTERM);
}

static void
child_exited(struct master *m, pid_t pid, int status)
{
	struct store	*st;
	struct child	*c = NULL;
	char		 how[48];
	int64_t		 now = util_mono_us(), lived;
	int		 i, clean;

	for (i = 0; i < m->nkids && c == NULL; i++)
		if (m->kids[i].pid == pid)
			c = &m->kids[i];
	if (c == NULL)
		return;
	c->pid = 0;
	if (c->kind == EXECUTOR)
		metrics_executor_pid(m->ctx.metrics, c->slot, 0);
	lived = now - c->started_us;
	clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (WIFSIGNALED(status))
		snprintf(how, sizeof(how), "killed by signal %d",
		    WTERMSIG(status));
	else
		snprintf(how, sizeof(how), "exited %d", WEXITSTATUS(status));
	if (clean && m->stopping)
		log_debug("%s %d: %s", kind_name(c->kind), c->slot, how);
	else
		log_warnx("%s %d (pid %d): %s after %lld ms",
		    kind_name(c->kind), c->slot, (int)pid, how,
		    (long long)(lived / 1000));

	/* an executor that exits 0 finished its job first */
	if (c->kind == EXECUTOR && !clean) {
		c->requeue_due = 1;
		if ((st = open_store(m, "requeue")) != NULL) {
			if (requeue(m, st, c->slot) == 0)
				c->requeue_due = 0;
			store_close(st);
		}
	}
	if (m->stopping)
		return;
	if (c->kind == WORKER && clean) {
		begin_stop(m, "the listening socket was shut down");
		return;
	}
	if (lived >= QUICK_DEATH_US)
		c->backoff_us = 0;
	else if (c->backoff_us == 0)
		c->backoff_us = START_GAP_US;
	else if ((c->backoff_us *= 2) > BACKOFF_MAX_US)
		c->backoff_us = BACKOFF_MAX_US;
	c->start_at_us = now + c->backoff_us;
	if (c->start_at_us < c->started_us + START_GAP_US)
		c->start_at_us = c->started_us + START_GAP_US;
	if (c->start_at_us > now)
		log_info("%s %d: restart in %lld ms", kind_name(c->kind),
		    c->slot, (long long)((c->start_at_us - now) / 1000));
}

static void
read_signals(struct master *m)
{
	struct signalfd_siginfo	si;

	while (read(m->ctx.sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			if (!m->stopping)
				begin_stop(m, strsignal((int)si.ssi_signo));
			break;
		case SIGHUP:
			log_info("SIGHUP ignored: restart to reload");
			break;
		default:	/* SIGCHLD: the caller reaps */
			break;
		}
	}
}

/*
 * 1 if child c may be started now: no executor while jobs may still be
 * requeued under it (the start's requeue, or its slot's).
 */
static int
may_start(const struct master *m, const struct child *c)
{
	return c->kind != EXECUTOR || (!m->requeue_all && !c->requeue_due);
}

/* Milliseconds poll() may sleep: until the grace ends or a restart. */
static int
next_timeout(const struct master *m, int64_t now)
{
	int64_t	at = -1;
	int	i;

	if (m->stopping)
		at = m->killed ? -1 : m->deadline_us;
	else {
		at = m->next_tick_us;
		for (i = 0; i < m->nkids; i++)
			if (m->kids[i].pid == 0 && may_start(m, &m->kids[i]) &&
			    m->kids[i].start_at_us < at)
				at = m->kids[i].start_at_us;
	}
	if (at == -1)
		return -1;
	if (at <= now)
		return 0;
	if (at - now > 60000000)
		return 60000;
	return (int)((at - now) / 1000) + 1;	/* round up: no early wake */
}

static void
supervise(struct master *m)
{
	struct pollfd	 pfd;
	int64_t		 now;
	pid_t		 pid;
	int		 i, status, live;

	for (;;) {
		now = util_mono_us();
		if (!m->stopping && now >= m->next_tick_us)
			housekeeping(m, now);
		live = 0;
		for (i = 0; i < m->nkids; i++) {
			if (!m->stopping && m->kids[i].pid == 0 &&
			    m->kids[i].start_at_us <= now &&
			    may_start(m, &m->kids[i]))
				spawn(m, &m->kids[i]);
			live += m->kids[i].pid > 0;
		}
		if (m->stopping && live == 0)
			return;
		if (m->stopping && !m->killed && now >= m->deadline_us) {
			log_warnx("grace period over: killing %d process(es)",
			    live);
			for (i = 0; i < m->nkids; i++)
				if (m->kids[i].pid > 0)
					kill(m->kids[i].pid, SIGKILL);
			m->killed = 1;
		}
		pfd.fd = m->ctx.sig_fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, next_timeout(m, util_mono_us())) == -1 &&
		    errno != EINTR)
			fatal("poll: %s", strerror(errno));
		read_signals(m);
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			child_exited(m, pid, status);
	}
}

/*
 * Asks each language's tool for its version, in a box of a slot no
 * executor uses, once: the children inherit the table.  Also notes what
 * the sandbox found on this host (for /system_info).
 */
static void
probe_languages(const struct config *cfg, struct lang_table *langs,
    struct sandbox_host *host)
{
	struct sandbox_config	 sc;
	struct sandbox		*sb;
	struct err		 err;

	memset(&sc, 0, sizeof(sc));
	sc.box_root = cfg->box_root;
	sc.cgroup_base = cfg->cgroup_base;
	sc.slot = (unsigned int)cfg->executors;
	sc.uid_base = cfg->box_uid_base;
	if ((sb = sandbox_open(&sc, &err)) == NULL)
		fatal("sandbox: %s", err.msg);
	if (lang_table_probe(langs, sb, &err) == -1)
		fatal("languages: %s", err.msg);
	if (sandbox_probe_host(sb, host, &err) == -1)
		log_warnx("sandbox: %s", err.msg);
	sandbox_close(sb);
}

int
main(int argc, char *argv[])
{
	struct master		 m;
	struct sandbox_host	 host;
	struct lang_table	*langs;
	struct store		*st;
	struct err		 err;
	sigset_t		 set;
	const char		*cfg_path = NULL;
	int			 ch, verbose = 0, i;

	/*
	 * First of all: the listening socket never reaches a box, and
	 * nothing we did not open (spawn-fcgi -n passes its caller's
	 * descriptors on) reaches any of our processes.
	 */
	(void)fcntl(PROC_LISTEN_FD, F_SETFD, FD_CLOEXEC);
	(void)close_range(3, ~0U, 0);

	while ((ch = getopt(argc, argv, "c:dv")) != -1) {
		switch (ch) {
		case 'c':
			cfg_path = optarg;
			break;
		case 'd':	/* stderr is always the log */
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	log_init(verbose, "coderunner.fcgi");

	memset(&m, 0, sizeof(m));
	if (config_defaults(&m.cfg, &err) == -1 ||
	    (cfg_path != NULL && config_load(&m.cfg, cfg_path, &err) == -1))
		fatal("config: %s", err.msg);
	config_finish(&m.cfg);
	setup_fds(m.cfg.http_workers > 0);
	if (m.cfg.http_workers > MAX_CHILDREN ||
	    m.cfg.executors > MAX_CHILDREN)
		fatal("config: http_workers and executors must be at most %d",
		    MAX_CHILDREN);
	if (m.cfg.http_threads < 1 || m.cfg.http_threads > MAX_THREADS)
		fatal("config: http_threads must be 1 to %d", MAX_THREADS);
	if ((langs = lang_table_load(m.cfg.languages, &err)) == NULL)
		fatal("languages: %s", err.msg);
	memset(&host, 0, sizeof(host));
	probe_languages(&m.cfg, langs, &host);

	/*
	 * Migrate, and put the jobs a previous run left running back in
	 * the queue.  A store that cannot be written now (full, read-only,
	 * locked) does not stop the start: results are served, and the
	 * requeue is retried until it is done (housekeeping).
	 */
	if ((st = store_open(m.cfg.database, &err)) == NULL ||
	    store_set_node(st, m.cfg.node, &err) == -1)
		fatal("store: %s", err.msg);
	store_set_timeout(st, MASTER_WAIT_MS);
	m.ctx.job_fd = -1;
	m.requeue_all = requeue(&m, st, -1) == -1;
	store_close(st);	/* one connection per process, after fork */

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		fatal("sigprocmask: %s", strerror(errno));
	/* stderr may be a pipe whose reader is gone */
	signal(SIGPIPE, SIG_IGN);

	m.ctx.cfg = &m.cfg;
	m.ctx.langs = langs;
	m.ctx.master = getpid();
	m.ctx.nworkers = m.cfg.http_workers;
	m.ctx.host = &host;
	if ((m.ctx.metrics = metrics_new(m.cfg.executors, &err)) == NULL)
		fatal("%s", err.msg);
	m.ctx.cb_fd = -1;
	if (m.cfg.callback_allow_hosts[0] != NULL &&
	    (m.ctx.cb_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) == -1)
		fatal("eventfd: %s", strerror(errno));
	if ((m.ctx.sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) ==
	    -1)
		fatal("signalfd: %s", strerror(errno));
	if ((m.ctx.job_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK |
	    EFD_SEMAPHORE)) == -1)
		fatal("eventfd: %s", strerror(errno));
	if ((m.ctx.done_pipes = calloc((size_t)m.cfg.http_workers,
	    sizeof(*m.ctx.done_pipes))) == NULL)
		fatal("out of memory");
	for (i = 0; i < m.cfg.http_workers; i++)
		if (pipe2(m.ctx.done_pipes[i], O_CLOEXEC) == -1 ||
		    fcntl(m.ctx.done_pipes[i][1], F_SETFL, O_NONBLOCK) == -1)
			fatal("pipe: %s", strerror(errno));

	m.nkids = m.cfg.http_workers + m.cfg.executors +
	    (m.ctx.cb_fd != -1);
	if ((m.kids = calloc((size_t)m.nkids, sizeof(*m.kids))) == NULL)
		fatal("out of memory");
	for (i = 0; i < m.nkids; i++) {
		m.kids[i].kind = i < m.cfg.http_workers ? WORKER :
		    i < m.cfg.http_workers + m.cfg.executors ? EXECUTOR :
		    CALLBACK;
		m.kids[i].slot = i < m.cfg.http_workers ? i :
		    i - m.cfg.http_workers;
	}
	/* a short lease (a test's) is swept sooner */
	m.sweep_ms = m.cfg.lease_ms / 4 < SWEEP_MS ? m.cfg.lease_ms / 4 :
	    SWEEP_MS;
	log_info("starting: node %s, %d http worker(s) x %d thread(s), "
	    "%d executor(s)", m.cfg.node, m.cfg.http_workers,
	    m.cfg.http_threads, m.cfg.executors);

	supervise(&m);

	for (i = 0; i < m.cfg.http_workers; i++) {
		close(m.ctx.done_pipes[i][0]);
		close(m.ctx.done_pipes[i][1]);
	}
	close(m.ctx.job_fd);
	close(m.ctx.sig_fd);
	if (m.ctx.cb_fd != -1)
		close(m.ctx.cb_fd);
	metrics_free(m.ctx.metrics);
	free(m.ctx.done_pipes);
	free(m.kids);
	lang_table_free(langs);
	config_reset(&m.cfg);
	log_info("stopped");
	return 0;
}
