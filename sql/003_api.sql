-- coderunner schema, version 3: Idempotency-Key and callbacks.
--
-- idempotency: a POST with an Idempotency-Key header records (owner, key)
-- with the submission it created; the same owner sending the same key
-- again within 24 h gets that submission's token instead of a new one.
-- An older row is replaced by the next use of the key.
CREATE TABLE idempotency (
	owner			TEXT NOT NULL,
	key			TEXT NOT NULL,
	submission_id		INTEGER NOT NULL
				    REFERENCES submissions (id)
				    ON DELETE CASCADE,
	created_ms		INTEGER NOT NULL,
	PRIMARY KEY (owner, key)
);
-- The cascade from submissions (prune, DELETE) looks rows up by id.
CREATE INDEX idempotency_submission ON idempotency (submission_id);

-- callbacks: the callback_url of a submission and its delivery.  state 0
-- is pending (sent once the submission is final and next_try_ms has
-- come), 1 delivered, 2 given up (last_error says why).  base64 is the
-- request's base64_encoded, which the body follows.
CREATE TABLE callbacks (
	submission_id		INTEGER PRIMARY KEY
				    REFERENCES submissions (id)
				    ON DELETE CASCADE,
	url			TEXT NOT NULL,
	base64			INTEGER NOT NULL DEFAULT 0,
	state			INTEGER NOT NULL DEFAULT 0
				    CHECK (state BETWEEN 0 AND 2),
	attempts		INTEGER NOT NULL DEFAULT 0,
	next_try_ms		INTEGER NOT NULL DEFAULT 0,
	last_error		TEXT NOT NULL DEFAULT ''
);
CREATE INDEX callbacks_pending ON callbacks (next_try_ms) WHERE state = 0;
