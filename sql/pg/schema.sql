-- coderunner schema for PostgreSQL, version 1.
--
-- The same tables as SQLite's (sql/schema.sql and its migrations up to
-- version 4) in PostgreSQL's types, plus what several nodes sharing one
-- database need: the node that holds a running job, the job queue as
-- functions, and notifications.  The two backends number their versions
-- apart: later changes here go in sql/pg/NNN_<what>.sql.  store_open()
-- runs this file in one transaction, with search_path set to the schema
-- it migrates and pg_temp (last), when schema_version does not exist yet,
-- and then sets the version to 1; never edit it once a database exists.
--
-- Times are ms since the epoch (bigint), durations in seconds (double
-- precision), memory in KB, as in the API.  Inputs and outputs are bytea:
-- they may hold NUL bytes and need not be UTF-8; so may the compiler
-- options and the command line, which the request gives.

CREATE TABLE schema_version (
	version			integer NOT NULL
);
INSERT INTO schema_version VALUES (0);

-- One row per submission.  status is the Judge0 id: 1 queued, 2 running
-- (node, executor and lease_until_ms set), 3..16 final (finished_ms set).
CREATE TABLE submissions (
	id			bigint GENERATED ALWAYS AS IDENTITY
				    PRIMARY KEY,
	token			text NOT NULL UNIQUE,
	owner			text NOT NULL,
	lang_id			integer NOT NULL,
	source			bytea NOT NULL,
	lim_cpu_time_s		double precision NOT NULL,
	lim_cpu_extra_s		double precision NOT NULL,
	lim_wall_time_s		double precision NOT NULL,
	lim_memory_kb		bigint NOT NULL,
	lim_stack_kb		bigint NOT NULL,
	lim_max_file_kb		bigint NOT NULL,
	lim_max_procs		bigint NOT NULL,
	lim_output_bytes	bigint NOT NULL,
	redirect_stderr		integer NOT NULL DEFAULT 0,
	status			integer NOT NULL
				    CHECK (status BETWEEN 1 AND 16),
	message			text NOT NULL DEFAULT '',
	compile_output		bytea,
	time_s			double precision,
	wall_time_s		double precision,
	memory_kb		bigint,
	created_ms		bigint NOT NULL,
	started_ms		bigint,
	finished_ms		bigint,
	attempts		integer NOT NULL DEFAULT 0,
	node			text,
	executor		integer,
	lease_until_ms		bigint,
	compare			text NOT NULL DEFAULT 'trim',
	abs_eps			double precision NOT NULL DEFAULT 1e-6,
	rel_eps			double precision NOT NULL DEFAULT 1e-6,
	stop_on_failure		integer NOT NULL DEFAULT 0,
	number_of_runs		integer NOT NULL DEFAULT 1,
	compiler_options	bytea,
	command_line_arguments	bytea,
	compiles		integer,
	progress		integer NOT NULL DEFAULT 0,
	-- Judge0's additional_files: the zip unpacked into the box before
	-- the compile (NULL: none)
	additional_files	bytea,
	-- the program's arguments as exact argv words, each followed by a
	-- NUL byte (NULL: command_line_arguments, split at blanks)
	argv			bytea
);

-- Claim: the oldest queued job; also counts the queue and filters
-- history by status.
CREATE INDEX submissions_status ON submissions (status, id);
-- A user's history, newest first.
CREATE INDEX submissions_owner ON submissions (owner, id DESC);
-- Requeue of a node's dead executor, and of expired leases.
CREATE INDEX submissions_running ON submissions (node, executor,
    lease_until_ms) WHERE status = 2;
-- Retention (store_prune).
CREATE INDEX submissions_finished ON submissions (finished_ms)
    WHERE finished_ms IS NOT NULL;

-- The test cases of a submission, idx 0 .. n-1.  expected NULL means the
-- output is not compared.
CREATE TABLE tests (
	submission_id		bigint NOT NULL REFERENCES submissions (id)
				    ON DELETE CASCADE,
	idx			integer NOT NULL,
	stdin			bytea NOT NULL,
	expected		bytea,
	PRIMARY KEY (submission_id, idx)
);

