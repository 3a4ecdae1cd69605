/*
 * The callback sender: one process, started by the master when
 * callback_allow_hosts is not empty.  Executors never send callbacks
 * themselves (a slow receiver must not hold a job slot); they write one
 * count to cb_fd after each verdict, and this process sends what is due.
 *
 * The queue is durable: the callbacks table (sql/003_api.sql) holds one
 * row per submission with a callback_url, its state, tries and the time
 * of the next try.  A callback is due once its submission is final.  Each
 * try is a PUT (Judge0's verb) of the submission's default fields as
 * JSON, signed with "X-Coderunner-Signature: sha256=<hex HMAC-SHA256 of
 * the body under callback_secret>", with a 5 s timeout.  A 2xx answer
 * delivers it; otherwise it is tried again after 1 s, then 4 s, and given
 * up after the third try.  Nothing is followed: no redirects, no proxy
 * (the environment's http_proxy is ignored), http and https only.
 *
 * Every address curl is about to connect to is vetted first
 * (CURLOPT_OPENSOCKETFUNCTION, after name resolution): an internal
 * address (loopback, private, link-local, ...) is refused unless it is
 * itself on the allow-list (api_callback_addr_ok), so a listed name that
 * resolves, or is rebound, to an internal address reaches nothing.  A
 * refused address gives up the callback at once.
 *
 * Restarted by the master if it dies; a try it was making when killed is
 * made again (the row still says pending).  Single-threaded.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* the plain declarations: the calls go through the table cu */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <dlfcn.h>

#include "api/api.h"
#include "judge/metrics.h"
#include "base/buf.h"
#include "base/config.h"
#include "base/err.h"
#include "base/hmac.h"
#include "base/log.h"
#include "base/util.h"
#include "judge/judge.h"
#include "store/store.h"
#include "proc.h"

#define CB_TRIES	3
#define CB_TIMEOUT_MS	5000
#define CB_BATCH	16	/* due callbacks read at once */
#define CB_IDLE_MS	5000	/* safety net for a lost wake-up */
#define CB_RETRY_MS	1000	/* after a store error */

/*
 * libcurl is loaded here, in the callback sender, and only here: linked,
 * it would be mapped with the thirty-odd libraries it needs in every
 * process, and where a sandbox run's init is a copy of the executor's
 * address space (cgroup v2) the copy grows with them (measured when
 * every init was such a copy: with libcurl and libpq linked, an
 * in-process /bin/true run took 0.06-1.5 ms longer here, 0.48 ms in the
 * median of 8 pairs of 100-200 runs).
 */
#define CURL_SONAME	"libcurl.so.4"
#define CURL_FNS(X) \
	X(global_init) X(global_cleanup) X(easy_init) X(easy_setopt) \
	X(easy_perform) X(easy_getinfo) X(easy_strerror) X(easy_cleanup) \
	X(slist_append) X(slist_free_all)

static struct {
#define CURL_FIELD(f)	__typeof__(curl_##f) *f;
	CURL_FNS(CURL_FIELD)
#undef CURL_FIELD
} cu;

