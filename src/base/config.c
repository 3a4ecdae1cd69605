#include <json.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "hmac.h"
#include "util.h"

/* room in a lease for the sandbox's own work on a loaded host */
#define LEASE_SLACK_MS	30000

/*
 * Floors: CPU and wall time of 10 ms (what the sandbox measures in), 2048
 * KB of memory (Judge0's floor), stack and file size of 1 KB (RLIMIT
 * units that still mean a limit), one process (the program itself),
 * 1024 bytes of output.
 */
static const struct limits floor_limits = {
	.cpu_time_s = 0.01, .cpu_extra_s = 0, .wall_time_s = 0.01,
	.memory_kb = 2048, .stack_kb = 1, .max_file_kb = 1, .max_procs = 1,
	.output_bytes = 1024, .total_wall_s = 0.01,
};

const struct limits *
config_limits_floor(void)
{
	return &floor_limits;
}

int
config_defaults(struct config *c, struct err *err)
{
	memset(c, 0, sizeof(*c));
	c->database = strdup("coderunner.db");
	c->node = strdup("");
	c->box_root = strdup("/tmp/coderunner-boxes");
	c->languages = strdup("contrib/languages.json");
	c->base_path = strdup("");
	c->cgroup_base = strdup("");
	c->csrf_secret = strdup("");
	c->compile_cache = strdup("");
	c->prepared_dir = strdup("");
	c->admins = calloc(1, sizeof(char *));
	c->callback_allow_hosts = calloc(1, sizeof(char *));
	c->callback_secret = strdup("");
	if (c->database == NULL || c->node == NULL || c->box_root == NULL ||
	    c->languages == NULL || c->base_path == NULL ||
	    c->cgroup_base == NULL || c->csrf_secret == NULL ||
	    c->compile_cache == NULL || c->prepared_dir == NULL ||
	    c->admins == NULL ||
	    c->callback_allow_hosts == NULL || c->callback_secret == NULL) {
		config_reset(c);
		return err_set(err, "out of memory");
	}
	c->http_workers = -1;
	c->executors = -1;
	c->http_threads = 256;
	c->wait_timeout_ms = 30000;
	c->queue_max = 1000;
	c->owner_queue_max = 100;
	c->shutdown_grace_ms = 20000;
	c->max_attempts = 3;
	c->max_tests = 64;
	c->max_body_bytes = 1 << 20;
	c->max_source_bytes = 64 << 10;
	c->stored_output_bytes = 64 << 10;
	c->compile_cache_bytes = 256 << 20;
	c->box_uid_base = 200000;
	c->max_batch = 20;
	c->def = (struct limits){ .cpu_time_s = 2, .cpu_extra_s = 0.5,
	    .wall_time_s = 5, .memory_kb = 256000, .stack_kb = 64000,
	    .max_file_kb = 1024, .max_procs = 64,
	    .output_bytes = 64 << 10 };
	c->max = (struct limits){ .cpu_time_s = 15, .cpu_extra_s = 5,
	    .wall_time_s = 20, .memory_kb = 2048000, .stack_kb = 2048000,
	    .max_file_kb = 65536, .max_procs = 256,
	    .output_bytes = 4 << 20, .total_wall_s = 60 };
	return 0;
}

void
config_reset(struct config *c)
{
	free(c->database);
	free(c->node);
	free(c->compile_cache);
	free(c->prepared_dir);
	free(c->box_root);
	free(c->languages);
	free(c->base_path);
	free(c->cgroup_base);
	free(c->csrf_secret);
	util_strv_free(c->admins);
	util_strv_free(c->callback_allow_hosts);
	free(c->callback_secret);
	memset(c, 0, sizeof(*c));
}

void
config_finish(struct config *c)
{
	unsigned char	 key[32];
	char		*hex, host[256];
	int64_t		 lease;
	long		 cores = sysconf(_SC_NPROCESSORS_ONLN);

	if (cores < 1)
		cores = 1;
	if (c->http_workers < 0)
		c->http_workers = (int)(2 * cores);
	if (c->executors < 0)
		c->executors = (int)cores;
	/*
	 * The lease is renewed before each test, so it must outlast the
	 * longest step between two renewals: the compile or one test, each
	 * within the time budget, plus room for the sandbox's own work on a
	 * loaded host.
	 */
	if (c->lease_ms == 0) {
		lease = (int64_t)(c->max.total_wall_s * 1000) + LEASE_SLACK_MS;
		c->lease_ms = lease > INT_MAX ? INT_MAX : (int)lease;
	}
	if (c->node != NULL && c->node[0] == '\0' &&
	    gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		free(c->node);
		c->node = strdup(host);
	}
	if (c->csrf_secret != NULL && c->csrf_secret[0] == '\0' &&
	    util_random(key, sizeof(key), NULL) == 0 &&
	    (hex = malloc(2 * sizeof(key) + 1)) != NULL) {
		hmac_hex(key, sizeof(key), hex);
		free(c->csrf_secret);
		c->csrf_secret = hex;
	}
}

