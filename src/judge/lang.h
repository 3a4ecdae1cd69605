#ifndef JUDGE_LANG_H
#define JUDGE_LANG_H

#include <stddef.h>

struct err;

/*
 * The language table is data: contrib/languages.json.  Entries whose tools
 * are missing on the host are loaded but marked unavailable; the API lists
 * only the available ones.
 */
struct lang {
	int		 id;		/* Judge0's id where one exists */
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
	char		**options_allowed; /* compiler options: "-O2", "-std=*" */
	char		**box_files;	/* name, content, ...: written to the
					   box before compiling */
	int		 available;
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
 * 1 if opt is allowed as a compiler option of l: it equals an entry of
 * options_allowed, or starts with the part before an entry's final '*'.
 */
int	lang_option_allowed(const struct lang *l, const char *opt);
/* Available language by id, or NULL. */
const struct lang *lang_by_id(const struct lang_table *, int id);
/* Available language by name or alias (case-insensitive), or NULL. */
const struct lang *lang_by_name(const struct lang_table *, const char *);

#endif
