/*
 * The language table: contrib/languages.json read with json-c.  An entry is
 * available when the first word of each of its argvs is an executable file
 * on the host (absolute paths only: the box has no PATH search of its own
 * that we could check here).
 */
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/err.h"
#include "lang.h"
#include "sandbox/sandbox.h"

static void
strv_free(char **v)
{
	char	**p;

	if (v == NULL)
		return;
	for (p = v; *p != NULL; p++)
		free(*p);
	free(v);
}

static void
lang_reset(struct lang *l)
{
	free(l->name);
	free(l->display);
	free(l->version);
	free(l->source_file);
	strv_free(l->aliases);
	strv_free(l->compile_argv);
	strv_free(l->run_argv);
	strv_free(l->env);
	strv_free(l->ro_paths);
	strv_free(l->version_cmd);
	strv_free(l->options_allowed);
	strv_free(l->box_files);
}

void
lang_table_free(struct lang_table *t)
{
	size_t	i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		lang_reset(&t->langs[i]);
	free(t->langs);
	free(t);
}

/* Copies a string member; absent is fine when !required. */
static int
get_str(json_object *o, const char *key, int required, char **out,
    struct err *err)
{
	json_object	*v;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v) || v == NULL) {
		if (required)
			return err_set(err, "language: missing \"%s\"", key);
		return 0;
	}
	if (json_object_get_type(v) != json_type_string)
		return err_set(err, "language: \"%s\" must be a string", key);
	if ((*out = strdup(json_object_get_string(v))) == NULL)
		return err_errno(err, "strdup");
	return 0;
}

/* Copies an array of strings into a NULL-terminated vector. */
static int
get_strv(json_object *o, const char *key, int required, char ***out,
    struct err *err)
{
	json_object	*v, *e;
	size_t		 i, n;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v) || v == NULL) {
		if (required)
			return err_set(err, "language: missing \"%s\"", key);
		return 0;
	}
	if (json_object_get_type(v) != json_type_array)
		return err_set(err, "language: \"%s\" must be an array", key);
	n = json_object_array_length(v);
	if ((*out = calloc(n + 1, sizeof(char *))) == NULL)
		return err_errno(err, "calloc");
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(v, i);
		if (json_object_get_type(e) != json_type_string)
			return err_set(err, "language: \"%s\" must hold strings",
			    key);
		if (((*out)[i] = strdup(json_object_get_string(e))) == NULL)
			return err_errno(err, "strdup");
	}
	return 0;
}

static double
get_num(json_object *o, const char *key)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return 0;
	return json_object_get_double(v);
}

/* The compile's output (/box/...) exists only after compiling. */
static int
tool_exists(char **argv)
{
	return argv == NULL || (argv[0] != NULL && argv[0][0] == '/' &&
	    (strncmp(argv[0], "/box/", 5) == 0 ||
	    access(argv[0], X_OK) == 0));
}

static int
load_one(json_object *o, struct lang *l, struct err *err)
{
	json_object	*v;
	size_t		 i;

	if (json_object_get_type(o) != json_type_object)
		return err_set(err, "language entry must be an object");
	if (!json_object_object_get_ex(o, "id", &v) ||
	    json_object_get_type(v) != json_type_int)
		return err_set(err, "language: missing integer \"id\"");
	l->id = json_object_get_int(v);
	if (get_str(o, "name", 1, &l->name, err) == -1 ||
	    get_str(o, "display", 1, &l->display, err) == -1 ||
	    get_str(o, "version", 0, &l->version, err) == -1 ||
	    get_str(o, "source_file", 1, &l->source_file, err) == -1 ||
	    get_strv(o, "aliases", 0, &l->aliases, err) == -1 ||
	    get_strv(o, "compile", 0, &l->compile_argv, err) == -1 ||
	    get_strv(o, "run", 1, &l->run_argv, err) == -1 ||
	    get_strv(o, "env", 0, &l->env, err) == -1 ||
	    get_strv(o, "ro_paths", 0, &l->ro_paths, err) == -1 ||
	    get_strv(o, "version_cmd", 0, &l->version_cmd, err) == -1 ||
	    get_strv(o, "compiler_options", 0, &l->options_allowed,
	    err) == -1 ||
	    get_strv(o, "box_files", 0, &l->box_files, err) == -1)
		return -1;
	if (l->run_argv[0] == NULL)
		return err_set(err, "language %s: empty \"run\"", l->name);
	if (strchr(l->source_file, '/') != NULL)
		return err_set(err, "language %s: bad source_file", l->name);
	for (i = 0; l->box_files != NULL && l->box_files[i] != NULL; i += 2)
		if (l->box_files[i + 1] == NULL ||
		    strchr(l->box_files[i], '/') != NULL)
			return err_set(err, "language %s: box_files is "
			    "[name, content, ...] with plain names", l->name);
	l->compile_cpu_s = get_num(o, "compile_cpu_time");
	l->compile_wall_s = get_num(o, "compile_wall_time");
	l->compile_memory_kb = (long long)get_num(o, "compile_memory_limit");
	l->min_memory_kb = (long long)get_num(o, "min_memory_limit");
	l->min_procs = (long long)get_num(o, "min_processes");
	l->available = tool_exists(l->compile_argv) && tool_exists(l->run_argv);
	return 0;
}

