-- coderunner on PostgreSQL: the roles, the schema and the grants.
--
-- Run as a superuser (psql -d <the database> -f roles.sql), once before
-- the first node starts and again after it started (and after every
-- upgrade of coderunner): the grants need the queue's functions, which
-- the first HTTP node makes when it migrates the schema.  Idempotent.
--
--   coderunner       owns the schema and runs its migrations: the HTTP
--                    nodes connect with it (database:
--                    "postgresql://coderunner:...@db.example/coderunner").
--   coderunner_exec  the executor-only nodes (http_workers 0): they run
--                    untrusted code, so their role may call the queue's
--                    functions (claim, tests and files of the job it
--                    holds, renew, result, finish, requeue) and nothing
--                    else; it cannot read the history, nor any job it
--                    does not hold.
--
-- Passwords are yours to set (ALTER ROLE ... PASSWORD), as is pg_hba.conf.
-- A node's callback sender and retention need the owner's role: leave
-- callback_allow_hosts empty on executor-only nodes.

DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'coderunner') THEN
		CREATE ROLE coderunner LOGIN;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_roles
	    WHERE rolname = 'coderunner_exec') THEN
		CREATE ROLE coderunner_exec LOGIN;
	END IF;
END
$$;

CREATE SCHEMA IF NOT EXISTS coderunner AUTHORIZATION coderunner;
-- the nodes name no schema: their search_path does
ALTER ROLE coderunner SET search_path = coderunner;
ALTER ROLE coderunner_exec SET search_path = coderunner;
GRANT USAGE ON SCHEMA coderunner TO coderunner_exec;

-- Once the schema exists (the first HTTP node made it): the version, which
-- every node reads at start, and the queue.
DO $$
BEGIN
	IF to_regclass('coderunner.schema_version') IS NULL THEN
		RAISE NOTICE 'coderunner: no schema yet: start an HTTP node '
		    '(role coderunner), then run this file again';
		RETURN;
	END IF;
	GRANT SELECT ON coderunner.schema_version TO coderunner_exec;
	GRANT EXECUTE ON FUNCTION
	    coderunner.queue_claim(text, integer, bigint, bigint),
	    coderunner.queue_tests(bigint, integer),
	    coderunner.queue_files(bigint, integer),
	    coderunner.queue_renew(bigint, integer, bigint, integer),
	    coderunner.queue_result(bigint, integer, integer, integer, text,
		bytea, integer, bytea, integer, double precision,
		double precision, bigint, integer, integer),
	    coderunner.queue_finish(bigint, integer, integer, text, bytea,
		double precision, double precision, bigint, bigint, integer,
		integer),
	    coderunner.queue_requeue(text, integer, integer, bigint),
	    coderunner.queue_requeue_expired(bigint, integer, bigint)
	    TO coderunner_exec;
END
$$;
