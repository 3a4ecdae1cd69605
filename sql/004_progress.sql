-- coderunner schema, version 4: which test a running job is on (1-based;
-- 0 before the first test), so pages can say "running test k of N".
ALTER TABLE submissions ADD COLUMN progress INTEGER NOT NULL DEFAULT 0;
