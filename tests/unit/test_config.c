/*
 * Unit tests for src/base/config.c: keys and their types, the limits'
 * floors and the budget.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/config.h"
#include "base/err.h"

/* Loads json over the defaults: 1 if it loads, 0 with err set. */
static int
load(const char *json, struct config *c, struct err *err)
{
	char	path[] = "/tmp/test_configXXXXXX";
	FILE	*f;
	int	 fd, rc;

	if ((fd = mkstemp(path)) == -1 || (f = fdopen(fd, "w")) == NULL)
		fail_msg("mkstemp");
	fputs(json, f);
	fclose(f);
	if (config_defaults(c, err) == -1)
		fail_msg("config_defaults: %s", err->msg);
	rc = config_load(c, path, err) == 0;
	unlink(path);
	return rc;
}

/* A config file, and whether it loads or why not (a part of err). */
struct config_case {
	const char	*json;
	int		 ok;
	const char	*why;
};

static void
check_cases(const struct config_case *cases, size_t n)
{
	struct config	c;
	struct err	err;
	size_t		i;
	int		got;

	for (i = 0; i < n; i++) {
		err.msg[0] = '\0';
		got = load(cases[i].json, &c, &err);
		if (got != cases[i].ok || (!got &&
		    strstr(err.msg, cases[i].why) == NULL))
			fail_msg("case %zu %s: %d %s", i, cases[i].json, got,
			    err.msg);
		config_reset(&c);
	}
}

static void
test_shipped_config(void **state)
{
	struct config	c;
	struct err	err;

	(void)state;
	/* every key of contrib/coderunner.json, with the built-in values */
	if (config_defaults(&c, &err) == -1 ||
	    config_load(&c, "contrib/coderunner.json", &err) == -1)
		fail_msg("contrib/coderunner.json: %s", err.msg);
	assert_true(c.max.total_wall_s == 60);
	/* null: by the cores, which config_finish works out */
	assert_int_equal(c.http_workers, -1);
	assert_int_equal(c.executors, -1);
	/* 0: the time budget and 30 s, so a test never outlives it */
	assert_int_equal(c.lease_ms, 0);
	config_finish(&c);
	assert_int_equal(c.lease_ms, 90000);
	assert_true(c.http_workers >= 2 && c.executors >= 1);
	assert_true(c.node[0] != '\0');	/* the host's name */
	config_reset(&c);
	/* the multi-node examples use only keys that exist */
	if (config_defaults(&c, &err) == -1 ||
	    config_load(&c, "contrib/multi-node/node.json", &err) == -1)
		fail_msg("contrib/multi-node/node.json: %s", err.msg);
	config_reset(&c);
	if (config_defaults(&c, &err) == -1 || config_load(&c,
	    "contrib/multi-node/node-executor.json", &err) == -1)
		fail_msg("contrib/multi-node/node-executor.json: %s", err.msg);
	assert_int_equal(c.http_workers, 0);
	config_reset(&c);
}

/* 0 workers or executors stays 0: the node has that role only. */
static void
test_roles(void **state)
{
	struct config	c;
	struct err	err;

	(void)state;
	assert_true(load("{\"http_workers\": 0, \"node\": \"x\"}", &c,
	    &err));
	config_finish(&c);
	assert_int_equal(c.http_workers, 0);
	assert_true(c.executors >= 1);
	assert_string_equal(c.node, "x");
	config_reset(&c);
	assert_true(load("{\"executors\": 0}", &c, &err));
	config_finish(&c);
	assert_int_equal(c.executors, 0);
	assert_true(c.http_workers >= 2);
	config_reset(&c);
}