/* Loads libcurl into cu, or dies. */
static void
curl_load(void)
{
	void	*h;

	if ((h = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL)
		fatal("callback: %s", dlerror());
#define CURL_SYM(f)							\
	if ((cu.f = (__typeof__(cu.f))dlsym(h, "curl_" #f)) == NULL)	\
		fatal("callback: %s: no curl_%s", CURL_SONAME, #f);
	CURL_FNS(CURL_SYM)
#undef CURL_SYM
}

/* What the socket vetting found, for the error message. */
struct vet {
	const struct config	*cfg;
	int			 refused;
	char			 addr[64];
};

static curl_socket_t
open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct vet	*v = arg;
	const void	*ip;
	int		 fd;

	(void)purpose;
	if (!api_callback_addr_ok(v->cfg, &a->addr)) {
		v->refused = 1;
		ip = a->family == AF_INET6 ?
		    (const void *)&((struct sockaddr_in6 *)(void *)
		    &a->addr)->sin6_addr :
		    (const void *)&((struct sockaddr_in *)(void *)
		    &a->addr)->sin_addr;
		if (inet_ntop(a->family, ip, v->addr, sizeof(v->addr)) ==
		    NULL)
			snprintf(v->addr, sizeof(v->addr), "?");
		return CURL_SOCKET_BAD;
	}
	if ((fd = socket(a->family, a->socktype | SOCK_CLOEXEC,
	    a->protocol)) == -1)
		return CURL_SOCKET_BAD;
	return fd;
}

/* Discards the receiver's answer body. */
static size_t
sink(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/*
 * One try.  Returns 0 when delivered, 1 when it may be tried again, 2
 * when it never will (refused address), with why set.
 */
static int
put(const struct config *cfg, const char *url, const struct buf *body,
    char *why, size_t why_size)
{
	struct curl_slist	*h = NULL, *nh;
	struct vet		 v;
	unsigned char		 mac[SHA256_DIGEST_BYTES];
	char			 hex[2 * SHA256_DIGEST_BYTES + 1];
	char			 sig[128], cerr[CURL_ERROR_SIZE] = "";
	CURL			*c = NULL;
	CURLcode		 cc;
	long			 code = 0;
	int			 rc = 1;

	memset(&v, 0, sizeof(v));
	v.cfg = cfg;
	/* what a failure below says unless it says more */
	snprintf(why, why_size, "out of memory");
	if ((c = cu.easy_init()) == NULL) {
		snprintf(why, why_size, "curl_easy_init failed");
		goto out;
	}
	if ((nh = cu.slist_append(h, "Content-Type: application/json")) ==
	    NULL)
		goto out;
	h = nh;
	if ((nh = cu.slist_append(h, "User-Agent: coderunner")) == NULL)
		goto out;
	h = nh;
	if (cfg->callback_secret != NULL && cfg->callback_secret[0] != '\0') {
		hmac_sha256(cfg->callback_secret, strlen(cfg->callback_secret),
		    body->data, body->len, mac);
		hmac_hex(mac, sizeof(mac), hex);
		snprintf(sig, sizeof(sig), "X-Coderunner-Signature: sha256=%s",
		    hex);
		if ((nh = cu.slist_append(h, sig)) == NULL)
			goto out;
		h = nh;
	}
	if (cu.easy_setopt(c, CURLOPT_URL, url) != CURLE_OK ||
	    cu.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK ||
	    cu.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    cu.easy_setopt(c, CURLOPT_NOPROXY, "*") != CURLE_OK ||
	    cu.easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    cu.easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)CB_TIMEOUT_MS) !=
	    CURLE_OK ||
	    cu.easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT") != CURLE_OK ||
	    cu.easy_setopt(c, CURLOPT_POSTFIELDS, body->data) != CURLE_OK ||
	    cu.easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)body->len) != CURLE_OK ||
	    cu.easy_setopt(c, CURLOPT_HTTPHEADER, h) != CURLE_OK ||
	    cu.easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_socket) !=
	    CURLE_OK ||
	    cu.easy_setopt(c, CURLOPT_OPENSOCKETDATA, &v) != CURLE_OK ||
	    cu.easy_setopt(c, CURLOPT_WRITEFUNCTION, sink) != CURLE_OK ||
	    cu.easy_setopt(c, CURLOPT_ERRORBUFFER, cerr) != CURLE_OK) {
		snprintf(why, why_size, "curl_easy_setopt failed");
		goto out;
	}
	cc = cu.easy_perform(c);
	if (v.refused) {
		snprintf(why, why_size, "address %s is not allowed (internal "
		    "addresses need their own allow-list entry)", v.addr);
		rc = 2;
		goto out;
	}
	if (cc != CURLE_OK) {
		snprintf(why, why_size, "%s", cerr[0] != '\0' ? cerr :
		    cu.easy_strerror(cc));
		goto out;
	}
	(void)cu.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (code < 200 || code > 299) {
		snprintf(why, why_size, "HTTP %ld", code);
		goto out;
	}
	why[0] = '\0';
	rc = 0;
out:
	cu.slist_free_all(h);
	if (c != NULL)
		cu.easy_cleanup(c);
	return rc;
}