int
config_is_admin(const struct config *c, const char *user)
{
	char	**a;

	if (user == NULL || c->admins == NULL)
		return 0;
	for (a = c->admins; *a != NULL; a++)
		if (strcmp(*a, user) == 0)
			return 1;
	return 0;
}

/* K_COUNT: an int, or null for "by the cores" (-1) */
enum kind {
	K_STR, K_INT, K_COUNT, K_I64, K_NUM, K_BOOL, K_LIMITS, K_LIMITS_MAX,
	K_STRLIST
};

struct key {
	const char	*name;
	enum kind	 kind;
	size_t		 off;
};

#define KEY(n, k, f)	{ n, k, offsetof(struct config, f) }
static const struct key keys[] = {
	KEY("database", K_STR, database),
	KEY("node", K_STR, node),
	KEY("box_root", K_STR, box_root),
	KEY("languages", K_STR, languages),
	KEY("base_path", K_STR, base_path),
	KEY("cgroup_base", K_STR, cgroup_base),
	KEY("csrf_secret", K_STR, csrf_secret),
	KEY("http_workers", K_COUNT, http_workers),
	KEY("http_threads", K_INT, http_threads),
	KEY("executors", K_COUNT, executors),
	KEY("lease_ms", K_INT, lease_ms),
	KEY("wait_timeout_ms", K_INT, wait_timeout_ms),
	KEY("queue_max", K_INT, queue_max),
	KEY("owner_queue_max", K_INT, owner_queue_max),
	KEY("shutdown_grace_ms", K_INT, shutdown_grace_ms),
	KEY("max_attempts", K_INT, max_attempts),
	KEY("max_tests", K_INT, max_tests),
	KEY("max_body_bytes", K_I64, max_body_bytes),
	KEY("max_source_bytes", K_I64, max_source_bytes),
	KEY("stored_output_bytes", K_I64, stored_output_bytes),
	KEY("box_uid_base", K_I64, box_uid_base),
	KEY("compile_cache", K_STR, compile_cache),
	KEY("compile_cache_bytes", K_I64, compile_cache_bytes),
	KEY("prepared_dir", K_STR, prepared_dir),
	KEY("limits_default", K_LIMITS, def),
	KEY("limits_maximum", K_LIMITS_MAX, max),
	KEY("admins", K_STRLIST, admins),
	KEY("allow_delete", K_BOOL, allow_delete),
	KEY("allow_network", K_BOOL, allow_network),
	KEY("judge0_extra_statuses", K_BOOL, judge0_extra_statuses),
	KEY("max_batch", K_INT, max_batch),
	KEY("callback_allow_hosts", K_STRLIST, callback_allow_hosts),
	KEY("callback_secret", K_STR, callback_secret),
	KEY("retention_days", K_NUM, retention_days),
	KEY("max_db_bytes", K_I64, max_db_bytes),
};

#define LKEY(n, k, f)	{ n, k, offsetof(struct limits, f) }
static const struct key limit_keys[] = {
	LKEY("cpu_time_limit", K_NUM, cpu_time_s),
	LKEY("cpu_extra_time", K_NUM, cpu_extra_s),
	LKEY("wall_time_limit", K_NUM, wall_time_s),
	LKEY("memory_limit", K_I64, memory_kb),
	LKEY("stack_limit", K_I64, stack_kb),
	LKEY("max_file_size", K_I64, max_file_kb),
	LKEY("max_processes_and_or_threads", K_I64, max_procs),
	LKEY("output_limit", K_I64, output_bytes),
	/* the last: limits_maximum only */
	LKEY("total_wall_time", K_NUM, total_wall_s),
};
#define NLIMIT_KEYS	(sizeof(limit_keys) / sizeof(limit_keys[0]))

static int	set_obj(void *, const struct key *, size_t, json_object *,
		    const char *, struct err *);