static void
test_limit_floors(void **state)
{
	static const struct config_case cases[] = {
		{ "{\"limits_maximum\": {\"total_wall_time\": 2}}", 1, NULL },
		{ "{\"limits_maximum\": {\"total_wall_time\": 0}}", 0,
		  "total_wall_time must be greater than or equal to 0.01" },
		{ "{\"limits_default\": {\"total_wall_time\": 2}}", 0,
		  "unknown key \"total_wall_time\"" },
		{ "{\"limits_default\": {\"cpu_time_limit\": 0.01}}", 1, NULL },
		{ "{\"limits_default\": {\"cpu_time_limit\": 0.0001}}", 0,
		  "limits_default: cpu_time_limit must be greater than or "
		  "equal to 0.01" },
		{ "{\"limits_default\": {\"cpu_extra_time\": 0}}", 1, NULL },
		{ "{\"limits_default\": {\"wall_time_limit\": 0}}", 0,
		  "wall_time_limit" },
		{ "{\"limits_maximum\": {\"memory_limit\": 2047}}", 0,
		  "limits_maximum: memory_limit must be greater than or equal "
		  "to 2048" },
		{ "{\"limits_default\": {\"max_file_size\": 0}}", 0,
		  "max_file_size" },
		{ "{\"limits_default\": {\"stack_limit\": 0}}", 0,
		  "stack_limit" },
		{ "{\"limits_default\": {\"max_processes_and_or_threads\": 0}}",
		  0, "max_processes_and_or_threads" },
		{ "{\"limits_default\": {\"output_limit\": 1023}}", 0,
		  "output_limit" },
		/* a default over its maximum: one that sets none would pass
		   what one that sets the same value may not */
		{ "{\"limits_default\": {\"cpu_time_limit\": 16}}", 0,
		  "cpu_time_limit is over its maximum" },
		{ "{\"limits_maximum\": {\"memory_limit\": 100000}}", 0,
		  "memory_limit is over its maximum" },
	};

	(void)state;
	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Unknown keys and values of the wrong type stop the start. */
static void
test_keys_and_types(void **state)
{
	static const struct config_case cases[] = {
		{ "{}", 1, NULL },
		{ "{\"database\": \"x.db\", \"http_workers\": 3}", 1, NULL },
		/* a misspelt key is an error, not ignored */
		{ "{\"databse\": \"x.db\"}", 0, "unknown key \"databse\"" },
		{ "{\"Database\": \"x.db\"}", 0, "unknown key \"Database\"" },
		{ "{\"limits_maximum\": {\"cpu_time\": 1}}", 0,
		  "limits_maximum: unknown key \"cpu_time\"" },
		{ "{\"database\": 1}", 0, "database: expected a string" },
		{ "{\"http_workers\": \"2\"}", 0,
		  "http_workers: expected an integer" },
		{ "{\"http_workers\": 2.5}", 0,
		  "http_workers: expected an integer" },
		{ "{\"http_workers\": -1}", 0,
		  "http_workers: must not be negative" },
		{ "{\"http_workers\": 1000000001}", 0,
		  "http_workers: too large" },
		{ "{\"http_workers\": 1000000000}", 1, NULL },
		/* roles: null is "by the cores", 0 "none", not both none */
		{ "{\"http_workers\": null, \"executors\": null}", 1, NULL },
		{ "{\"http_workers\": 0}", 1, NULL },
		{ "{\"executors\": 0}", 1, NULL },
		{ "{\"http_workers\": 0, \"executors\": 0}", 0,
		  "a node needs one or the other" },
		{ "{\"http_threads\": null}", 0,
		  "http_threads: expected an integer" },
		{ "{\"node\": \"n1\", \"lease_ms\": 1000}", 1, NULL },
		{ "{\"lease_ms\": 999}", 0,
		  "lease_ms must be 0 (by the time budget) or at least 1000" },
		{ "{\"lease_ms\": 0}", 1, NULL },
		{ "{\"database\": \"postgresql:///coderunner\"}", 1, NULL },
		{ "{\"box_uid_base\": 9000000000}", 1, NULL },
		{ "{\"allow_delete\": 1}", 0,
		  "allow_delete: expected true or false" },
		{ "{\"admins\": \"root\"}", 0, "admins: expected an array" },
		{ "{\"admins\": [\"root\", 1]}", 0,
		  "admins: expected strings" },
		{ "{\"limits_default\": 1}", 0,
		  "limits_default: expected an object" },
		{ "{\"limits_default\": {\"cpu_time_limit\": \"1\"}}", 0,
		  "cpu_time_limit: expected a number" },
		{ "[]", 0, "expected an object" },
		{ "{\"database\": ", 0, "" },		/* not JSON */
	};

	(void)state;
	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void
test_floor_table(void **state)
{
	const struct limits	*f = config_limits_floor();
	struct config		 c;
	struct err		 err;

	(void)state;
	/* nothing may reach the sandbox as 0, which means "no limit" */
	assert_true(f->cpu_time_s > 0 && f->wall_time_s > 0 &&
	    f->total_wall_s > 0);
	assert_true(f->memory_kb > 0 && f->stack_kb > 0 &&
	    f->max_file_kb > 0 && f->max_procs > 0 && f->output_bytes > 0);
	assert_true(f->cpu_extra_s == 0);
	/* the built-in defaults pass their own floors */
	assert_int_equal(config_defaults(&c, &err), 0);
	assert_true(c.def.cpu_time_s >= f->cpu_time_s &&
	    c.def.memory_kb >= f->memory_kb && c.max.total_wall_s == 60);
	config_reset(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_config),
		cmocka_unit_test(test_keys_and_types),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_limit_floors),
		cmocka_unit_test(test_floor_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
