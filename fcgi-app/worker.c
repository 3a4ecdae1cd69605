/*
 * The http worker: http_threads threads, each in its own FCGX_Accept_r
 * loop, sharing one store handle, plus one thread that turns the worker's
 * "a job finished" eventfd into a condition variable broadcast, and, when
 * the store tells of verdicts from other nodes (PostgreSQL), one more
 * that does the same for those, on a store handle of its own.  Never
 * forks, never runs untrusted code.  See the theory block in main.c.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
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
/* the longest a lost notification delays the look at the store */
#define LISTEN_POLL_MS	1000

struct worker {
	const struct proc_ctx	*ctx;
	const struct config	*cfg;
	struct store		*store;
	struct store		*listen;	/* verdicts of other nodes */
	int			 slot;
	int			 sig_fd;
	int			 done_fd;
	pthread_mutex_t		 accept_mu;
	int			 stopping;	/* under accept_mu, below */
	pthread_mutex_t		 wake_mu;
	pthread_cond_t		 wake_cv;	/* CLOCK_MONOTONIC */
	uint64_t		 wake_gen;	/* under wake_mu */
};

struct hthread {
	struct worker		*w;
	pthread_t		 tid;
	uint64_t		 seen_gen;	/* under w->wake_mu */
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
 * api_hooks.wait_any: returns once a job finished since this thread last
 * looked, or after timeout_ms.  "Last looked" starts at the beginning of
 * each request (serve), so a verdict stored between the API's status
 * check and this call is not missed; an early return only costs the API
 * another look at the store.  -1: the worker is stopping, answer now.
 */
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
	 * Not under accept_mu: the thread in accept_next holds it while it
	 * polls, so taking it here would hold this request until the next
	 * connection arrives.  A stale 0 costs one more slice.
	 */
	s = __atomic_load_n(&w->stopping, __ATOMIC_RELAXED);
	return s || (sigpending(&pending) == 0 &&
	    (sigismember(&pending, SIGTERM) || sigismember(&pending, SIGINT)));
}

static int
hook_wait_any(void *arg, int timeout_ms)
{
	struct hthread	*t = arg;
	struct worker	*w = t->w;
	struct timespec	 ts;

	if (stopping(w))
		return -1;
	/* a slice at a time, so a stop is seen within a second */
	if (timeout_ms > 1000)
		timeout_ms = 1000;
	if (timeout_ms < 0)
		timeout_ms = 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&w->wake_mu);
	while (t->seen_gen == w->wake_gen)
		if (pthread_cond_timedwait(&w->wake_cv, &w->wake_mu, &ts) ==
		    ETIMEDOUT)
			break;
	t->seen_gen = w->wake_gen;
	pthread_mutex_unlock(&w->wake_mu);
	return stopping(w) ? -1 : 0;
}

/* A job finished: every waiting thread looks at the store again. */
static void
wake_waiters(struct worker *w)
{
	pthread_mutex_lock(&w->wake_mu);
	w->wake_gen++;
	pthread_cond_broadcast(&w->wake_cv);
	pthread_mutex_unlock(&w->wake_mu);
}

/*
 * The one reader of this worker's "a job finished" eventfd (blocking, not
 * semaphore: one read takes every count written since the last).  Several
 * threads may wait at once, so the event becomes a generation number and
 * a broadcast.
 */
