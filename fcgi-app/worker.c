/*
 * The http worker: up to http_threads threads, each in its own
 * FCGX_Accept_r loop, sharing one store handle, plus one thread that
 * reads the tokens of finished jobs from the worker's "job finished" pipe
 * and wakes the threads waiting for them, and, when the store tells of
 * verdicts from other nodes (PostgreSQL), one more that wakes every
 * waiting thread for those, on a store handle of its own.  Never forks,
 * never runs untrusted code.  See the theory block in main.c.
 *
 * Waiting clients.  A request with wait=true sleeps in its thread until
 * its job's verdict is in (api_wait), up to wait_timeout_ms; meanwhile the
 * thread serves no one else.  So a worker may have many threads (a
 * sleeping one costs a small stack and a condition variable; they start
 * as the load needs them, see START_THREADS), each waiter is woken only
 * by its own job's token (a finished job costs one look in the store
 * per waiter of that job, not one per waiter), and a worker lets at most
 * seven eighths of its threads wait at once (all but one of fewer than
 * eight; the one of a single-threaded worker): the rest of its
 * threads are kept for requests that do not wait, and a request that
 * would wait beyond that answers 202 with its token at once (as after
 * wait_timeout_ms; the job goes on).  Other nodes' notifications carry no
 * token: each wakes every waiter of the worker for one look.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "api/api.h"
#include "judge/metrics.h"
#include "base/config.h"
#include "base/err.h"
#include "base/log.h"
#include "base/util.h"
#include "store/queue.h"
#include "store/store.h"
#include "fcgi_io.h"
#include "proc.h"

#define ACCEPT_RETRY_MS	100	/* after EMFILE and the like */
/*
 * Http threads run as the load needs them, not all of http_threads at
 * once: every thread on the host costs each sandbox run's pivot_root,
 * where the kernel looks at every thread's root and cwd (chroot_fs_refs).
 * 4 workers of 256 idle threads made it 306-405 us instead of 37-55 us
 * (0.25-0.36 us a thread).  A worker starts with MIN_THREADS: one holds
 * the accept role and one waits for it, so that requests one at a time
 * never need a start.  A thread that takes a connection while none waits
 * for the role starts one more (accept_leave), and one that waited
 * IDLE_EXIT_MS for the role ends, down to MIN_THREADS (accept_enter).
 */
#define MIN_THREADS	2
#define IDLE_EXIT_MS	10000
/*
 * A thread's stack.  The deepest path (api_handle into SQLite and json-c)
 * uses a few tens of KiB; glibc's default of 8 MiB would be committed
 * address space for every one of the many threads that only sleep.
 */
#define THREAD_STACK_BYTES	(256 * 1024)
#define WAIT_SLICE_MS	1000	/* a waiter looks at the store and for a
				   stop at least this often */
#define DONE_RING	1024	/* tokens a waiter may look back on */
/* the longest a lost notification from another node delays a look */
#define LISTEN_POLL_MS	1000

struct hthread;

struct worker {
	const struct proc_ctx	*ctx;
	const struct config	*cfg;
	struct store		*store;
	struct store		*listen;	/* verdicts of other nodes */
	int			 slot;
	int			 sig_fd;
	int			 done_fd;	/* the pipe's read end */
	/* the accept role, handed on last in, first out (accept_enter) */
	pthread_mutex_t		 accept_mu;
	int			 accepting;	/* under accept_mu: the role is
						   held */
	struct hthread		**idle;		/* under accept_mu: waiting
						   for it, the latest last */
	int			 nidle;
	int			 stopping;	/* by the role's holder, below */
	struct hthread		*threads;
	int			 nthreads;	/* http_threads: at most */
	pthread_attr_t		 thread_attr;	/* detached, small stack */
	/* under accept_mu: */
	int			 nrunning;	/* threads not ending */
	int			 nslots;	/* threads[] in use */
	pthread_cond_t		 ended_cv;	/* nslots fell to 0 */
	/* under wake_mu: */
	pthread_mutex_t		 wake_mu;
	uint64_t		 done_gen;	/* tokens read so far */
	char			 done_ring[DONE_RING][PROC_TOKEN_LEN + 1];
					/* the last DONE_RING of them */
	int			 nwaiting;	/* requests that waited */
	int			 max_waiting;
};

