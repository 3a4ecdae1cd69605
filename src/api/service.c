/*
 * The service's own state.
 *
 *	GET /health			200 {status, queue_depth (of every
 *					node sharing the store), node,
 *					executors (this node's), store} |
 *					503 (the store cannot be read or
 *					written, no executor)
 *	GET /system_info		200 cores, memory, kernel, sandbox |
 *					403 (not an admin)
 *	GET /workers			200 Judge0's queue line; admins: and
 *					each executor
 *	GET /metrics			200 Prometheus text: admins the
 *					service's (prometheus.c), others their
 *					own submissions
 *	POST /authenticate		200: the credential is good (nginx
 *					answered 401 otherwise)
 *	POST /authorize			200 for an admin | 403
 *
 * The host and every user's activity are for admins (the config's
 * admins; a Prometheus scraper reaches /metrics as one through nginx,
 * auth.conf).  Others see what concerns them: the queue line Judge0
 * clients read (the queue's length and how many executors work, as
 * /health tells anyone) and their own counts.
 */
#include <sys/sysinfo.h>
#include <sys/utsname.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/config.h"
#include "base/err.h"
#include "base/util.h"
#include "judge/judge.h"
#include "judge/lang.h"
#include "judge/metrics.h"
#include "sandbox/sandbox.h"
#include "store/queue.h"
#include "store/store.h"
#include "api.h"
#include "handlers.h"
#include "prometheus.h"
#include "reply.h"
#include "request.h"

#define PROM_TEXT	"text/plain; version=0.0.4; charset=utf-8"

/* /health waits this long for the store at most, twice: within 1 s */
#define HEALTH_WAIT_MS	300

/* A size for JSON: null when unknown. */
static int
jadd_bytes(json_object *o, const char *key, int64_t n)
{
	return n >= 0 ? jadd(o, key, json_object_new_int64(n)) :
	    jadd_null(o, key);
}

void
service_health(struct api *a, const struct api_call *c,
    struct api_resp *resp)
{
	struct store_health	 h;
	struct err		 err;
	json_object		*o = NULL, *ex = NULL, *so = NULL;
	char			 why[256] = "";
	int			 n, ready, busy, readable;

	readable = store_health(a->store, HEALTH_WAIT_MS, &h, &err) == 0;
	/* without the shared counters (tests) the executors are unknown */
	n = metrics_executors(a->metrics, &ready, &busy);
	if (!readable) {
		resp->err = err;	/* for the log */
		snprintf(why, sizeof(why), "store unavailable: %s", h.problem);
	}
	else if (!h.writable)
		snprintf(why, sizeof(why), "store not writable: %s",
		    h.problem);
	else if (n > 0 && ready == 0)
		snprintf(why, sizeof(why), "no executor is running");
	/* a person gets the reason as a page */
	if (why[0] != '\0' && c->html) {
		reply_error(resp, 503, why, NULL);
		reply_header(resp, "Retry-After: 5");
		goto out;
	}
	if ((o = json_object_new_object()) == NULL ||
	    jadd(o, "status", json_object_new_string(why[0] != '\0' ?
	    "error" : "ok")) == -1 ||
	    (why[0] != '\0' && jadd(o, "error",
	    json_object_new_string(why)) == -1) ||
	    (readable && jadd(o, "queue_depth",
	    json_object_new_int64(h.queued)) == -1) ||
	    (a->cfg != NULL && a->cfg->node != NULL && jadd(o, "node",
	    json_object_new_string(a->cfg->node)) == -1) ||
	    (n > 0 && (jadd(o, "executors", ex = json_object_new_object()) ==
	    -1 || jadd(ex, "total", json_object_new_int(n)) == -1 ||
	    jadd(ex, "ready", json_object_new_int(ready)) == -1 ||
	    jadd(ex, "busy", json_object_new_int(busy)) == -1)) ||
	    jadd(o, "store", so = json_object_new_object()) == -1 ||
	    jadd(so, "readable", json_object_new_boolean(readable)) == -1 ||
	    jadd(so, "writable", json_object_new_boolean(readable &&
	    h.writable)) == -1 ||
	    (h.problem[0] != '\0' && jadd(so, "problem",
	    json_object_new_string(h.problem)) == -1) ||
	    jadd_bytes(so, "free_bytes", h.free_bytes) == -1 ||
	    jadd_bytes(so, "data_bytes", h.data_bytes) == -1 ||
	    jadd_bytes(so, "wal_bytes", h.wal_bytes) == -1) {
		json_object_put(o);
		o = NULL;
	}
	reply_json(resp, why[0] != '\0' ? 503 : 200, o);
	if (why[0] != '\0')
		reply_header(resp, "Retry-After: 5");
out:
	json_object_put(o);
}

