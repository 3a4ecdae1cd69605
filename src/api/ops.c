/*
 * Operations and introspection.
 *
 *	DELETE /submissions/{token}	200 the deleted submission | 403 (off
 *					in the config) | 404 | 400 (queued
 *					or running: it cannot go yet)
 *	GET /languages/all		200 [{id, name, is_archived}]: every
 *					language of the table; archived =
 *					its tools are missing here
 *	GET /system_info		200 cores, memory, kernel, sandbox |
 *					403 (not an admin)
 *	GET /workers			200 Judge0's queue line; admins: and
 *					each executor
 *	GET /metrics			200 Prometheus text: admins the
 *					service's (metrics.c), others their
 *					own submissions
 *
 * The host and every user's activity are for admins (the config's
 * admins; a Prometheus scraper reaches /metrics as one through nginx,
 * auth.conf).  Others see what concerns them: the queue line Judge0
 * clients read (the queue's length and how many executors work, as
 * /health tells anyone) and their own counts.
 */
#include <sys/sysinfo.h>
#include <sys/utsname.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/config.h"
#include "base/err.h"
#include "base/util.h"
#include "judge/judge.h"
#include "judge/lang.h"
#include "sandbox/sandbox.h"
#include "store/store.h"
#include "api.h"
#include "api_int.h"
#include "judge/metrics.h"
#include "prometheus.h"

#define PROM_TEXT	"text/plain; version=0.0.4; charset=utf-8"

int
api_executors(const struct api *a, int *ready, int *busy)
{
	return metrics_executors(a->metrics, ready, busy);
}

void
api_delete_submission(struct api *a, const struct api_req *req,
    const char *arg, struct api_resp *resp)
{
	struct submission	*s = NULL;
	struct api_query	 q;
	struct err		 err;
	json_object		*o = NULL;
	const char		*owner = api_owner(req);
	char			 msg[128];
	int			 status;

	if (reply_header(resp, "Cache-Control: no-store") == -1 ||
	    api_parse_query(req, &q, resp) == -1)
		goto out;
	if (!a->cfg->allow_delete) {
		reply_error(resp, 403, "deleting submissions is disabled "
		    "on this server", NULL);
		goto out;
	}
	if (!util_is_uuid(arg)) {
		reply_error(resp, 404, "submission not found", NULL);
		goto out;
	}
	if (config_is_admin(a->cfg, owner))
		owner = NULL;
	/* read it first: the answer is what was deleted, as Judge0's */
	switch (store_get(a->store, arg, owner, &s, &err)) {
	case -1:
		reply_internal(resp, &err);
		goto out;
	case 0:
		reply_error(resp, 404, "submission not found", NULL);
		goto out;
	}
	if ((o = view_submission(a, s, &q, resp)) == NULL)
		goto out;
	switch (store_delete(a->store, arg, owner, &status, &err)) {
	case -1:
		reply_internal(resp, &err);
		goto out;
	case 0:
		if (status == 0) {
			reply_error(resp, 404, "submission not found", NULL);
			goto out;
		}
		snprintf(msg, sizeof(msg), "submission cannot be deleted "
		    "because its status is %s",
		    judge_status_description(status));
		reply_error(resp, 400, msg, NULL);
		goto out;
	}
	memcpy(resp->token, s->token, sizeof(resp->token));
	resp->token[sizeof(resp->token) - 1] = '\0';
	reply_json(resp, 200, o);
out:
	json_object_put(o);
	submission_free(s);
}

void
api_languages_all(struct api *a, const struct api_req *req, const char *arg,
    struct api_resp *resp)
{
	const struct lang	*l;
	json_object		*arr = NULL, *o;
	size_t			 i;

	(void)req;
	(void)arg;
	if ((arr = json_object_new_array()) == NULL)
		goto out;
	for (i = 0; i < a->langs->n; i++) {
		l = &a->langs->langs[i];
		if (jpush(arr, o = json_object_new_object()) == -1 ||
		    jadd(o, "id", json_object_new_int(l->id)) == -1 ||
		    jadd(o, "name", json_object_new_string(l->display)) ==
		    -1 ||
		    jadd(o, "is_archived",
		    json_object_new_boolean(!l->available)) == -1) {
			json_object_put(arr);
			arr = NULL;
			goto out;
		}
	}
out:
	reply_json(resp, 200, arr);
	json_object_put(arr);
}