struct hthread {
	struct worker		*w;
	int			 in_use;	/* under w->accept_mu: a
						   thread has this slot */
	/* under w->wake_mu: */
	pthread_cond_t		 wake_cv;	/* CLOCK_MONOTONIC */
	uint64_t		 seen_gen;	/* tokens looked at */
	const char		*wait_token;	/* while asleep, or NULL */
	int			 woken;
	int			 waiting;	/* this request counts in
						   w->nwaiting */
	/* under w->accept_mu: */
	pthread_cond_t		 accept_cv;
	int			 handed;	/* the accept role is ours */
	struct api		 api;		/* hooks.arg = this thread */
	struct fcgi_scratch	 scratch;
	FCGX_Request		 fr;
};

/* api_hooks.job_queued: one count on the executors' eventfd. */
static void
hook_job_queued(void *arg)
{
	struct hthread	*t = arg;

	if (proc_efd_add(t->w->ctx->job_fd, 1) == -1)
		log_warn("worker %d: wake executors", t->w->slot);
}

/*
 * 1 once this worker is stopping: a thread saw SIGTERM, or SIGTERM is
 * pending (blocked, for the signalfd) while every thread is busy waiting
 * and none polls the signalfd.
 */
static int
stopping(struct worker *w)
{
	sigset_t	pending;
	int		s;

	/*
	 * Not from the accept role: the thread in accept_next holds it
	 * while it polls, so waiting for it here would hold this request
	 * until the next connection arrives.  A stale 0 costs one more
	 * slice.
	 */
	s = __atomic_load_n(&w->stopping, __ATOMIC_RELAXED);
	return s || (sigpending(&pending) == 0 &&
	    (sigismember(&pending, SIGTERM) || sigismember(&pending, SIGINT)));
}

/*
 * Under wake_mu: whether token was read since this thread last looked.
 * When more tokens came than the ring holds, it may have been: say so,
 * and the API looks in the store.
 */
static int
finished_since(struct worker *w, struct hthread *t, const char *token)
{
	uint64_t	g;

	if (w->done_gen - t->seen_gen > DONE_RING)
		return 1;
	for (g = t->seen_gen; g != w->done_gen; g++)
		if (strcmp(w->done_ring[g % DONE_RING], token) == 0)
			return 1;
	return 0;
}

/*
 * api_hooks.wait_for: returns 0 once the job of token finished since this
 * thread last looked, or after timeout_ms (at most a slice).  "Last looked"
 * starts at the beginning of each request (serve), so a verdict stored
 * between the API's look in the store and this call is not missed; an
 * early return only costs the API another look.  -1: answer now, because
 * the worker is stopping, or because this request would be one waiter too
 * many (see the top of this file).
 */
static int
hook_wait_for(void *arg, const char *token, int timeout_ms)
{
	struct hthread	*t = arg;
	struct worker	*w = t->w;
	struct timespec	 ts;
	int		 rc = 0;

	if (stopping(w))
		return -1;
	if (timeout_ms > WAIT_SLICE_MS)
		timeout_ms = WAIT_SLICE_MS;
	if (timeout_ms < 0)
		timeout_ms = 0;
	util_deadline(&ts, CLOCK_MONOTONIC, timeout_ms);
	pthread_mutex_lock(&w->wake_mu);
	if (!t->waiting) {
		if (w->nwaiting >= w->max_waiting) {
			rc = -1;
			goto out;
		}
		t->waiting = 1;
		w->nwaiting++;
	}
	if (finished_since(w, t, token))
		goto out;
	t->wait_token = token;
	t->woken = 0;
	while (!t->woken)
		if (pthread_cond_timedwait(&t->wake_cv, &w->wake_mu, &ts) ==
		    ETIMEDOUT)
			break;
	t->wait_token = NULL;
out:
	t->seen_gen = w->done_gen;
	pthread_mutex_unlock(&w->wake_mu);
	if (rc == 0 && stopping(w))
		rc = -1;
	return rc;
}

