/*
 * A submission's columns, one list for both backends: a column added to
 * the schema is added here once.
 */
#ifndef STORE_COLUMNS_H
#define STORE_COLUMNS_H

/*
 * The columns of a submission row, in the order of enum sub_col: the
 * queries that hand a whole submission over select these, in both
 * backends (sub_load for SQLite, pgs_sub_row for PostgreSQL).
 */
#define SUB_COLS							\
	"id, token, owner, lang_id, source, lim_cpu_time_s, "		\
	"lim_cpu_extra_s, lim_wall_time_s, lim_memory_kb, lim_stack_kb, "\
	"lim_max_file_kb, lim_max_procs, lim_output_bytes, "		\
	"redirect_stderr, status, message, compile_output, time_s, "	\
	"wall_time_s, memory_kb, created_ms, started_ms, finished_ms, "	\
	"attempts, compare, abs_eps, rel_eps, stop_on_failure, "	\
	"number_of_runs, compiler_options, command_line_arguments, "	\
	"compiles, progress, additional_files, argv"

enum sub_col {
	SC_ID, SC_TOKEN, SC_OWNER, SC_LANG, SC_SOURCE, SC_CPU, SC_EXTRA,
	SC_WALL, SC_MEM, SC_STACK, SC_FILE, SC_PROCS, SC_OUTPUT,
	SC_REDIRECT, SC_STATUS, SC_MESSAGE, SC_COMPILE, SC_TIME,
	SC_WALL_TIME, SC_MEMORY, SC_CREATED, SC_STARTED, SC_FINISHED,
	SC_ATTEMPTS, SC_COMPARE, SC_ABS_EPS, SC_REL_EPS, SC_STOP,
	SC_RUNS, SC_COPTS, SC_ARGS, SC_COMPILES, SC_PROGRESS, SC_ZIP,
	SC_ARGV, SC_NCOLS
};

#endif