void
service_system_info(struct api *a, const struct api_call *c,
    struct api_resp *resp)
{
	const struct sandbox_host	*h = a->host;
	struct sysinfo			 si;
	struct utsname			 u;
	json_object			*o = NULL, *m, *sb;
	char				 kernel[160] = "unknown";
	long				 cores;
	int				 n, ready, busy;

	if (!c->admin) {
		reply_error(resp, 403, "only admins may read /system_info",
		    NULL);
		return;
	}
	cores = sysconf(_SC_NPROCESSORS_ONLN);
	if (uname(&u) == 0)
		snprintf(kernel, sizeof(kernel), "%.60s %.60s %.30s",
		    u.sysname, u.release, u.machine);
	memset(&si, 0, sizeof(si));
	(void)sysinfo(&si);
	n = metrics_executors(a->metrics, &ready, &busy);
	if ((o = json_object_new_object()) == NULL ||
	    jadd(o, "cores", json_object_new_int64(cores > 0 ? cores : 0)) ==
	    -1 ||
	    jadd(o, "kernel", json_object_new_string(kernel)) == -1 ||
	    jadd(o, "memory", m = json_object_new_object()) == -1 ||
	    jadd(m, "total_kb", json_object_new_int64((int64_t)si.totalram *
	    si.mem_unit / 1024)) == -1 ||
	    jadd(m, "free_kb", json_object_new_int64((int64_t)si.freeram *
	    si.mem_unit / 1024)) == -1 ||
	    jadd(m, "swap_kb", json_object_new_int64((int64_t)si.totalswap *
	    si.mem_unit / 1024)) == -1 ||
	    jadd(o, "sandbox", sb = json_object_new_object()) == -1 ||
	    jadd(sb, "cgroup", json_object_new_string(h != NULL ?
	    sandbox_cgroup_name(h->cgroup) : "unknown")) == -1 ||
	    jadd(sb, "cgroup_controllers", json_object_new_string(h != NULL ?
	    h->controllers : "")) == -1 ||
	    (h != NULL ? jadd(sb, "userns", json_object_new_boolean(
	    h->userns)) : jadd_null(sb, "userns")) == -1 ||
	    (h != NULL ? jadd(sb, "seccomp", json_object_new_boolean(
	    h->seccomp)) : jadd_null(sb, "seccomp")) == -1 ||
	    jadd(sb, "box_uids", json_object_new_string(h == NULL ?
	    "unknown" : h->ids == SANDBOX_IDS_SUBID ? "subordinate" :
	    h->ids == SANDBOX_IDS_ROOT ? "box_uid_base" :
	    "service user")) == -1 ||
	    (h != NULL ? jadd(sb, "private_system_files",
	    json_object_new_boolean(h->private_fs)) :
	    jadd_null(sb, "private_system_files")) == -1 ||
	    (h != NULL ? jadd(sb, "private_device_nodes",
	    json_object_new_boolean(h->private_devices)) :
	    jadd_null(sb, "private_device_nodes")) == -1 ||
	    jadd(o, "executors", json_object_new_int(n)) == -1 ||
	    jadd(o, "version", json_object_new_string(API_VERSION)) == -1) {
		json_object_put(o);
		o = NULL;
	}
	reply_json(resp, 200, o);
	json_object_put(o);
}