struct lang_table *
lang_table_load(const char *path, struct err *err)
{
	json_object		*root = NULL, *arr;
	struct lang_table	*t = NULL;
	size_t			 i, n;

	if ((root = json_object_from_file(path)) == NULL) {
		err_set(err, "%s: %s", path, json_util_get_last_err());
		goto fail;
	}
	if (!json_object_object_get_ex(root, "languages", &arr) ||
	    json_object_get_type(arr) != json_type_array) {
		err_set(err, "%s: expected {\"languages\": [...]}", path);
		goto fail;
	}
	n = json_object_array_length(arr);
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->langs = calloc(n ? n : 1, sizeof(struct lang))) == NULL) {
		err_errno(err, "calloc");
		goto fail;
	}
	for (i = 0; i < n; i++) {
		t->n = i + 1;	/* so lang_table_free sees partial entries */
		if (load_one(json_object_array_get_idx(arr, i), &t->langs[i],
		    err) == -1)
			goto fail;
	}
	json_object_put(root);
	return t;
fail:
	lang_table_free(t);
	json_object_put(root);
	return NULL;
}

/* The first "N.N[.N...]" in s, copied; NULL if none. */
static char *
find_version(const char *s)
{
	const char	*p, *q;

	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			continue;
		for (q = p; (*q >= '0' && *q <= '9') || (*q == '.' &&
		    q[1] >= '0' && q[1] <= '9'); q++)
			;
		if (memchr(p, '.', (size_t)(q - p)) != NULL)
			return strndup(p, (size_t)(q - p));
		p = q - 1;
	}
	return NULL;
}

/* display with "{version}" replaced by version; NULL on ENOMEM. */
static char *
expand_display(const char *display, const char *version)
{
	const char	*at;
	char		*out;
	size_t		 n;

	if ((at = strstr(display, "{version}")) == NULL)
		return strdup(display);
	n = strlen(display) - 9 + strlen(version) + 1;
	if ((out = malloc(n)) == NULL)
		return NULL;
	snprintf(out, n, "%.*s%s%s", (int)(at - display), display, version,
	    at + 9);
	return out;
}

int
lang_table_probe(struct lang_table *t, struct sandbox *sb, struct err *err)
{
	static const char *const envp[] = {
		"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/tmp",
		"LANG=C.UTF-8", NULL
	};
	struct sandbox_spec	 spec;
	struct sandbox_result	 r;
	struct lang		*l;
	char			*v, *d;
	size_t			 i;

	for (i = 0; i < t->n; i++) {
		l = &t->langs[i];
		if (!l->available)
			continue;
		v = NULL;
		if (l->version_cmd != NULL && l->version_cmd[0] != NULL) {
			memset(&spec, 0, sizeof(spec));
			spec.argv = (const char *const *)l->version_cmd;
			spec.envp = envp;
			spec.box = NULL;
			spec.ro_paths = (const char *const *)l->ro_paths;
			spec.stderr_to_stdout = 1;
			spec.lim.wall_ms = 10000;
			spec.lim.cpu_ms = 10000;
			spec.lim.mem_bytes = 1024ull << 20;
			spec.lim.max_procs = 128;
			if (sandbox_run(sb, &spec, &r, err) == -1)
				return -1;
			if (r.status == SANDBOX_OK)
				v = find_version(r.out);
			sandbox_result_reset(&r);
		}
		if (v == NULL && (v = strdup(l->version != NULL ? l->version :
		    "unknown")) == NULL)
			return err_errno(err, "strdup");
		if ((d = expand_display(l->display, v)) == NULL) {
			free(v);
			return err_errno(err, "malloc");
		}
		free(l->version);
		free(l->display);
		l->version = v;
		l->display = d;
	}
	return 0;
}

int
lang_option_allowed(const struct lang *l, const char *opt)
{
	char	**a;
	size_t	  n;

	for (a = l->options_allowed; a != NULL && *a != NULL; a++) {
		n = strlen(*a);
		if (n > 0 && (*a)[n - 1] == '*') {
			if (strncmp(*a, opt, n - 1) == 0)
				return 1;
		} else if (strcmp(*a, opt) == 0)
			return 1;
	}
	return 0;
}

const struct lang *
lang_by_id(const struct lang_table *t, int id)
{
	size_t	i;

	for (i = 0; i < t->n; i++)
		if (t->langs[i].available && t->langs[i].id == id)
			return &t->langs[i];
	return NULL;
}

const struct lang *
lang_by_name(const struct lang_table *t, const char *name)
{
	size_t	  i;
	char	**a;

	for (i = 0; i < t->n; i++) {
		if (!t->langs[i].available)
			continue;
		if (strcasecmp(t->langs[i].name, name) == 0)
			return &t->langs[i];
		for (a = t->langs[i].aliases; a != NULL && *a != NULL; a++)
			if (strcasecmp(*a, name) == 0)
				return &t->langs[i];
	}
	return NULL;
}