/*
 * Under wake_mu: wakes the threads waiting for token's job, or every
 * waiting thread when token is NULL (another node's job finished: its
 * notification names no token, so each waiter looks at the store again).
 */
static void
wake_waiting(struct worker *w, const char *token)
{
	int	i;

	for (i = 0; i < w->nthreads; i++) {
		struct hthread	*t = &w->threads[i];

		if (t->wait_token != NULL && (token == NULL ||
		    strcmp(t->wait_token, token) == 0)) {
			t->woken = 1;
			pthread_cond_signal(&t->wake_cv);
		}
	}
}

/* Under wake_mu: a token read from the pipe. */
static void
job_finished(struct worker *w, const char *token)
{
	memcpy(w->done_ring[w->done_gen % DONE_RING], token,
	    PROC_TOKEN_LEN + 1);
	w->done_gen++;
	wake_waiting(w, token);
}

/*
 * The one reader of this worker's "job finished" pipe.  Each message is
 * a token and a newline, written whole (proc_done_send); a line of
 * another length is skipped.
 */
static void *
done_reader(void *arg)
{
	struct worker	*w = arg;
	char		 buf[(PROC_TOKEN_LEN + 1) * 64], *p, *nl;
	size_t		 have = 0, left;
	ssize_t		 r;

	for (;;) {
		if ((r = read(w->done_fd, buf + have, sizeof(buf) - have)) ==
		    -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			/* XXX cannot happen; waits then end by the slice */
			log_warn("worker %d: read the done pipe", w->slot);
			break;
		}
		have += (size_t)r;
		p = buf;
		pthread_mutex_lock(&w->wake_mu);
		while ((nl = memchr(p, '\n', have - (size_t)(p - buf))) !=
		    NULL) {
			*nl = '\0';
			if (nl - p == PROC_TOKEN_LEN)
				job_finished(w, p);
			p = nl + 1;
		}
		pthread_mutex_unlock(&w->wake_mu);
		left = have - (size_t)(p - buf);
		if (left == sizeof(buf))
			left = 0;	/* no newline in a full buffer */
		memmove(buf, p, left);
		have = left;
	}
	return NULL;
}

/*
 * The verdicts of other nodes' executors, as the store's notifications
 * on a handle of this thread's own.  A lost one (the connection was
 * down) costs a waiting client at most the API's own look at the store
 * (wait_any returns within a second anyway).
 */
static void *
done_listener(void *arg)
{
	struct worker	*w = arg;
	struct pollfd	 pfd;
	struct err	 err;

	for (;;) {
		if ((pfd.fd = store_wake_fd(w->listen, STORE_WAKE_DONE,
		    &err)) < 0) {
			log_debug("worker %d: %s", w->slot, err.msg);
			(void)poll(NULL, 0, LISTEN_POLL_MS);
			continue;
		}
		pfd.events = POLLIN;
		if (poll(&pfd, 1, LISTEN_POLL_MS) <= 0)
			continue;
		switch (store_wake_read(w->listen, &err)) {
		case -1:
			log_debug("worker %d: %s", w->slot, err.msg);
			break;
		case 0:
			break;
		default:
			pthread_mutex_lock(&w->wake_mu);
			wake_waiting(w, NULL);
			pthread_mutex_unlock(&w->wake_mu);
		}
	}
	return NULL;
}

/*
 * Starts done_listener when the store tells of other nodes' verdicts;
 * SQLite does not (its executors are this host's and use done_fd).
 */
static void
start_listener(struct worker *w)
{
	pthread_t	 t;
	struct err	 err;

	if ((w->listen = store_open(w->cfg->database, &err)) == NULL) {
		log_warnx("worker %d: no verdicts from other nodes: %s",
		    w->slot, err.msg);
		return;
	}
	if (store_wake_fd(w->listen, STORE_WAKE_DONE, &err) < 0) {
		store_close(w->listen);
		w->listen = NULL;
		return;
	}
	if ((errno = pthread_create(&t, NULL, done_listener, w)) != 0)
		fatal("worker %d: pthread_create: %s", w->slot,
		    strerror(errno));
	pthread_detach(t);
}