static void *
done_reader(void *arg)
{
	struct worker	*w = arg;
	uint64_t	 n;
	ssize_t		 r;

	for (;;) {
		if ((r = read(w->done_fd, &n, sizeof(n))) == -1 &&
		    errno == EINTR)
			continue;
		if (r != (ssize_t)sizeof(n)) {
			/* XXX cannot happen; waits then end by timeout */
			log_warn("worker %d: read done eventfd", w->slot);
			break;
		}
		wake_waiters(w);
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
			wake_waiters(w);
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
 * Called with accept_mu held.  Returns 1 with a request in fr, or 0 when
 * this thread is to end.  w->stopping: 0 serving, 1 draining the backlog
 * after SIGTERM, 2 stop at once (the shutdown failed).
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
			w->stopping = 1;
			log_info("worker %d: stopping", w->slot);
			if (shutdown(PROC_LISTEN_FD, SHUT_RD) == -1) {
				log_warn("worker %d: shutdown listener",
				    w->slot);
				w->stopping = 2;
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
	char	when[32], method[40], path[520], owner[160], extra[400];
	char	q[300];
	size_t	n = 0;

	util_iso8601(util_now_ms(), when);
	proc_json_quote(method, sizeof(method), req->method);
	proc_json_quote(path, sizeof(path), req->path);
	proc_json_quote(owner, sizeof(owner), req->remote_user);
	extra[0] = '\0';
	if (resp->token[0] != '\0')
		n += (size_t)snprintf(extra, sizeof(extra), ",\"token\":\"%s\"",
		    resp->token);
	if (resp->err.msg[0] != '\0' && n < sizeof(extra)) {
		proc_json_quote(q, sizeof(q), resp->err.msg);
		snprintf(extra + n, sizeof(extra) - n, ",\"error\":%s", q);
	}
	log_info("{\"time\":\"%s\",\"method\":%s,\"path\":%s,\"status\":%d,"
	    "\"owner\":%s,\"ms\":%.3f%s}", when, method, path, resp->status,
	    owner, (double)us / 1000.0, extra);
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
	t->seen_gen = w->wake_gen;
	pthread_mutex_unlock(&w->wake_mu);

	if ((status = fcgi_read_req(&t->fr, &req, &t->scratch,
	    w->cfg->max_body_bytes, w->cfg->base_path, &err)) != 0) {
		fcgi_error_resp(&resp, status, err.msg);
		memcpy(resp.err.msg, err.msg, sizeof(resp.err.msg));
	} else
		api_handle(&t->api, &req, &resp);
	metrics_http(w->ctx->metrics, resp.status);
	if (fcgi_write_resp(&t->fr, &resp, req.method != NULL &&
	    strcmp(req.method, "HEAD") == 0, &err) == -1)
		log_debug("worker %d: %s", w->slot, err.msg);
	log_request(&req, &resp, util_mono_us() - t0);
	api_resp_reset(&resp);
	fcgi_scratch_clear(&t->scratch);
}

static void *
http_thread(void *arg)
{
	struct hthread	*t = arg;
	struct worker	*w = t->w;
	int		 rc;

	for (;;) {
		pthread_mutex_lock(&w->accept_mu);
		rc = accept_next(w, &t->fr);
		pthread_mutex_unlock(&w->accept_mu);
		if (rc != 1)
			break;
		serve(t);
		/* finish here, not in the next accept: close now, unlocked */
		FCGX_Finish_r(&t->fr);
		/*
		 * fastcgi_keep_conn would pin this thread to one nginx
		 * connection while it holds accept_mu: close it anyway.
		 */
		if (t->fr.ipcFd != -1)
			FCGX_Free(&t->fr, 1);
	}
	fcgi_scratch_reset(&t->scratch);
	return NULL;
}

void
worker_main(const struct proc_ctx *ctx, int slot)
{
	struct worker		 w;
	struct hthread		*ts;
	pthread_condattr_t	 ca;
	pthread_t		 reader;
	struct err		 err;
	int			 i, n;

	memset(&w, 0, sizeof(w));
	w.ctx = ctx;
	w.cfg = ctx->cfg;
	w.slot = slot;
	w.sig_fd = proc_child_init(ctx, "worker", slot);
	w.done_fd = ctx->done_fds[slot];
	for (i = 0; i < ctx->nworkers; i++)
		if (i != slot)
			close(ctx->done_fds[i]);

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
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w.wake_cv, &ca);
	pthread_condattr_destroy(&ca);
	if ((errno = pthread_create(&reader, NULL, done_reader, &w)) != 0)
		fatal("worker %d: pthread_create: %s", slot, strerror(errno));
	pthread_detach(reader);
	start_listener(&w);

	n = w.cfg->http_threads;
	if ((ts = calloc((size_t)n, sizeof(*ts))) == NULL)
		fatal("worker %d: out of memory", slot);
	for (i = 0; i < n; i++) {
		ts[i].w = &w;
		ts[i].api.cfg = w.cfg;
		ts[i].api.store = w.store;
		ts[i].api.langs = ctx->langs;
		ts[i].api.metrics = ctx->metrics;
		ts[i].api.host = ctx->host;
		ts[i].api.hooks.job_queued = hook_job_queued;
		ts[i].api.hooks.wait_any = hook_wait_any;
		ts[i].api.hooks.arg = &ts[i];
		FCGX_InitRequest(&ts[i].fr, PROC_LISTEN_FD, 0);
		if ((errno = pthread_create(&ts[i].tid, NULL, http_thread,
		    &ts[i])) != 0)
			fatal("worker %d: pthread_create: %s", slot,
			    strerror(errno));
	}
	log_info("worker %d: ready, %d threads", slot, n);

	for (i = 0; i < n; i++)
		pthread_join(ts[i].tid, NULL);
	log_info("worker %d: stopped", slot);
	store_close(w.store);
	free(ts);
	/* the reader thread still sits in read(): exit takes it along */
	exit(0);
}
