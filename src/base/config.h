#ifndef BASE_CONFIG_H
#define BASE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

struct err;

/*
 * Limits in Judge0's units (seconds, KB) as they appear in the config
 * and the API.  The config holds one set of defaults and one of maxima.
 */
struct limits {
	double		cpu_time_s;
	double		cpu_extra_s;
	double		wall_time_s;
	int64_t		memory_kb;
	int64_t		stack_kb;
	int64_t		max_file_kb;
	int64_t		max_procs;
	int64_t		output_bytes;	/* stdout and stderr, each */
	double		total_wall_s;	/* limits_maximum only: the most
					   wall time one submission may
					   take, compile and every run of
					   every test together */
};

/*
 * The whole configuration.  Every key has a default (config_defaults);
 * contrib/coderunner.json documents them.  Strings are owned by the
 * struct and freed by config_reset().
 */
struct config {
	char		*database;	/* SQLite file, or postgresql:// URI */
	char		*node;		/* this node's name, "" = host name */
	char		*box_root;	/* the sandbox's mount point (0700) */
	char		*languages;	/* the language table (JSON) */
	char		*base_path;	/* URL prefix when mounted in a site */
	char		*cgroup_base;	/* delegated cgroup, "" = autodetect */
	char		*csrf_secret;	/* HMAC key of the form tokens */
	int		 http_workers;	/* -1 (null) = 2 x cores; 0 = none:
					   an executor-only node */
	int		 http_threads;	/* FastCGI accept threads per worker */
	int		 executors;	/* -1 (null) = cores; 0 = none: an
					   HTTP-only node */
	int		 lease_ms;	/* a claim's lease, renewed per test;
					   0 until config_finish: by the
					   time budget */
	int		 wait_timeout_ms;
	int		 queue_max;
	int		 owner_queue_max;
	int		 shutdown_grace_ms;
	int		 max_attempts;
	int		 max_tests;	/* entries of "tests" */
	int64_t		 max_body_bytes;
	int64_t		 max_source_bytes;
	int64_t		 stored_output_bytes;
	int64_t		 box_uid_base;	/* outer uids for boxes when root */
	char		*compile_cache;	/* its dir, "" = next to database */
	int64_t		 compile_cache_bytes;	/* 0 = no cache */
	char		*prepared_dir;	/* the languages' prepared files,
					   "" = box_root's path + ".prepared" */
	struct limits	 def;
	struct limits	 max;
	char		**admins;	/* NULL-terminated */
	int		 allow_delete;	/* DELETE /submissions/{token} */
	int		 allow_network;	/* enable_network may be true */
	int		 judge0_extra_statuses;	/* 15 and 16 on the Judge0
						   routes, not 12 and 8 */
	int		 max_batch;	/* entries of a batch POST or GET */
	char		**callback_allow_hosts;	/* NULL-terminated; empty:
						   callbacks off */
	char		*callback_secret;	/* HMAC key, "" = unsigned */
	double		 retention_days;	/* final submissions older
						   are pruned; 0 = kept */
	int64_t		 max_db_bytes;	/* the oldest final submissions
					   go while the data is bigger;
					   0 = no bound */
};

/*
 * The smallest value of each limit (total_wall_s too).  A smaller one is
 * refused: by the API with a 422, in the config at start.  0 never means
 * "no limit": the floors keep every limit above it.
 */
const struct limits *config_limits_floor(void);

/* Fills c with the built-in defaults.  Returns 0, or -1 (out of memory). */
int	config_defaults(struct config *c, struct err *err);
/*
 * Reads the JSON file at path over the defaults already in c.  Unknown keys
 * and values of the wrong type are errors.  Returns 0, or -1 with err set.
 */
int	config_load(struct config *c, const char *path, struct err *err);
/*
 * Resolves -1 (null) for workers/executors to numbers from the core
 * count, an empty node to the host's name, and
 * an empty csrf_secret to a random one (64 hex digits), which the
 * processes forked after this call share.  If getrandom fails the secret
 * stays "": the HTML form then answers 500 and form posts 403.
 */
void	config_finish(struct config *c);
void	config_reset(struct config *c);
/* 1 if user is listed in admins. */
int	config_is_admin(const struct config *c, const char *user);

#endif