/*
 * Called with the accept role held.  Returns 1 with a request in fr, or
 * 0 when this thread is to end.  w->stopping: 0 serving, 1 draining the
 * backlog after SIGTERM, 2 stop at once (the shutdown failed).
 *
 * The listening socket is O_NONBLOCK and shared by every worker: poll()
 * says a connection waits, FCGX_Accept_r takes it, or fails with EAGAIN
 * when another worker was quicker.  libfcgi never blocks in accept(), so
 * SIGTERM (on the signalfd in the same poll) is seen at once.  On SIGTERM
 * the worker shuts the socket down for reading: the kernel refuses new
 * connections (nginx answers 502 at once instead of waiting), accept()
 * still hands out the backlog, and poll() reports POLLRDHUP from then on
 * (accept on a non-blocking socket says EAGAIN, not EINVAL, once the
 * backlog is empty: POLLRDHUP is how we know it is over).  The socket is the
 * same for every worker and the master: SIGTERM to a worker therefore
 * means "the service stops", which is what the master and PDEATHSIG send.
 */
static int
accept_next(struct worker *w, FCGX_Request *fr)
{
	struct pollfd	pfd[2];
	int		rc;

	for (;;) {
		if (w->stopping == 2)
			return 0;
		pfd[0].fd = PROC_LISTEN_FD;
		pfd[0].events = POLLIN | POLLRDHUP;
		pfd[1].fd = w->sig_fd;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("worker %d: poll", w->slot);
			return 0;
		}
		if ((pfd[1].revents & POLLIN) &&
		    proc_stop_requested(w->sig_fd) && !w->stopping) {
			/* atomic: stopping() reads it from other threads */
			__atomic_store_n(&w->stopping, 1, __ATOMIC_RELAXED);
			log_info("worker %d: stopping", w->slot);
			if (shutdown(PROC_LISTEN_FD, SHUT_RD) == -1) {
				log_warn("worker %d: shutdown listener",
				    w->slot);
				__atomic_store_n(&w->stopping, 2,
				    __ATOMIC_RELAXED);
				return 0;
			}
		}
		if (pfd[0].revents == 0)
			continue;
		if ((rc = FCGX_Accept_r(fr)) >= 0) {
			/* libfcgi's accept() has no SOCK_CLOEXEC */
			(void)fcntl(fr->ipcFd, F_SETFD, FD_CLOEXEC);
			return 1;
		}
		if (rc == -EAGAIN || rc == -EWOULDBLOCK || rc == -EINTR) {
			if (pfd[0].revents & (POLLRDHUP | POLLHUP))
				return 0;	/* shut down, backlog drained */
			continue;
		}
		if (rc == -EINVAL)	/* shut down (TCP, or blocking) */
			return 0;
		errno = rc < 0 && rc > -4096 ? -rc : EIO;
		log_warn("worker %d: accept", w->slot);
		/* the connection stays queued: retry soon, minding SIGTERM */
		(void)poll(&pfd[1], 1, ACCEPT_RETRY_MS);
	}
}

static void
log_request(const struct api_req *req, const struct api_resp *resp,
    int64_t us)
{
	char	method[40], path[520], owner[160], extra[400];
	char	q[300];
	size_t	n = 0;

	log_json_quote(method, sizeof(method), req->method);
	log_json_quote(path, sizeof(path), req->path);
	log_json_quote(owner, sizeof(owner), req->remote_user);
	extra[0] = '\0';
	if (resp->token[0] != '\0')
		n += (size_t)snprintf(extra, sizeof(extra), ",\"token\":\"%s\"",
		    resp->token);
	if (resp->err.msg[0] != '\0' && n < sizeof(extra)) {
		log_json_quote(q, sizeof(q), resp->err.msg);
		snprintf(extra + n, sizeof(extra) - n, ",\"error\":%s", q);
	}
	log_json("\"msg\":\"request\",\"method\":%s,\"path\":%s,\"status\":%d,"
	    "\"owner\":%s,\"ms\":%.3f%s", method, path, resp->status, owner,
	    (double)us / 1000.0, extra);
}