void
service_workers(struct api *a, const struct api_call *c,
    struct api_resp *resp)
{
	const struct metrics_executor	*e;
	json_object			*arr = NULL, *o, *list, *x;
	int64_t				 depth;
	const char			*state;
	int				 i, n, ready, busy;

	if ((depth = store_queue_depth(a->store, NULL, &resp->err)) < 0)
		goto out;
	n = metrics_executors(a->metrics, &ready, &busy);
	/* Judge0's line for its one queue, then ours per executor */
	if ((arr = json_object_new_array()) == NULL ||
	    jpush(arr, o = json_object_new_object()) == -1 ||
	    jadd(o, "queue", json_object_new_string("default")) == -1 ||
	    jadd(o, "size", json_object_new_int64(depth)) == -1 ||
	    jadd(o, "available", json_object_new_int(ready)) == -1 ||
	    jadd(o, "idle", json_object_new_int(ready - busy)) == -1 ||
	    jadd(o, "working", json_object_new_int(busy)) == -1 ||
	    jadd(o, "paused", json_object_new_int(0)) == -1 ||
	    jadd(o, "failed", json_object_new_int(n - ready)) == -1)
		goto out;
	if (!c->admin)
		n = 0;
	else if ((a->cfg != NULL && a->cfg->node != NULL && jadd(o, "node",
	    json_object_new_string(a->cfg->node)) == -1) ||
	    jadd(o, "executors", list = json_object_new_array()) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		e = &a->metrics->exec[i];
		if (__atomic_load_n(&e->pid, __ATOMIC_RELAXED) == 0 ||
		    !__atomic_load_n(&e->ready, __ATOMIC_RELAXED))
			state = "down";
		else if (__atomic_load_n(&e->busy, __ATOMIC_RELAXED))
			state = "busy";
		else
			state = "idle";
		if (jpush(list, x = json_object_new_object()) == -1 ||
		    jadd(x, "executor", json_object_new_int(i)) == -1 ||
		    jadd(x, "state", json_object_new_string(state)) == -1 ||
		    jadd(x, "jobs", json_object_new_int64((int64_t)
		    __atomic_load_n(&e->jobs, __ATOMIC_RELAXED))) == -1 ||
		    jadd(x, "busy_seconds", json_object_new_double((double)
		    __atomic_load_n(&e->busy_us, __ATOMIC_RELAXED) / 1e6)) ==
		    -1)
			goto out;
	}
	reply_json(resp, 200, arr);
out:
	if (resp->status == 0)
		reply_internal(resp, NULL);
	json_object_put(arr);
}

/*
 * /metrics of a user who is no admin: their own submissions, from the
 * store, under names of their own so that a scraper given such a user
 * by mistake shows no service metrics rather than wrong ones.
 */
static void
own_metrics(struct api *a, const char *owner, struct api_resp *resp)
{
	const struct lang	*l;
	struct store_count	*c = NULL;
	struct buf		*b = &resp->body;
	char			 id[16];
	int64_t			 queued;
	size_t			 i, n = 0;

	if ((queued = store_queue_depth(a->store, owner, &resp->err)) < 0 ||
	    store_count_verdicts(a->store, owner, &c, &n, &resp->err) == -1)
		goto out;
	buf_reset(b);
	if (buf_printf(b, &resp->err,
	    "# HELP coderunner_user_queued_jobs Your submissions waiting "
	    "for an executor.\n"
	    "# TYPE coderunner_user_queued_jobs gauge\n"
	    "coderunner_user_queued_jobs %lld\n"
	    "# HELP coderunner_user_submissions Your submissions kept, by "
	    "language and status.\n"
	    "# TYPE coderunner_user_submissions gauge\n",
	    (long long)queued) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		/* a language no longer in the table: its id */
		snprintf(id, sizeof(id), "%d", c[i].lang_id);
		l = lang_by_id(a->langs, c[i].lang_id);
		if (buf_printf(b, &resp->err, "coderunner_user_submissions"
		    "{language=\"%s\",status=\"%s\"} %lld\n",
		    l != NULL ? l->name : id,
		    judge_status_description(c[i].status),
		    (long long)c[i].n) == -1)
			goto out;
	}
	resp->status = 200;
	resp->content_type = PROM_TEXT;
out:
	if (resp->status == 0)
		reply_internal(resp, NULL);
	free(c);
}

