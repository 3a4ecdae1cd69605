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
#include "base/util.h"
#include "judge.h"
#include "lang.h"
#include "sandbox/sandbox.h"

static int	check_allow_list(const struct lang *, struct err *);

static void
lang_reset(struct lang *l)
{
	free(l->name);
	free(l->display);
	free(l->version);
	free(l->source_file);
	util_strv_free(l->aliases);
	util_strv_free(l->compile_argv);
	util_strv_free(l->run_argv);
	util_strv_free(l->env);
	util_strv_free(l->ro_paths);
	util_strv_free(l->version_cmd);
	util_strv_free(l->options_allowed);
	util_strv_free(l->box_files);
	util_strv_free(l->prep_argv);
	util_strv_free(l->prep_files);
	util_strv_free(l->prep_outputs);
	util_strv_free(l->prep_options);
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

/* A relative path of plain components ("a/b", no "", "." or ".."). */
static int
plain_path(const char *p)
{
	size_t	n;

	for (;;) {
		n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		if (p[n] == '\0')
			return 1;
		p += n + 1;
	}
}

/*
 * "prepare": {"command": [...], "files": [name, content, ...],
 * "outputs": [path, ...], "options": [word, ...]}, optional; the compile
 * command must then have "{prepared}".
 */
static int
get_prepare(json_object *o, struct lang *l, struct err *err)
{
	json_object	*p;
	char		**w, *at;
	size_t		 i;

	if (!json_object_object_get_ex(o, "prepare", &p) || p == NULL)
		return 0;
	if (json_object_get_type(p) != json_type_object)
		return err_set(err, "language %s: \"prepare\" must be an "
		    "object", l->name);
	if (get_strv(p, "command", 1, &l->prep_argv, err) == -1 ||
	    get_strv(p, "files", 0, &l->prep_files, err) == -1 ||
	    get_strv(p, "outputs", 1, &l->prep_outputs, err) == -1 ||
	    get_strv(p, "options", 1, &l->prep_options, err) == -1)
		return -1;
	if (l->prep_argv[0] == NULL || l->prep_argv[0][0] != '/' ||
	    l->prep_outputs[0] == NULL)
		return err_set(err, "language %s: \"prepare\" needs a command "
		    "with an absolute path and at least one output", l->name);
	for (i = 0; l->prep_files != NULL && l->prep_files[i] != NULL; i += 2)
		if (l->prep_files[i + 1] == NULL ||
		    !plain_path(l->prep_files[i]))
			return err_set(err, "language %s: prepare's files is "
			    "[path, content, ...] with relative paths", l->name);
	for (w = l->prep_outputs; *w != NULL; w++)
		if (!plain_path(*w))
			return err_set(err, "language %s: prepare's output %s "
			    "is not a relative path", l->name, *w);
	for (w = l->prep_options; *w != NULL; w++)
		if ((at = strstr(*w, "{dir}")) != NULL &&
		    strstr(at + 1, "{dir}") != NULL)
			return err_set(err, "language %s: prepare's option %s "
			    "has {dir} twice", l->name, *w);
	for (w = l->compile_argv; w != NULL && *w != NULL; w++)
		if (strcmp(*w, "{prepared}") == 0)
			return 0;
	return err_set(err, "language %s: \"prepare\" without \"{prepared}\" "
	    "in \"compile\"", l->name);
}

/* "also_ids": an array of positive integers, at most LANG_ALSO_IDS. */
static int
get_also_ids(json_object *o, struct lang *l, struct err *err)
{
	json_object	*v, *e;
	size_t		 i, n;

	if (!json_object_object_get_ex(o, "also_ids", &v) || v == NULL)
		return 0;
	if (json_object_get_type(v) != json_type_array ||
	    (n = json_object_array_length(v)) > LANG_ALSO_IDS)
		return err_set(err, "language %s: \"also_ids\" must be an "
		    "array of at most %d ids", l->name, LANG_ALSO_IDS);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(v, i);
		if (json_object_get_type(e) != json_type_int ||
		    json_object_get_int(e) <= 0)
			return err_set(err, "language %s: \"also_ids\" must "
			    "hold positive integers", l->name);
		l->also_ids[i] = json_object_get_int(e);
	}
	l->nalso_ids = n;
	return 0;
}

