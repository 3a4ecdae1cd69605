-- coderunner schema, version 2: judging options and multi-file programs.
--
-- compare is enum judge_compare by name (trim, exact, tokens, float);
-- compiler_options and command_line_arguments are the request's text,
-- split into argv words by the judge (never by a shell).  compiles counts
-- the compiler runs of the verdict (0 or 1: one compile for all tests).
ALTER TABLE submissions ADD COLUMN compare TEXT NOT NULL DEFAULT 'trim';
ALTER TABLE submissions ADD COLUMN abs_eps REAL NOT NULL DEFAULT 1e-6;
ALTER TABLE submissions ADD COLUMN rel_eps REAL NOT NULL DEFAULT 1e-6;
ALTER TABLE submissions ADD COLUMN stop_on_failure INTEGER NOT NULL
    DEFAULT 0;
ALTER TABLE submissions ADD COLUMN number_of_runs INTEGER NOT NULL
    DEFAULT 1;
ALTER TABLE submissions ADD COLUMN compiler_options TEXT;
ALTER TABLE submissions ADD COLUMN command_line_arguments TEXT;
ALTER TABLE submissions ADD COLUMN compiles INTEGER;

-- The extra files of a multi-file program, written into the box beside
-- the source.  name is a plain file name (checked by the API).
CREATE TABLE files (
	submission_id		INTEGER NOT NULL
				    REFERENCES submissions (id)
				    ON DELETE CASCADE,
	idx			INTEGER NOT NULL,
	name			TEXT NOT NULL,
	content			BLOB NOT NULL,
	PRIMARY KEY (submission_id, idx)
);