/* The store's gauges, after the shared counters; -1 sizes are left out. */
static int
store_metrics(const struct store_health *h, struct buf *b, struct err *err)
{
	static const struct {
		const char	*name, *help;
		size_t		 off;
	} sizes[] = {
		{ "coderunner_store_data_bytes", "Bytes of data the store "
		    "keeps.", offsetof(struct store_health, data_bytes) },
		{ "coderunner_store_wal_bytes", "Bytes of the store's "
		    "write-ahead log on disk.",
		    offsetof(struct store_health, wal_bytes) },
		{ "coderunner_store_free_bytes", "Free bytes on the store's "
		    "file system.", offsetof(struct store_health, free_bytes) },
	};
	const int64_t	*v;
	size_t		 i;

	if (buf_printf(b, err, "# HELP coderunner_store_writable 1 if a "
	    "write to the store could start, else 0.\n"
	    "# TYPE coderunner_store_writable gauge\n"
	    "coderunner_store_writable %d\n", h->writable) == -1)
		return -1;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		v = (const int64_t *)(const void *)((const char *)h +
		    sizes[i].off);
		if (*v >= 0 && buf_printf(b, err, "# HELP %s %s\n"
		    "# TYPE %s gauge\n%s %lld\n", sizes[i].name,
		    sizes[i].help, sizes[i].name, sizes[i].name,
		    (long long)*v) == -1)
			return -1;
	}
	return 0;
}

void
service_metrics(struct api *a, const struct api_call *c,
    struct api_resp *resp)
{
	struct store_health	h;
	int			ready, busy;

	if (!c->admin) {
		own_metrics(a, c->owner, resp);
		return;
	}
	if (store_health(a->store, HEALTH_WAIT_MS, &h, &resp->err) == -1) {
		reply_internal(resp, NULL);
		return;
	}
	(void)metrics_executors(a->metrics, &ready, &busy);
	buf_reset(&resp->body);
	if (prom_render(a->metrics, a->langs, a->cfg != NULL ? a->cfg->node :
	    NULL, h.queued, busy, &resp->body, &resp->err) == -1 ||
	    store_metrics(&h, &resp->body, &resp->err) == -1) {
		reply_internal(resp, NULL);
		return;
	}
	resp->status = 200;
	resp->content_type = PROM_TEXT;
}

/*
 * Judge0's credential checks, with an empty body as Judge0's.  nginx let
 * the request in, so its API key or password is good; Judge0's
 * authorization (its X-Auth-User token) is what admins may do here:
 * every user's submissions, /system_info, all of /metrics.
 */
static void
empty_ok(struct api_resp *resp)
{
	buf_reset(&resp->body);
	resp->status = 200;
	resp->content_type = API_TEXT;
}

void
service_authenticate(struct api *a, const struct api_call *c,
    struct api_resp *resp)
{
	(void)a;
	(void)c;
	empty_ok(resp);
}

void
service_authorize(struct api *a, const struct api_call *c,
    struct api_resp *resp)
{
	(void)a;
	if (!c->admin) {
		reply_error(resp, 403, "not authorized: admins only", NULL);
		return;
	}
	empty_ok(resp);
}