static void
deliver(const struct proc_ctx *ctx, struct api *a,
    const struct store_callback *cb)
{
	struct submission	*s = NULL;
	struct buf		 body = { 0 };
	struct err		 err;
	char			 why[256];
	int64_t			 next = 0;
	int			 tries = cb->attempts + 1, state, rc;

	switch (store_get(a->store, cb->token, NULL, &s, &err)) {
	case -1:
		log_warnx("callback %s: %s", cb->token, err.msg);
		return;		/* stays due: the next round tries again */
	case 0:
		return;		/* deleted meanwhile: its row went with it */
	}
	if (api_callback_body(a, s, cb->base64, &body, &err) == -1) {
		snprintf(why, sizeof(why), "%s", err.msg);
		rc = 2;
	} else
		rc = put(ctx->cfg, cb->url, &body, why, sizeof(why));
	if (rc == 0) {
		state = STORE_CB_DELIVERED;
		metrics_callback(ctx->metrics, METRICS_CB_DELIVERED);
	} else if (rc == 2 || tries >= CB_TRIES) {
		state = STORE_CB_FAILED;
		metrics_callback(ctx->metrics, METRICS_CB_FAILED);
	} else {
		state = STORE_CB_PENDING;
		/* 1 s, then 4 s */
		next = util_now_ms() + (tries == 1 ? 1000 : 4000);
		metrics_callback(ctx->metrics, METRICS_CB_RETRY);
	}
	log_info("callback %s: try %d: %s", cb->token, tries,
	    rc == 0 ? "delivered" : why);
	if (store_callback_done(a->store, cb->submission_id, state, tries,
	    next, why, &err) == -1)
		log_warnx("callback %s: %s", cb->token, err.msg);
	buf_reset(&body);
	submission_free(s);
}

/* Sleeps until cb_fd or sig_fd is readable, or timeout_ms passed. */
static void
wait_for_work(const struct proc_ctx *ctx, int sig_fd, int timeout_ms)
{
	struct pollfd	pfd[2];
	uint64_t	n;

	pfd[0].fd = ctx->cb_fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = sig_fd;
	pfd[1].events = POLLIN;
	if (poll(pfd, 2, timeout_ms) > 0 && (pfd[0].revents & POLLIN))
		(void)!read(ctx->cb_fd, &n, sizeof(n));
}

void
callback_main(const struct proc_ctx *ctx)
{
	struct store_callback	*cbs;
	struct api		 a;
	struct err		 err;
	int64_t			 now, next_ms;
	size_t			 i, n;
	int			 sig_fd, fd, timeout;

	sig_fd = proc_child_init(ctx, "callback", 0);
	/* fd 0 is the listening socket in the master: not ours */
	if ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
		fatal("callback: /dev/null: %s", strerror(errno));
	if (fd != 0) {
		if (dup3(fd, 0, O_CLOEXEC) == -1)
			fatal("callback: dup3: %s", strerror(errno));
		close(fd);
	}
	curl_load();
	if (cu.global_init(CURL_GLOBAL_DEFAULT) != 0)
		fatal("callback: curl_global_init failed");
	memset(&a, 0, sizeof(a));
	a.cfg = ctx->cfg;
	a.langs = ctx->langs;
	a.metrics = ctx->metrics;
	a.host = ctx->host;
	if ((a.store = store_open(ctx->cfg->database, &err)) == NULL)
		fatal("callback: %s", err.msg);
	log_info("callback sender: ready");

	while (!proc_stop_requested(sig_fd)) {
		now = util_now_ms();
		if (store_callbacks_due(a.store, now, CB_BATCH, &cbs, &n,
		    &next_ms, &err) == -1) {
			log_warnx("callback: %s", err.msg);
			wait_for_work(ctx, sig_fd, CB_RETRY_MS);
			continue;
		}
		for (i = 0; i < n && !proc_stop_requested(sig_fd); i++)
			deliver(ctx, &a, &cbs[i]);
		store_callbacks_free(cbs, n);
		if (n == CB_BATCH)
			continue;	/* more may be due */
		timeout = CB_IDLE_MS;
		now = util_now_ms();
		if (next_ms > 0 && next_ms - now < timeout)
			timeout = next_ms > now ? (int)(next_ms - now) : 0;
		wait_for_work(ctx, sig_fd, timeout);
	}
	log_info("callback sender: stopped");
	store_close(a.store);
	cu.global_cleanup();
	exit(0);
}