static int
set_value(void *base, const struct key *k, json_object *v, struct err *err)
{
	char		*p = (char *)base + k->off, **s, ***list;
	size_t		 i, n;
	json_type	 t = json_object_get_type(v);

	switch (k->kind) {
	case K_STR:
		if (t != json_type_string)
			return err_set(err, "%s: expected a string", k->name);
		s = (char **)(void *)p;
		free(*s);
		if ((*s = strdup(json_object_get_string(v))) == NULL)
			return err_set(err, "out of memory");
		return 0;
	case K_COUNT:
		if (t == json_type_null) {
			*(int *)(void *)p = -1;
			return 0;
		}
		/* FALLTHROUGH */
	case K_INT:
	case K_I64:
		if (t != json_type_int)
			return err_set(err, "%s: expected an integer", k->name);
		if (json_object_get_int64(v) < 0)
			return err_set(err, "%s: must not be negative", k->name);
		if (k->kind != K_I64) {
			if (json_object_get_int64(v) > 1000000000)
				return err_set(err, "%s: too large", k->name);
			*(int *)(void *)p = (int)json_object_get_int64(v);
		} else
			*(int64_t *)(void *)p = json_object_get_int64(v);
		return 0;
	case K_NUM:
		if (t != json_type_int && t != json_type_double)
			return err_set(err, "%s: expected a number", k->name);
		if (json_object_get_double(v) < 0)
			return err_set(err, "%s: must not be negative", k->name);
		*(double *)(void *)p = json_object_get_double(v);
		return 0;
	case K_BOOL:
		if (t != json_type_boolean)
			return err_set(err, "%s: expected true or false",
			    k->name);
		*(int *)(void *)p = json_object_get_boolean(v);
		return 0;
	case K_LIMITS:
	case K_LIMITS_MAX:
		return set_obj(p, limit_keys, k->kind == K_LIMITS_MAX ?
		    NLIMIT_KEYS : NLIMIT_KEYS - 1, v, k->name, err);
	case K_STRLIST:
		if (t != json_type_array)
			return err_set(err, "%s: expected an array", k->name);
		n = json_object_array_length(v);
		list = (char ***)(void *)p;
		util_strv_free(*list);
		if ((*list = calloc(n + 1, sizeof(char *))) == NULL)
			return err_set(err, "out of memory");
		for (i = 0; i < n; i++) {
			json_object *e = json_object_array_get_idx(v, i);

			if (json_object_get_type(e) != json_type_string)
				return err_set(err, "%s: expected strings",
				    k->name);
			if (((*list)[i] = strdup(json_object_get_string(e))) ==
			    NULL)
				return err_set(err, "out of memory");
		}
		return 0;
	}
	return err_set(err, "%s: bad key kind", k->name);
}

static int
set_obj(void *base, const struct key *tab, size_t ntab, json_object *obj,
    const char *where, struct err *err)
{
	size_t	i;

	if (json_object_get_type(obj) != json_type_object)
		return err_set(err, "%s: expected an object", where);
	json_object_object_foreach(obj, name, v) {
		for (i = 0; i < ntab; i++)
			if (strcmp(tab[i].name, name) == 0)
				break;
		if (i == ntab)
			return err_set(err, "%s: unknown key \"%s\"", where,
			    name);
		if (set_value(base, &tab[i], v, err) == -1)
			return -1;
	}
	return 0;
}

/*
 * Every default and maximum at or over its floor, and every default at
 * or under its maximum: a submission that sets no limit must pass the
 * checks one that sets them does.
 */
static int
check_limits(const struct config *c, struct err *err)
{
	const struct key	*k;
	const char		*d, *m, *f;
	size_t			 i;

	for (i = 0; i < NLIMIT_KEYS; i++) {
		k = &limit_keys[i];
		d = (const char *)&c->def + k->off;
		m = (const char *)&c->max + k->off;
		f = (const char *)&floor_limits + k->off;
		if (k->kind == K_NUM) {
			if (*(const double *)(const void *)m <
			    *(const double *)(const void *)f)
				return err_set(err, "limits_maximum: %s must "
				    "be greater than or equal to %g", k->name,
				    *(const double *)(const void *)f);
			if (i == NLIMIT_KEYS - 1)
				continue;	/* no default */
			if (*(const double *)(const void *)d <
			    *(const double *)(const void *)f)
				return err_set(err, "limits_default: %s must "
				    "be greater than or equal to %g", k->name,
				    *(const double *)(const void *)f);
			if (*(const double *)(const void *)d >
			    *(const double *)(const void *)m)
				return err_set(err, "limits_default: %s is "
				    "over its maximum", k->name);
		} else {
			if (*(const int64_t *)(const void *)m <
			    *(const int64_t *)(const void *)f)
				return err_set(err, "limits_maximum: %s must "
				    "be greater than or equal to %lld",
				    k->name, (long long)
				    *(const int64_t *)(const void *)f);
			if (*(const int64_t *)(const void *)d <
			    *(const int64_t *)(const void *)f)
				return err_set(err, "limits_default: %s must "
				    "be greater than or equal to %lld",
				    k->name, (long long)
				    *(const int64_t *)(const void *)f);
			if (*(const int64_t *)(const void *)d >
			    *(const int64_t *)(const void *)m)
				return err_set(err, "limits_default: %s is "
				    "over its maximum", k->name);
		}
	}
	return 0;
}

int
config_load(struct config *c, const char *path, struct err *err)
{
	json_object	*root = NULL;
	int		 rc = -1;

	if ((root = json_object_from_file(path)) == NULL) {
		err_set(err, "%s: %s", path, json_util_get_last_err());
		goto out;
	}
	if (set_obj(c, keys, sizeof(keys) / sizeof(keys[0]), root, path,
	    err) == -1)
		goto out;
	if (c->http_threads < 1)
		c->http_threads = 1;
	if (c->http_workers == 0 && c->executors == 0) {
		err_set(err, "%s: http_workers and executors are both 0: a "
		    "node needs one or the other", path);
		goto out;
	}
	/* it must outlast a compile or a test, between two renewals */
	if (c->lease_ms != 0 && c->lease_ms < 1000) {
		err_set(err, "%s: lease_ms must be 0 (by the time budget) or "
		    "at least 1000", path);
		goto out;
	}
	if (check_limits(c, err) == -1)
		goto out;
	rc = 0;
out:
	json_object_put(root);
	return rc;
}