/* No id, own or also, answers for two entries. */
static int
check_ids(const struct lang_table *t, struct err *err)
{
	const struct lang	*l;
	size_t			 i, j, k;
	int			 id;

	for (i = 0; i < t->n; i++) {
		l = &t->langs[i];
		for (k = 0; k <= l->nalso_ids; k++) {
			id = k == 0 ? l->id : l->also_ids[k - 1];
			for (j = 0; j < t->n; j++)
				if (lang_has_id(&t->langs[j], id) &&
				    (j != i || (k > 0 && id == l->id)))
					return err_set(err, "language id %d is "
					    "used twice (%s, %s)", id, l->name,
					    t->langs[j].name);
		}
	}
	return 0;
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
	if (check_allow_list(l, err) == -1 || get_also_ids(o, l, err) == -1 ||
	    get_prepare(o, l, err) == -1)
		return -1;
	if (json_object_object_get_ex(o, "project", &v) && v != NULL)
		l->project = json_object_get_boolean(v);
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
	if (check_ids(t, err) == -1)
		goto fail;
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

/*
 * The deny-list.  An entry refuses a word equal to s, or (prefix) one
 * starting with s; tool, when set, limits it to that compiler (the base
 * name of the compile argv's first word).  Words are compared in a
 * canonical form with a leading "--" made "-": Go's flag package takes
 * both, and gcc and rustc have long forms of several of these.
 */
static const struct deny {
	const char	*s;
	int		 prefix;
	const char	*tool;
} deny[] = {
	/* gcc and clang: plugins, other tools, search paths, outputs */
	{ "-fplugin", 1, NULL },	/* also -fplugin-arg-* */
	{ "-plugin", 1, NULL },		/* --plugin*, ld's -plugin */
	{ "-iplugindir", 1, NULL },
	{ "-B", 1, NULL },
	{ "-specs", 1, NULL },		/* also --specs */
	{ "-wrapper", 1, NULL },
	{ "@", 1, NULL },		/* response files */
	{ "-Wl,", 1, NULL },
	{ "-Wa,", 1, NULL },
	{ "-Wp,", 1, NULL },
	{ "-Xlinker", 1, NULL },
	{ "-Xassembler", 1, NULL },
	{ "-Xpreprocessor", 1, NULL },
	{ "-Xclang", 1, NULL },
	{ "-fuse-ld", 1, NULL },
	{ "-ld-path", 1, NULL },	/* --ld-path */
	{ "-sysroot", 1, NULL },	/* --sysroot, rustc too */
	{ "-isysroot", 1, NULL },
	{ "-iprefix", 1, NULL },
	{ "-iwithprefix", 1, NULL },	/* also -iwithprefixbefore */
	{ "-isystem", 1, NULL },
	{ "-idirafter", 1, NULL },
	{ "-iquote", 1, NULL },
	{ "-imultilib", 1, NULL },
	{ "-imultiarch", 1, NULL },
	{ "-include", 1, NULL },
	{ "-imacros", 1, NULL },
	{ "-I", 1, NULL },
	{ "-L", 1, NULL },		/* rustc too */
	{ "-T", 1, NULL },		/* linker scripts */
	{ "-o", 1, NULL },		/* also rustc's --out-dir */
	{ "-x", 1, NULL },
	/* rustc: unstable flags (plugins among them), crates, targets */
	{ "-Z", 1, NULL },
	{ "-extern", 1, NULL },
	{ "-target", 1, "rustc" },	/* a target spec names its linker */
	/* javac: options of its JVM, annotation processors, plugins, paths */
	{ "-J", 1, NULL },
	{ "-processor", 1, NULL },	/* also -processorpath, --processor-* */
	{ "-Xplugin", 1, NULL },
	{ "-cp", 0, NULL },
	{ "-classpath", 1, NULL },
	{ "-class-path", 1, NULL },	/* --class-path */
	{ "-sourcepath", 1, NULL },
	{ "-source-path", 1, NULL },
	{ "-module-path", 1, NULL },
	{ "-module-source-path", 1, NULL },
	{ "-upgrade-module-path", 1, NULL },
	{ "-patch-module", 1, NULL },
	{ "-system", 1, NULL },
	{ "-bootclasspath", 1, NULL },
	{ "-Xbootclasspath", 1, NULL },
	{ "-extdirs", 1, NULL },
	{ "-endorseddirs", 1, NULL },
	{ "-p", 0, NULL },
	{ "-d", 0, NULL },
	/* go build: other tools, other files, other build modes */
	{ "-toolexec", 1, NULL },
	{ "-exec", 1, NULL },
	{ "-overlay", 1, NULL },
	{ "-modfile", 1, NULL },
	{ "-pkgdir", 1, NULL },
	{ "-compiler", 1, NULL },
	{ "-gccgoflags", 1, NULL },
	{ "-buildmode", 1, NULL },
	{ "-linkshared", 1, NULL },
	{ "-extld", 1, NULL },		/* also -extldflags */
	{ "-linkmode", 1, NULL },
};

/*
 * rustc's codegen options (-C X, -CX, --codegen X, --codegen=X) that
 * name a linker, its arguments, LLVM's arguments or files to read or
 * write.
 */
static const char *const deny_codegen[] = {
	"link",			/* link-arg(s), linker, linker-flavor, ... */
	"llvm-args",
	"passes",
	"profile-",
	"incremental",
	"save-temps",
	"dlltool",
};

static const char *
canonical(const char *w)
{
	return w[0] == '-' && w[1] == '-' ? w + 1 : w;
}

/* The base name of the compiler of l, or "". */
static const char *
tool_of(const struct lang *l)
{
	const char	*p;

	if (l->compile_argv == NULL || l->compile_argv[0] == NULL)
		return "";
	p = strrchr(l->compile_argv[0], '/');
	return p != NULL ? p + 1 : l->compile_argv[0];
}

/*
 * The number of words (1 with w alone, 2 with w and next) that make a
 * denied option at w, or 0.  next may be NULL.
 */
static size_t
denied(const char *tool, const char *w, const char *next)
{
	const struct deny	*d;
	const char		*c = canonical(w), *v = NULL;
	size_t			 i, n = 1;

	for (i = 0; i < sizeof(deny) / sizeof(deny[0]); i++) {
		d = &deny[i];
		if (d->tool != NULL && strcmp(d->tool, tool) != 0)
			continue;
		if (d->prefix ? strncmp(c, d->s, strlen(d->s)) == 0 :
		    strcmp(c, d->s) == 0)
			return 1;
	}
	/*
	 * go's linker flags (-ldflags=..., or its value in the next word,
	 * quoted or not): the external linker and how it is used
	 */
	if (strstr(c, "-extld") != NULL || strstr(c, "-linkmode") != NULL)
		return 1;
	if (strcmp(w, "-C") == 0 || strcmp(c, "-codegen") == 0) {
		v = next;
		n = 2;
	} else if (strncmp(w, "-C", 2) == 0)
		v = w + 2;
	else if (strncmp(c, "-codegen=", 9) == 0)
		v = c + 9;
	if (v == NULL)
		return 0;
	for (i = 0; i < sizeof(deny_codegen) / sizeof(deny_codegen[0]); i++)
		if (strncmp(v, deny_codegen[i], strlen(deny_codegen[i])) == 0)
			return n;
	return 0;
}

static int
ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int
ident_char(char c)
{
	return ident_start(c) || (c >= '0' && c <= '9');
}

/*
 * 1 if the word w matches the pattern word p: p itself, or p's literal
 * part followed by what its trailing placeholder stands for.
 */
static int
word_matches(const char *p, size_t plen, const char *w)
{
	const char	*ph = memchr(p, '{', plen);
	size_t		 lit = ph != NULL ? (size_t)(ph - p) : plen;

	if (strncmp(p, w, lit) != 0)
		return 0;
	w += lit;
	if (ph == NULL)
		return *w == '\0';
	if (!ident_start(*w))
		return 0;
	while (ident_char(*w))
		w++;
	if (plen - lit == 6 && strncmp(ph, "{name}", 6) == 0)
		return *w == '\0';
	if (plen - lit == 7 && strncmp(ph, "{macro}", 7) == 0) {
		if (*w == '=')
			for (w++; ident_char(*w); w++)
				;
		return *w == '\0';
	}
	return 0;
}

/*
 * The number of words at w (2: w and next as a pair, 1: w alone) that an
 * entry of l's allow-list takes, or 0.  next may be NULL.
 */
static size_t
allowed(const struct lang *l, const char *w, const char *next)
{
	char		**a;
	const char	 *sp;
	size_t		  n = 0;

	for (a = l->options_allowed; a != NULL && *a != NULL; a++) {
		if ((sp = strchr(*a, ' ')) != NULL) {
			if (next != NULL &&
			    word_matches(*a, (size_t)(sp - *a), w) &&
			    word_matches(sp + 1, strlen(sp + 1), next))
				return 2;
		} else if (word_matches(*a, strlen(*a), w))
			n = 1;
	}
	return n;
}

enum lang_opt_verdict
lang_options_check(const struct lang *l, char *const *words, size_t *at,
    size_t *n)
{
	const char	*tool = tool_of(l);
	size_t		 i, k;

	/* every word, also one that an allow-list pair would take */
	for (i = 0; words[i] != NULL; i++)
		if ((k = denied(tool, words[i], words[i + 1])) > 0) {
			*at = i;
			*n = k;
			return LANG_OPT_DENIED;
		}
	for (i = 0; words[i] != NULL; i += k)
		if ((k = allowed(l, words[i], words[i + 1])) == 0) {
			*at = i;
			*n = 1;
			return LANG_OPT_UNLISTED;
		}
	return LANG_OPT_OK;
}

int
lang_options_ok(const struct lang *l, const char *options, char *msg,
    size_t size)
{
	enum lang_opt_verdict	 v;
	char			**words = NULL;
	size_t			 at, n;

	if (judge_words(options, &words) == -1)
		return -1;
	v = lang_options_check(l, words, &at, &n);
	if (v == LANG_OPT_DENIED)
		snprintf(msg, size, "option %.80s%s%.80s is not allowed: it "
		    "would load code into the compiler or change its tools",
		    words[at], n == 2 ? " " : "", n == 2 ? words[at + 1] : "");
	else if (v == LANG_OPT_UNLISTED)
		snprintf(msg, size, "option %.80s is not allowed for %s (not "
		    "on its list of compiler options)", words[at], l->name);
	util_strv_free(words);
	return v == LANG_OPT_OK;
}

/*
 * Checks the allow-list of l as it is loaded: one or two words, each
 * literal or with one known placeholder at its end, and none on the
 * deny-list (a table edit cannot reopen what the deny-list closes;
 * lang_options_check refuses those words all the same).
 */
static int
check_allow_list(const struct lang *l, struct err *err)
{
	const char	*tool = tool_of(l), *w[2], *sp, *ph;
	char		 sample[2][128];
	size_t		 i, k, len[2], lit;

	for (i = 0; l->options_allowed != NULL &&
	    l->options_allowed[i] != NULL; i++) {
		w[0] = l->options_allowed[i];
		w[1] = NULL;
		len[0] = strlen(w[0]);
		if ((sp = strchr(w[0], ' ')) != NULL) {
			len[0] = (size_t)(sp - w[0]);
			w[1] = sp + 1;
			len[1] = strlen(w[1]);
		}
		for (k = 0; k < 2 && w[k] != NULL; k++) {
			if (len[k] == 0 || len[k] >= sizeof(sample[k]) - 1 ||
			    memchr(w[k], ' ', len[k]) != NULL)
				goto bad;
			/* "x" stands for what a placeholder takes */
			ph = memchr(w[k], '{', len[k]);
			lit = ph != NULL ? (size_t)(ph - w[k]) : len[k];
			snprintf(sample[k], sizeof(sample[k]), "%.*s%s",
			    (int)lit, w[k], ph != NULL ? "x" : "");
			if (!word_matches(w[k], len[k], sample[k]))
				goto bad;
		}
		if (denied(tool, sample[0], w[1] != NULL ? sample[1] : NULL) >
		    0 || (w[1] != NULL && denied(tool, sample[1], NULL) > 0))
			return err_set(err, "language %s: compiler option "
			    "\"%s\" is on the built-in deny-list", l->name,
			    l->options_allowed[i]);
	}
	return 0;
bad:
	return err_set(err, "language %s: bad compiler option entry \"%s\" "
	    "(one or two words; a placeholder, {name} or {macro}, ends a "
	    "word)", l->name, l->options_allowed[i]);
}

int
lang_has_id(const struct lang *l, int id)
{
	size_t	i;

	if (l->id == id)
		return 1;
	for (i = 0; i < l->nalso_ids; i++)
		if (l->also_ids[i] == id)
			return 1;
	return 0;
}

const struct lang *
lang_by_id(const struct lang_table *t, int id)
{
	size_t	i;

	for (i = 0; i < t->n; i++)
		if (t->langs[i].available && lang_has_id(&t->langs[i], id))
			return &t->langs[i];
	return NULL;
}

const char *
lang_display_name(const struct lang_table *t, int id)
{
	const struct lang	*l;
	size_t			 i;

	if ((l = lang_by_id(t, id)) != NULL)
		return l->display;
	for (i = 0; i < t->n; i++)
		if (lang_has_id(&t->langs[i], id))
			return t->langs[i].display;
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
