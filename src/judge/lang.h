#ifndef JUDGE_LANG_H
#define JUDGE_LANG_H

#include <stddef.h>

struct err;

/*
 * The language table is data: contrib/languages.json.  Entries whose tools
 * are missing on the host are loaded but marked unavailable; the API lists
 * only the available ones.
 */
#define LANG_ALSO_IDS	8

struct lang {
	int		 id;		/* Judge0's id where one exists */
	/*
	 * Judge0's ids of other versions of this language (C++ GCC 7.4.0
	 * is 52 where ours is 54): clients with a fixed table of ids send
	 * them, and they run here.  A submission keeps id.
	 */
	int		 also_ids[LANG_ALSO_IDS];
	size_t		 nalso_ids;
	char		*name;		/* "python3" */
	char		*display;	/* "Python (3.11.2)" */
	char		*version;	/* "3.11.2" */
	char		**aliases;	/* NULL-terminated */
	char		*source_file;	/* "main.py" */
	char		**compile_argv;	/* NULL = interpreted */
	char		**run_argv;
	char		**env;		/* extra "K=V", NULL-terminated */
	char		**ro_paths;	/* extra read-only binds */
	char		**version_cmd;	/* prints the version, or NULL */
	char		**options_allowed; /* compiler options: "-O2",
					   "--release 17", "-D{macro}" */
	char		**box_files;	/* name, content, ...: written to the
					   box before compiling */
	/*
	 * What the toolchain makes once and every compile reuses (a
	 * precompiled header, a class-data archive; prepare.c): prep_argv
	 * runs in a box holding prep_files, the prep_outputs it makes are
	 * kept, and "{prepared}" in compile_argv stands for prep_options
	 * ("{dir}" in a word: where the outputs are) once they exist.
	 */
	char		**prep_argv;	/* NULL = nothing to prepare */
	char		**prep_files;	/* name, content, ... */
	char		**prep_outputs;	/* relative paths */
	char		**prep_options;
	int		 available;
	/*
	 * Judge0's "Multi-file program": no source code; the box holds the
	 * submission's archive, whose script "compile" (if there is one)
	 * runs with compile_argv and whose script "run" runs with run_argv.
	 */
	int		 project;
	/* per-language overrides, 0 = the submission's own limit */
	double		 compile_cpu_s;
	double		 compile_wall_s;
	long long	 compile_memory_kb;
	long long	 min_memory_kb;
	long long	 min_procs;
};

struct lang_table {
	struct lang	*langs;
	size_t		 n;
};

/*
 * Loads the table from path and checks which tools exist.  Returns a table
 * (free with lang_table_free) or NULL with err set.
 */
struct lang_table *lang_table_load(const char *path, struct err *);
void	lang_table_free(struct lang_table *);
/*
 * Runs each available language's version_cmd in the sandbox and fills in
 * version and display ("{version}" in display is replaced).  A tool that
 * does not answer gets "unknown".  Returns 0, or -1 with err set.
 */
struct sandbox;
int	lang_table_probe(struct lang_table *, struct sandbox *, struct err *);
/*
 * Compiler options.  An entry of a language's allow-list
 * (options_allowed) is one word, or two words separated by one blank: an
 * option whose value is the next word, matched as a pair ("--release
 * 17"), so that a value word is never taken on its own.  A word is
 * literal, or ends in one placeholder: {name} stands for a C identifier,
 * {macro} for a C identifier optionally followed by '=' and
 * [A-Za-z0-9_]*.  Nothing else is a pattern: every other option is a
 * whole token that must be listed.
 *
 * Whatever the table says, a built-in deny-list refuses every option
 * that loads code into the toolchain or changes which tools, paths or
 * files it uses (-fplugin*, -B*, -specs*, -wrapper, @file, -Wl,*,
 * -Clink-arg*, -Clinker*, --sysroot*, -iprefix*, -J*, -toolexec*, ...).
 */
enum lang_opt_verdict {
	LANG_OPT_OK,
	LANG_OPT_UNLISTED,	/* not on the language's allow-list */
	LANG_OPT_DENIED,	/* on the built-in deny-list */
};
/*
 * Checks the option words (NULL-terminated) of a submission in l.
 * Returns LANG_OPT_OK, or the verdict on the first refused option with
 * *at (index of its first word) and *n (its words: 1, or 2 for an option
 * and its value).
 */
enum lang_opt_verdict lang_options_check(const struct lang *l,
	    char *const *words, size_t *at, size_t *n);
/*
 * Checks the compiler_options text of a submission in l (split at
 * blanks, as judge_words does).  Returns 1 if every option is allowed, 0
 * with msg set to a sentence naming the refused option, or -1 on ENOMEM.
 */
int	lang_options_ok(const struct lang *l, const char *options, char *msg,
	    size_t size);
/* Available language by id or one of its also_ids, or NULL. */
const struct lang *lang_by_id(const struct lang_table *, int id);
/* Whether l answers id (its own or one of its also_ids). */
int	lang_has_id(const struct lang *l, int id);
/*
 * The display name of language id, available or not (old submissions
 * keep their language's name), or NULL if the table has no such id.
 */
const char *lang_display_name(const struct lang_table *, int id);
/* Available language by name or alias (case-insensitive), or NULL. */
const struct lang *lang_by_name(const struct lang_table *, const char *);

#endif