static int
is_admin(const struct api *a, const struct api_req *req)
{
	return config_is_admin(a->cfg, api_owner(req));
}

void
api_system_info(struct api *a, const struct api_req *req, const char *arg,
    struct api_resp *resp)
{
	const struct sandbox_host	*h = a->host;
	struct sysinfo			 si;
	struct utsname			 u;
	json_object			*o = NULL, *m, *sb;
	char				 kernel[160] = "unknown";
	long				 cores;
	int				 n, ready, busy;

	(void)arg;
	if (!is_admin(a, req)) {
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
	n = api_executors(a, &ready, &busy);
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
api_workers(struct api *a, const struct api_req *req, const char *arg,
    struct api_resp *resp)
{
	const struct metrics_executor	*e;
	json_object			*arr = NULL, *o, *list, *x;
	int64_t				 depth;
	const char			*state;
	int				 i, n, ready, busy;

	(void)arg;
	if ((depth = store_queue_depth(a->store, NULL, &resp->err)) < 0)
		goto out;
	n = api_executors(a, &ready, &busy);
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
	if (!is_admin(a, req))
		n = 0;
	else if (jadd(o, "executors", list = json_object_new_array()) == -1)
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

void
api_metrics(struct api *a, const struct api_req *req, const char *arg,
    struct api_resp *resp)
{
	int64_t	depth;
	int	ready, busy;

	(void)arg;
	if (!is_admin(a, req)) {
		own_metrics(a, api_owner(req), resp);
		return;
	}
	if ((depth = store_queue_depth(a->store, NULL, &resp->err)) < 0) {
		reply_internal(resp, NULL);
		return;
	}
	(void)api_executors(a, &ready, &busy);
	buf_reset(&resp->body);
	if (prom_render(a->metrics, a->langs, depth, busy, &resp->body,
	    &resp->err) == -1) {
		reply_internal(resp, NULL);
		return;
	}
	resp->status = 200;
	resp->content_type = PROM_TEXT;
}

int
api_statistics_extra(struct api *a, const char *owner, json_object *o,
    struct err *err)
{
	struct store_day	*days = NULL;
	json_object		*sub, *pd, *d, *db;
	int64_t			 now = util_now_ms(), total, today, hour, size = 0;
	char			 date[32], pretty[32];
	size_t			 i, n = 0;
	int			 rc = -1, oom = 0;

	if ((total = store_count_since(a->store, owner, 0, err)) < 0 ||
	    (today = store_count_since(a->store, owner,
	    now - now % 86400000, err)) < 0 ||
	    (hour = store_count_since(a->store, owner, now - 3600000,
	    err)) < 0 ||
	    store_count_days(a->store, owner, now - now % 86400000 -
	    29 * 86400000LL, &days, &n, err) == -1 ||
	    (owner == NULL && (size = store_db_bytes(a->store, err)) < 0))
		goto out;
	oom = 1;	/* from here on only memory can run out */
	if (size >= 1 << 20)
		snprintf(pretty, sizeof(pretty), "%.1f MB",
		    (double)size / (1 << 20));
	else
		snprintf(pretty, sizeof(pretty), "%lld kB",
		    (long long)(size / 1024));
	if (jadd(o, "submissions", sub = json_object_new_object()) == -1 ||
	    jadd(sub, "total", json_object_new_int64(total)) == -1 ||
	    jadd(sub, "today", json_object_new_int64(today)) == -1 ||
	    jadd(sub, "last_hour", json_object_new_int64(hour)) == -1 ||
	    jadd(o, "per_day", pd = json_object_new_array()) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		util_iso8601(days[i].day_ms, date);
		date[10] = '\0';	/* YYYY-MM-DD */
		if (jpush(pd, d = json_object_new_object()) == -1 ||
		    jadd(d, "date", json_object_new_string(date)) == -1 ||
		    jadd(d, "count", json_object_new_int64(days[i].n)) == -1)
			goto out;
	}
	/* the database holds everyone's: its size is for admins */
	if (owner == NULL && (jadd(o, "database",
	    db = json_object_new_object()) == -1 ||
	    jadd(db, "size_in_bytes", json_object_new_int64(size)) == -1 ||
	    jadd(db, "size_pretty", json_object_new_string(pretty)) == -1))
		goto out;
	rc = 0;
out:
	if (rc == -1 && oom)
		err_set(err, "statistics: out of memory");
	free(days);
	return rc;
}