static void
serve(struct hthread *t)
{
	struct worker	*w = t->w;
	struct api_req	 req;
	struct api_resp	 resp;
	struct err	 err;
	int64_t		 t0 = util_mono_us();
	int		 status;

	api_resp_init(&resp);
	/* only jobs that finish from now on can wake this request */
	pthread_mutex_lock(&w->wake_mu);
	t->seen_gen = w->done_gen;
	pthread_mutex_unlock(&w->wake_mu);

	if ((status = fcgi_read_req(&t->fr, &req, &t->scratch,
	    w->cfg->max_body_bytes, w->cfg->base_path, &err)) != 0) {
		fcgi_error_resp(&resp, status, err.msg);
		memcpy(resp.err.msg, err.msg, sizeof(resp.err.msg));
	} else
		api_handle(&t->api, &req, &resp);
	if (t->waiting) {
		pthread_mutex_lock(&w->wake_mu);
		t->waiting = 0;
		w->nwaiting--;
		pthread_mutex_unlock(&w->wake_mu);
	}
	metrics_http(w->ctx->metrics, resp.status);
	if (fcgi_write_resp(&t->fr, &resp, req.method != NULL &&
	    strcmp(req.method, "HEAD") == 0, &err) == -1)
		log_debug("worker %d: %s", w->slot, err.msg);
	log_request(&req, &resp, util_mono_us() - t0);
	api_resp_reset(&resp);
	fcgi_scratch_clear(&t->scratch);
}

/*
 * Under accept_mu: takes t, which waits for the accept role, off the
 * idle list (an idle thread that ends was idle longest: near the bottom).
 */
static void
idle_remove(struct worker *w, struct hthread *t)
{
	int	i;

	for (i = 0; w->idle[i] != t; i++)
		;
	memmove(&w->idle[i], &w->idle[i + 1],
	    (size_t)(w->nidle - i - 1) * sizeof(w->idle[0]));
	w->nidle--;
}

/*
 * Takes the accept role: at once if no thread holds it, or else when the
 * holder hands it on, to the thread that asked for it last.  Last in,
 * first out keeps the threads that serve to the few the load needs: a
 * mutex's queue would hand each request to the thread idle longest, so
 * that in turn every thread would serve, and each keep the stack pages
 * and the malloc cache (glibc's per-thread tcache, some 20 KiB) its
 * requests touched, for good; and the threads a burst started would never
 * be idle long enough to end.  Returns 1 with the role, or 0 when this
 * thread is to end: it waited IDLE_EXIT_MS for the role, and more than
 * MIN_THREADS run.
 */
static int
accept_enter(struct worker *w, struct hthread *t)
{
	struct timespec	ts;
	int		took = 1;

	pthread_mutex_lock(&w->accept_mu);
	if (!w->accepting)
		w->accepting = 1;
	else {
		util_deadline(&ts, CLOCK_MONOTONIC, IDLE_EXIT_MS);
		w->idle[w->nidle++] = t;
		while (!t->handed) {
			if (pthread_cond_timedwait(&t->accept_cv,
			    &w->accept_mu, &ts) != ETIMEDOUT || t->handed)
				continue;
			if (w->nrunning > MIN_THREADS) {
				idle_remove(w, t);
				w->nrunning--;
				took = 0;
				break;
			}
			util_deadline(&ts, CLOCK_MONOTONIC, IDLE_EXIT_MS);
		}
		t->handed = 0;
	}
	pthread_mutex_unlock(&w->accept_mu);
	return took;
}

/*
 * Under accept_mu: a free slot for one more thread, taken, or NULL when
 * http_threads run.
 */
static struct hthread *
slot_take(struct worker *w)
{
	int	i;

	if (w->nrunning >= w->nthreads)
		return NULL;
	for (i = 0; w->threads[i].in_use; i++)
		;
	w->threads[i].in_use = 1;
	w->nslots++;
	w->nrunning++;
	return &w->threads[i];
}