-- What each test produced, at most one row per test; written while the
-- job is running under the writer's lease (queue_result).
CREATE TABLE test_results (
	submission_id		bigint NOT NULL,
	idx			integer NOT NULL,
	status			integer NOT NULL,
	message			text NOT NULL DEFAULT '',
	stdout			bytea,
	stdout_truncated	integer NOT NULL DEFAULT 0,
	stderr			bytea,
	stderr_truncated	integer NOT NULL DEFAULT 0,
	time_s			double precision,
	wall_time_s		double precision,
	memory_kb		bigint,
	exit_code		integer,
	exit_signal		integer,
	PRIMARY KEY (submission_id, idx),
	FOREIGN KEY (submission_id, idx) REFERENCES tests (submission_id, idx)
	    ON DELETE CASCADE
);

-- The extra files of a multi-file program (names checked by the API).
CREATE TABLE files (
	submission_id		bigint NOT NULL REFERENCES submissions (id)
				    ON DELETE CASCADE,
	idx			integer NOT NULL,
	name			text NOT NULL,
	content			bytea NOT NULL,
	PRIMARY KEY (submission_id, idx)
);

-- Idempotency-Key: (owner, key) -> the submission it made; a later use
-- of an expired key replaces the row.
CREATE TABLE idempotency (
	owner			text NOT NULL,
	key			text NOT NULL,
	submission_id		bigint NOT NULL REFERENCES submissions (id)
				    ON DELETE CASCADE,
	created_ms		bigint NOT NULL,
	PRIMARY KEY (owner, key)
);
CREATE INDEX idempotency_submission ON idempotency (submission_id);

-- Callbacks: state 0 pending, 1 delivered, 2 given up (last_error).
CREATE TABLE callbacks (
	submission_id		bigint PRIMARY KEY REFERENCES submissions (id)
				    ON DELETE CASCADE,
	url			text NOT NULL,
	base64			integer NOT NULL DEFAULT 0,
	state			integer NOT NULL DEFAULT 0
				    CHECK (state BETWEEN 0 AND 2),
	attempts		integer NOT NULL DEFAULT 0,
	next_try_ms		bigint NOT NULL DEFAULT 0,
	last_error		text NOT NULL DEFAULT ''
);
CREATE INDEX callbacks_pending ON callbacks (next_try_ms) WHERE state = 0;

-- Wake-ups across hosts: a job queued (inserted or requeued) notifies
-- coderunner_job, which executors anywhere listen to; a job that became
-- final notifies coderunner_done with its token, for the http workers
-- whose clients wait.  NOTIFY is sent at commit, and only then.
CREATE FUNCTION submissions_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.status = 1 THEN
		PERFORM pg_notify('coderunner_job', '');
	ELSIF NEW.status >= 3 THEN
		PERFORM pg_notify('coderunner_done', NEW.token);
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER submissions_notify AFTER INSERT OR UPDATE OF status
    ON submissions FOR EACH ROW WHEN (NEW.status <> 2)
    EXECUTE FUNCTION submissions_notify();

-- The job queue (src/store/queue.h).  Every change of a running job goes
-- through these functions; they run as their owner (SECURITY DEFINER),
-- so that an executor-only node can connect with a role that may call
-- them and nothing else (contrib/postgresql/roles.sql): it can claim,
-- read the job it holds, renew, record results and finish, but not read
-- the history.  A lease is the pair (job, attempt): every way back to the
-- queue adds one to attempts, so a requeued job's old holder can no
-- longer renew, record or finish it.

-- Claims the oldest queued job: the row comes back, running.  SKIP LOCKED
-- lets executors on every node claim at once, each a different job.
CREATE FUNCTION queue_claim(p_node text, p_executor integer,
    p_now_ms bigint, p_lease_ms bigint)