/* Under accept_mu: t's thread is gone (counted: still in nrunning). */
static void
slot_free(struct worker *w, struct hthread *t, int counted)
{
	t->in_use = 0;
	if (counted)
		w->nrunning--;
	if (--w->nslots == 0)
		pthread_cond_signal(&w->ended_cv);
}

static void	*http_thread(void *);

/*
 * Starts a thread on slot t (taken).  0, or -1 when the system would
 * not: the slot is free again, and the next thread that takes a
 * connection with none waiting for the role tries again.  Meanwhile
 * connections wait until a thread is done with its request.
 */
static int
start_thread(struct worker *w, struct hthread *t)
{
	pthread_t	tid;

	if ((errno = pthread_create(&tid, &w->thread_attr, http_thread,
	    t)) == 0)
		return 0;
	log_warn("worker %d: start an http thread", w->slot);
	pthread_mutex_lock(&w->accept_mu);
	slot_free(w, t, 1);
	pthread_mutex_unlock(&w->accept_mu);
	return -1;
}

/*
 * Hands the accept role on to the latest thread that asked for it.  If
 * none did (every thread is serving), the caller took a connection
 * (took) and not all of http_threads run, starts one more to take the
 * role: a worker keeps a thread free for the next connection while it
 * has threads to spare.  (Not while stopping: the backlog drains with
 * the threads there are.)
 */
static void
accept_leave(struct worker *w, int took)
{
	struct hthread	*next, *more = NULL;

	pthread_mutex_lock(&w->accept_mu);
	if (w->nidle > 0) {
		next = w->idle[--w->nidle];
		next->handed = 1;
		pthread_cond_signal(&next->accept_cv);
	} else {
		w->accepting = 0;
		if (took && !w->stopping)
			more = slot_take(w);
	}
	pthread_mutex_unlock(&w->accept_mu);
	/* unlocked: a thread's start takes some 50 us */
	if (more != NULL)
		(void)start_thread(w, more);
}

static void *
http_thread(void *arg)
{
	struct hthread	*t = arg;
	struct worker	*w = t->w;
	int		 rc, counted = 1;

	for (;;) {
		if (!accept_enter(w, t)) {
			counted = 0;
			break;
		}
		rc = accept_next(w, &t->fr);
		accept_leave(w, rc == 1);
		if (rc != 1)
			break;
		serve(t);
		/* finish here, not in the next accept: close now, unlocked */
		FCGX_Finish_r(&t->fr);
		/*
		 * fastcgi_keep_conn would pin this thread to one nginx
		 * connection while it holds the accept role: close it
		 * anyway.
		 */
		if (t->fr.ipcFd != -1)
			FCGX_Free(&t->fr, 1);
	}
	fcgi_scratch_reset(&t->scratch);
	/* the last use of t: another thread may take the slot from here */
	pthread_mutex_lock(&w->accept_mu);
	slot_free(w, t, counted);
	pthread_mutex_unlock(&w->accept_mu);
	return NULL;
}

void
worker_main(const struct proc_ctx *ctx, int slot)
{
	struct worker		 w;
	struct hthread		*ts;
	struct hthread		*t;
	pthread_condattr_t	 ca;
	pthread_t		 reader;
	struct err		 err;
	int			 i, n;

	memset(&w, 0, sizeof(w));
	w.ctx = ctx;
	w.cfg = ctx->cfg;
	w.slot = slot;
	w.sig_fd = proc_child_init(ctx, "worker", slot);
	w.done_fd = ctx->done_pipes[slot][0];
	for (i = 0; i < ctx->nworkers; i++) {
		close(ctx->done_pipes[i][1]);
		if (i != slot)
			close(ctx->done_pipes[i][0]);
	}

	/*
	 * One malloc arena for all the threads.  glibc gives each new
	 * thread an arena of its own up to 8 per core, and an arena keeps
	 * the pages its requests touched: some 150 KiB each, 2 MiB a
	 * worker after a busy minute.  Few threads run at once (a worker
	 * has a share of the cores; the rest sleep, waiting for a verdict
	 * or for the accept role), and each keeps its small blocks in its
	 * own cache (tcache) besides, so the one lock is rarely waited for
	 * (measured: GETs per second no lower).
	 */
	if (mallopt(M_ARENA_MAX, 1) != 1)
		log_warnx("worker %d: mallopt(M_ARENA_MAX) failed", slot);
	if (FCGX_Init() != 0)
		fatal("worker %d: FCGX_Init failed", slot);
	/*
	 * After FCGX_Init, which installs handlers of its own: a client
	 * that went away is an EPIPE, and SIGUSR1 must not set libfcgi's
	 * "shutdown pending", which fails every accept from then on.
	 * (SIGTERM stays blocked: libfcgi's handler for it never runs.)
	 */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	if ((w.store = store_open(w.cfg->database, &err)) == NULL)
		fatal("worker %d: %s", slot, err.msg);

	pthread_mutex_init(&w.accept_mu, NULL);
	pthread_mutex_init(&w.wake_mu, NULL);
	n = w.cfg->http_threads;
	if ((ts = calloc((size_t)n, sizeof(*ts))) == NULL ||
	    (w.idle = calloc((size_t)n, sizeof(*w.idle))) == NULL)
		fatal("worker %d: out of memory", slot);
	w.threads = ts;
	w.nthreads = n;
	/* an eighth kept for requests that do not wait, at least one */
	w.max_waiting = n > 1 && n < 8 ? n - 1 : n - n / 8;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	for (i = 0; i < n; i++) {
		pthread_cond_init(&ts[i].wake_cv, &ca);
		pthread_cond_init(&ts[i].accept_cv, &ca);
	}
	pthread_cond_init(&w.ended_cv, NULL);
	pthread_condattr_destroy(&ca);
	pthread_attr_init(&w.thread_attr);
	if ((errno = pthread_attr_setstacksize(&w.thread_attr,
	    THREAD_STACK_BYTES)) != 0 || (errno = pthread_attr_setdetachstate(
	    &w.thread_attr, PTHREAD_CREATE_DETACHED)) != 0)
		fatal("worker %d: thread attributes: %s", slot,
		    strerror(errno));
	if ((errno = pthread_create(&reader, &w.thread_attr, done_reader,
	    &w)) != 0)
		fatal("worker %d: pthread_create: %s", slot, strerror(errno));
	start_listener(&w);

	for (i = 0; i < n; i++) {
		ts[i].w = &w;
		ts[i].api.cfg = w.cfg;
		ts[i].api.store = w.store;
		ts[i].api.langs = ctx->langs;
		ts[i].api.metrics = ctx->metrics;
		ts[i].api.host = ctx->host;
		ts[i].api.hooks.job_queued = hook_job_queued;
		ts[i].api.hooks.wait_for = hook_wait_for;
		ts[i].api.hooks.arg = &ts[i];
		FCGX_InitRequest(&ts[i].fr, PROC_LISTEN_FD, 0);
	}
	for (i = 0; i < n && i < MIN_THREADS; i++) {
		pthread_mutex_lock(&w.accept_mu);
		t = slot_take(&w);
		pthread_mutex_unlock(&w.accept_mu);
		if (start_thread(&w, t) == -1)
			fatal("worker %d: no http thread", slot);
	}
	log_info("worker %d: ready, %d of up to %d threads, at most %d "
	    "waiting", slot, i, n, w.max_waiting);

	/*
	 * Only a thread that is serving starts another, so once none is
	 * left, none will start.
	 */
	pthread_mutex_lock(&w.accept_mu);
	while (w.nslots > 0)
		pthread_cond_wait(&w.ended_cv, &w.accept_mu);
	pthread_mutex_unlock(&w.accept_mu);
	log_info("worker %d: stopped", slot);
	store_close(w.store);
	free(w.idle);
	free(ts);
	/* the reader thread still sits in read(): exit takes it along */
	exit(0);
}