RETURNS SETOF submissions LANGUAGE sql SECURITY DEFINER
SET search_path FROM CURRENT AS $$
	UPDATE submissions SET status = 2, node = p_node,
	    executor = p_executor, started_ms = p_now_ms,
	    lease_until_ms = p_now_ms + p_lease_ms
	WHERE id = (SELECT id FROM submissions WHERE status = 1
	    ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
	RETURNING *
$$;

-- The tests and files of the job the caller holds (nothing otherwise).
CREATE FUNCTION queue_tests(p_job bigint, p_attempt integer)
RETURNS TABLE (idx integer, stdin bytea, expected bytea)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
	SELECT t.idx, t.stdin, t.expected FROM tests t
	JOIN submissions s ON s.id = t.submission_id
	WHERE s.id = p_job AND s.attempts = p_attempt AND s.status = 2
	ORDER BY t.idx
$$;

CREATE FUNCTION queue_files(p_job bigint, p_attempt integer)
RETURNS TABLE (name text, content bytea)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
	SELECT f.name, f.content FROM files f
	JOIN submissions s ON s.id = f.submission_id
	WHERE s.id = p_job AND s.attempts = p_attempt AND s.status = 2
	ORDER BY f.idx
$$;

-- Extends the lease to p_until_ms; p_test (not NULL) is the test being
-- run, for the pages.  false: the lease is not the caller's any more.
CREATE FUNCTION queue_renew(p_job bigint, p_attempt integer,
    p_until_ms bigint, p_test integer)
RETURNS boolean LANGUAGE sql SECURITY DEFINER
SET search_path FROM CURRENT AS $$
	WITH u AS (
		UPDATE submissions SET lease_until_ms = p_until_ms,
		    progress = coalesce(p_test, progress)
		WHERE id = p_job AND attempts = p_attempt AND status = 2
		RETURNING 1)
	SELECT count(*) = 1 FROM u
$$;

-- Stores the result of test p_idx (replacing a stray one), while the
-- lease is the caller's; the row lock taken here is held to the end of
-- the caller's transaction, which queue_finish ends.
CREATE FUNCTION queue_result(p_job bigint, p_attempt integer,
    p_idx integer, p_status integer, p_message text, p_stdout bytea,
    p_stdout_truncated integer, p_stderr bytea, p_stderr_truncated integer,
    p_time_s double precision, p_wall_time_s double precision,
    p_memory_kb bigint, p_exit_code integer, p_exit_signal integer)
RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER
SET search_path FROM CURRENT AS $$
BEGIN
	PERFORM 1 FROM submissions WHERE id = p_job AND
	    attempts = p_attempt AND status = 2 FOR UPDATE;
	IF NOT FOUND THEN
		RETURN false;
	END IF;
	DELETE FROM test_results WHERE submission_id = p_job AND idx = p_idx;
	INSERT INTO test_results (submission_id, idx, status, message, stdout,
	    stdout_truncated, stderr, stderr_truncated, time_s, wall_time_s,
	    memory_kb, exit_code, exit_signal)
	VALUES (p_job, p_idx, p_status, p_message, p_stdout,
	    p_stdout_truncated, p_stderr, p_stderr_truncated, p_time_s,
	    p_wall_time_s, p_memory_kb, p_exit_code, p_exit_signal);
	RETURN true;
END
$$;

-- Makes the job final with its verdict, while the lease is the caller's;
-- results from idx p_nresults on (left by nothing but damage) go.
CREATE FUNCTION queue_finish(p_job bigint, p_attempt integer,
    p_status integer, p_message text, p_compile_output bytea,
    p_time_s double precision, p_wall_time_s double precision,
    p_memory_kb bigint, p_finished_ms bigint, p_compiles integer,
    p_nresults integer)
RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER
SET search_path FROM CURRENT AS $$
BEGIN
	IF p_status NOT BETWEEN 3 AND 16 THEN
		RAISE EXCEPTION 'status % is not final', p_status;
	END IF;
	UPDATE submissions SET status = p_status, message = p_message,
	    compile_output = p_compile_output, time_s = p_time_s,
	    wall_time_s = p_wall_time_s, memory_kb = p_memory_kb,
	    finished_ms = p_finished_ms, lease_until_ms = NULL,
	    compiles = p_compiles
	WHERE id = p_job AND attempts = p_attempt AND status = 2;
	IF NOT FOUND THEN
		RETURN false;
	END IF;
	DELETE FROM test_results WHERE submission_id = p_job AND
	    idx >= p_nresults;
	RETURN true;
END
$$;

-- Puts running jobs back in the queue, attempts + 1; a job that reaches
-- p_max_attempts becomes Internal Error ("<p_why> N times").  Those of
-- p_node's executor p_executor (< 0: every executor of p_node), or, with
-- p_node NULL, those of any node whose lease ended before p_before_ms.
-- Returns how many.  Not callable by itself: see the two below.
CREATE FUNCTION queue_requeue_where(p_node text, p_executor integer,
    p_before_ms bigint, p_max_attempts integer, p_now_ms bigint,
    p_why text)
RETURNS integer LANGUAGE sql SECURITY DEFINER
SET search_path FROM CURRENT AS $$
	WITH u AS (
		UPDATE submissions SET
		    attempts = attempts + 1,
		    status = CASE WHEN attempts + 1 >= p_max_attempts
			THEN 13 ELSE 1 END,
		    message = CASE WHEN attempts + 1 >= p_max_attempts
			THEN p_why || ' ' || (attempts + 1) || ' times'
			ELSE message END,
		    started_ms = CASE WHEN attempts + 1 >= p_max_attempts
			THEN started_ms END,
		    finished_ms = CASE WHEN attempts + 1 >= p_max_attempts
			THEN p_now_ms END,
		    node = CASE WHEN attempts + 1 >= p_max_attempts
			THEN node END,
		    executor = CASE WHEN attempts + 1 >= p_max_attempts
			THEN executor END,
		    lease_until_ms = NULL
		WHERE status = 2 AND
		    (p_node IS NULL OR node = p_node) AND
		    (p_executor < 0 OR executor = p_executor) AND
		    (p_before_ms IS NULL OR lease_until_ms < p_before_ms)
		RETURNING 1)
	SELECT count(*)::integer FROM u
$$;

CREATE FUNCTION queue_requeue(p_node text, p_executor integer,
    p_max_attempts integer, p_now_ms bigint)
RETURNS integer LANGUAGE sql SECURITY DEFINER
SET search_path FROM CURRENT AS $$
	SELECT queue_requeue_where(p_node, p_executor, NULL, p_max_attempts,
	    p_now_ms, 'executor died')
$$;

CREATE FUNCTION queue_requeue_expired(p_before_ms bigint,
    p_max_attempts integer, p_now_ms bigint)
RETURNS integer LANGUAGE sql SECURITY DEFINER
SET search_path FROM CURRENT AS $$
	SELECT queue_requeue_where(NULL, -1, p_before_ms, p_max_attempts,
	    p_now_ms, 'lease expired')
$$;

-- Functions are everyone's to call by default: these are their owner's
-- until roles.sql grants them.
REVOKE ALL ON FUNCTION queue_claim(text, integer, bigint, bigint),
    queue_tests(bigint, integer), queue_files(bigint, integer),
    queue_renew(bigint, integer, bigint, integer),
    queue_result(bigint, integer, integer, integer, text, bytea, integer,
	bytea, integer, double precision, double precision, bigint, integer,
	integer),
    queue_finish(bigint, integer, integer, text, bytea, double precision,
	double precision, bigint, bigint, integer, integer),
    queue_requeue_where(text, integer, bigint, integer, bigint, text),
    queue_requeue(text, integer, integer, bigint),
    queue_requeue_expired(bigint, integer, bigint),
    submissions_notify()
    FROM PUBLIC;
